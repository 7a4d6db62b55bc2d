package dev.gantry.engine.backend.cuda;

import dev.gantry.engine.backend.cpu.Kernels;
import java.util.Locale;
import java.util.Random;

/**
 * Random Q8_0 or Q4_0 weight rows (random bytes with a small fp16 scale at the head of every
 * 32-weight block), random activations, and what the Java scalar quantized dot makes of them:
 * the inputs and reference of the dequantizing GEMV, shared by the CPU-shim and the GPU tests.
 *
 * @param w        {@code rows} rows of {@code cols / 32} blocks each
 * @param x        {@code tokens} activation rows of {@code cols}
 * @param expected {@code tokens × rows} outputs, token-major
 */
record QuantizedGemvFixture(int rows, int cols, int tokens, byte[] w, float[] x, float[] expected) {

  static QuantizedGemvFixture random(Random rnd, String type, int rows, int cols, int tokens) {
    boolean q8 = switch (type.toUpperCase(Locale.ROOT)) {
      case "Q8_0" -> true;
      case "Q4_0" -> false;
      default -> throw new IllegalArgumentException("type must be Q8_0 or Q4_0, got " + type);
    };
    int blockBytes = q8 ? 34 : 18;
    int rowBytes = cols / 32 * blockBytes;
    byte[] w = new byte[rows * rowBytes];
    rnd.nextBytes(w);
    for (int b = 0; b < w.length / blockBytes; b++) {
      short scale = Float.floatToFloat16((rnd.nextFloat() - 0.5f) * 0.1f);
      w[b * blockBytes] = (byte) scale;
      w[b * blockBytes + 1] = (byte) (scale >> 8);
    }
    float[] x = PagedCacheFixture.random(rnd, tokens * cols, 1f);
    float[] expected = new float[tokens * rows];
    for (int t = 0; t < tokens; t++) {
      for (int r = 0; r < rows; r++) {
        expected[t * rows + r] = q8 ? Kernels.SCALAR.dotQ8_0(w, r * rowBytes, x, t * cols, cols)
            : Kernels.SCALAR.dotQ4_0(w, r * rowBytes, x, t * cols, cols);
      }
    }
    return new QuantizedGemvFixture(rows, cols, tokens, w, x, expected);
  }
}
