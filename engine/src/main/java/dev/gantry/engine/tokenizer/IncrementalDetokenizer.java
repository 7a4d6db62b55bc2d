package dev.gantry.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns one sequence's tokens into text as they arrive, never emitting half a character.
 *
 * <p>Byte-level tokens often end inside a multi-byte UTF-8 character (an emoji is commonly two
 * or three tokens). {@link #add(int)} appends the token's bytes and returns the text of every
 * character that is now complete; the bytes of an unfinished character wait for the next token.
 * Bytes that can never form a character (a stray continuation byte, a truncated sequence followed
 * by a new lead byte) become U+FFFD right away, as {@link Tokenizer#decode} does, so the
 * concatenated deltas always equal {@code decode(allTokens)}. {@link #finish()} flushes a
 * trailing unfinished character as U+FFFD. Not thread-safe: one per sequence.
 */
public final class IncrementalDetokenizer {
  private final Tokenizer tokenizer;
  private final boolean skipSpecialTokens;
  private byte[] pending = new byte[8];
  private int pendingLength;
  private boolean atStart = true;

  IncrementalDetokenizer(Tokenizer tokenizer, boolean skipSpecialTokens) {
    this.tokenizer = tokenizer;
    this.skipSpecialTokens = skipSpecialTokens;
  }

  /**
   * Adds a token and returns the newly completed text (often empty, never a partial char).
   * Ids at or above the tokenizer's vocabulary size have no text: model embedding tables are
   * often padded beyond the tokenizer (HF decodes such ids to nothing too).
   */
  public String add(int tokenId) {
    if (tokenId < 0) {
      throw new IllegalArgumentException("token id " + tokenId + " is negative");
    }
    if (tokenId >= tokenizer.vocabSize() || (skipSpecialTokens && tokenizer.isSpecial(tokenId))) {
      return "";
    }
    byte[] bytes = tokenizer.tokenBytesUnsafe(tokenId);
    int from = 0;
    if (atStart && bytes.length > 0) {
      atStart = false;
      if (tokenizer.stripsLeadingSpace() && bytes[0] == ' ') {
        from = 1; // SentencePiece decoders drop the space the normalizer prepended
      }
    }
    append(bytes, from);
    int complete = completePrefix(pending, pendingLength);
    if (complete == 0) {
      return "";
    }
    String text = new String(pending, 0, complete, StandardCharsets.UTF_8);
    System.arraycopy(pending, complete, pending, 0, pendingLength - complete);
    pendingLength -= complete;
    return text;
  }

  /** Ends the sequence: returns the bytes still held (an unfinished character) as U+FFFD. */
  public String finish() {
    String text = new String(pending, 0, pendingLength, StandardCharsets.UTF_8);
    pendingLength = 0;
    return text;
  }

  /** Whether bytes of an unfinished character are held back. */
  public boolean hasPendingBytes() {
    return pendingLength > 0;
  }

  private void append(byte[] bytes, int from) {
    int n = bytes.length - from;
    if (pendingLength + n > pending.length) {
      pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + n));
    }
    System.arraycopy(bytes, from, pending, pendingLength, n);
    pendingLength += n;
  }

  /**
   * Length of the longest prefix that decodes without an unfinished trailing character: the
   * whole buffer unless its last lead byte still expects continuation bytes.
   */
  static int completePrefix(byte[] b, int length) {
    // A UTF-8 character is at most 4 bytes, so only the last 3 bytes can start an unfinished one.
    for (int i = length - 1; i >= Math.max(0, length - 3); i--) {
      int v = b[i] & 0xFF;
      if ((v & 0xC0) == 0x80) {
        continue; // continuation byte: keep looking for its lead byte
      }
      int expected = v >= 0xF0 && v <= 0xF4 ? 4 : v >= 0xE0 && v < 0xF0 ? 3 : v >= 0xC2 && v < 0xE0 ? 2 : 1;
      return length - i < expected ? i : length;
    }
    return length;
  }
}
