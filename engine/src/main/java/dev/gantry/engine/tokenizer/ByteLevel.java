package dev.gantry.engine.tokenizer;

/**
 * GPT-2's reversible byte-to-unicode alphabet: every byte maps to one printable code point so
 * byte-level BPE vocabularies can be stored as JSON strings. Printable Latin-1 bytes map to
 * themselves; the other 68 bytes map to U+0100.. in byte order.
 */
final class ByteLevel {
  /** Code point for each byte value. */
  static final int[] BYTE_TO_CHAR = new int[256];
  /** Byte for each code point below 0x200, or -1 when the code point is not in the alphabet. */
  private static final int[] CHAR_TO_BYTE = new int[0x200];

  static {
    java.util.Arrays.fill(CHAR_TO_BYTE, -1);
    int n = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      int c = printable ? b : 256 + n++;
      BYTE_TO_CHAR[b] = c;
      CHAR_TO_BYTE[c] = b;
    }
  }

  private ByteLevel() {}

  /** The byte-level string of some UTF-8 bytes (what the vocabulary stores). */
  static String encode(byte[] utf8) {
    StringBuilder sb = new StringBuilder(utf8.length);
    for (byte b : utf8) {
      sb.append((char) BYTE_TO_CHAR[b & 0xFF]);
    }
    return sb.toString();
  }

  /** The bytes of a vocabulary string, or null when it holds a character outside the alphabet. */
  static byte[] decode(String token) {
    byte[] out = new byte[token.length()];
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
      if (b < 0) {
        return null;
      }
      out[i] = (byte) b;
    }
    return out;
  }
}
