package dev.gantry.engine.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Encodes float weights as GGUF lays them out, with ggml's reference formulas
 * ({@code quantize_row_q8_0_ref}, {@code quantize_row_q4_0_ref}): F32 as is, Q8_0 and Q4_0
 * in blocks of 32 (an f16 scale, then 32 int8 values or 16 bytes of packed nibbles). The
 * bench's model writer and the test tree's model fixtures both encode with it, so the files
 * they write hold the same bytes llama.cpp's converter would.
 */
public final class GgufQuantizer {
  private GgufQuantizer() {}

  /**
   * Encodes the first {@code n} values of {@code w}.
   *
   * @param dtype F32, Q8_0 or Q4_0; for the quantized types {@code n} is a multiple of 32
   * @throws IllegalArgumentException for any other type
   */
  public static byte[] encode(DType dtype, float[] w, int n) {
    ByteBuffer out = ByteBuffer.allocate((int) dtype.bytesFor(n)).order(ByteOrder.LITTLE_ENDIAN);
    switch (dtype) {
      case F32 -> {
        for (int i = 0; i < n; i++) {
          out.putFloat(w[i]);
        }
      }
      case Q8_0 -> {
        for (int b = 0; b < n / 32; b++) {
          float amax = 0;
          for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(w[b * 32 + j]));
          }
          float d = amax / 127f;
          float id = d != 0 ? 1 / d : 0;
          out.putShort(Float.floatToFloat16(d));
          for (int j = 0; j < 32; j++) {
            out.put((byte) Math.round(w[b * 32 + j] * id));
          }
        }
      }
      case Q4_0 -> {
        for (int b = 0; b < n / 32; b++) {
          // ggml scales by the signed value of largest magnitude, so it maps to -8 exactly.
          float amax = 0;
          float max = 0;
          for (int j = 0; j < 32; j++) {
            float v = w[b * 32 + j];
            if (Math.abs(v) > amax) {
              amax = Math.abs(v);
              max = v;
            }
          }
          float d = max / -8f;
          float id = d != 0 ? 1 / d : 0;
          out.putShort(Float.floatToFloat16(d));
          for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (int) (w[b * 32 + j] * id + 8.5f));
            int hi = Math.min(15, (int) (w[b * 32 + j + 16] * id + 8.5f));
            out.put((byte) (lo | hi << 4));
          }
        }
      }
      default -> throw new IllegalArgumentException("GgufQuantizer encodes F32, Q8_0 or Q4_0, not " + dtype);
    }
    return out.array();
  }
}
