package dev.gantry.engine.backend.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.gantry.engine.model.DType;
import dev.gantry.engine.testing.Quantizer;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class KernelsTest {
  private final Random random = new Random(11);

  @ParameterizedTest
  @ValueSource(ints = {1, 7, 16, 33, 64, 100, 1000, 4096})
  void dot_vectorAgreesWithScalar(int n) {
    float[] a = randomFloats(n + 3);
    float[] b = randomFloats(n + 5);
    float expected = Kernels.SCALAR.dot(a, 3, b, 5, n);
    assertThat(Kernels.VECTOR.dot(a, 3, b, 5, n)).isCloseTo(expected, within(1e-4f * (float) Math.sqrt(n)));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 17, 64, 333})
  void dot4_vectorAgreesWithFourScalarDots(int n) {
    float[] w = randomFloats(2 + 4 * (n + 3));
    float[] x = randomFloats(n + 1);
    float[] out = new float[6];
    Kernels.VECTOR.dot4(w, 2, n + 3, x, 1, n, out, 1);
    for (int i = 0; i < 4; i++) {
      float expected = Kernels.SCALAR.dot(w, 2 + i * (n + 3), x, 1, n);
      assertThat(out[1 + i]).isCloseTo(expected, within(1e-4f * (float) Math.sqrt(n)));
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 17, 64, 333})
  void dot4x4_vectorAgreesWithSixteenScalarDots(int n) {
    float[] w = randomFloats(3 + 4 * (n + 2));
    float[] x = randomFloats(5 + 4 * (n + 1));
    float[] out = new float[18];
    Kernels.VECTOR.dot4x4(w, 3, n + 2, x, 5, n + 1, n, out, 2);
    for (int r = 0; r < 4; r++) {
      for (int t = 0; t < 4; t++) {
        float expected = Kernels.SCALAR.dot(w, 3 + r * (n + 2), x, 5 + t * (n + 1), n);
        assertThat(out[2 + 4 * r + t]).as("row %d token %d", r, t).isCloseTo(expected, within(1e-4f * (float) Math.sqrt(n)));
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {32, 64, 96, 4096})
  void quantizedDots_vectorAgreeWithScalar_andWithDecodedRow(int n) {
    float[] w = randomFloats(n);
    float[] x = randomFloats(n + 4);
    for (DType type : new DType[] {DType.Q8_0, DType.Q4_0}) {
      byte[] row = Quantizer.encode(type, w, 1, n);
      byte[] shifted = new byte[row.length + 10];
      System.arraycopy(row, 0, shifted, 10, row.length);
      float[] decoded = Quantizer.decode(type, row, 1, n);
      float expected = Kernels.SCALAR.dot(decoded, 0, x, 4, n);
      float tol = 1e-4f * (float) Math.sqrt(n);
      float scalar = type == DType.Q8_0 ? Kernels.SCALAR.dotQ8_0(shifted, 10, x, 4, n) : Kernels.SCALAR.dotQ4_0(shifted, 10, x, 4, n);
      float vector = type == DType.Q8_0 ? Kernels.VECTOR.dotQ8_0(shifted, 10, x, 4, n) : Kernels.VECTOR.dotQ4_0(shifted, 10, x, 4, n);
      assertThat(scalar).as("%s scalar", type).isCloseTo(expected, within(tol));
      assertThat(vector).as("%s vector", type).isCloseTo(expected, within(tol));
    }
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void decodeRow_vectorAndScalar_matchTheFileFormat(DType type) {
    int n = type.isQuantized() ? 3 * type.blockSize() : 37; // odd lengths exercise the scalar tails
    float[] w = randomFloats(n);
    byte[] bytes = Quantizer.encode(type, w, 1, n);
    float[] expected = Quantizer.decode(type, bytes, 1, n);
    for (Kernels k : new Kernels[] {Kernels.SCALAR, Kernels.VECTOR}) {
      float[] out = new float[n + 2];
      k.decodeRow(type, bytes, out, 2, n);
      for (int i = 0; i < n; i++) {
        assertThat(out[2 + i]).as("%s %s element %d", k.getClass().getSimpleName(), type, i).isEqualTo(expected[i]);
      }
    }
  }

  @Test
  void decodeRow_q4_0_followsGgmlNibbleOrder() {
    // ggml block_q4_0: d, then qs[j] holds weight j in its low nibble and weight j + 16 in its high nibble.
    byte[] block = new byte[18];
    short half = Float.floatToFloat16(0.5f);
    block[0] = (byte) half;
    block[1] = (byte) (half >> 8);
    for (int j = 0; j < 16; j++) {
      block[2 + j] = (byte) (j | (15 - j) << 4);
    }
    for (Kernels k : new Kernels[] {Kernels.SCALAR, Kernels.VECTOR}) {
      float[] out = new float[32];
      k.decodeRow(DType.Q4_0, block, out, 0, 32);
      for (int j = 0; j < 16; j++) {
        assertThat(out[j]).isEqualTo(0.5f * (j - 8));
        assertThat(out[j + 16]).isEqualTo(0.5f * (7 - j));
      }
    }
  }

  @Test
  void decodeRow_q8_0_isScaleTimesSignedByte() {
    byte[] block = new byte[34];
    short quarter = Float.floatToFloat16(0.25f);
    block[0] = (byte) quarter;
    block[1] = (byte) (quarter >> 8);
    for (int j = 0; j < 32; j++) {
      block[2 + j] = (byte) (j * 8 - 128);
    }
    for (Kernels k : new Kernels[] {Kernels.SCALAR, Kernels.VECTOR}) {
      float[] out = new float[32];
      k.decodeRow(DType.Q8_0, block, out, 0, 32);
      for (int j = 0; j < 32; j++) {
        assertThat(out[j]).isEqualTo(0.25f * (j * 8 - 128));
      }
    }
  }

  @Test
  void decodeRow_q4_K_unpacksSixBitScalesAndMinsLikeGgml() {
    byte[] block = new byte[144];
    putF16(block, 0, 1.0f); // d
    putF16(block, 2, 0.5f); // dmin
    // sub-block 0: scale 2, min 3; sub-block 4: scale 1 | (1 << 4) = 17 (high bits in byte 0), min 2.
    block[4] = (byte) (2 | 1 << 6);
    block[4 + 4] = 3;
    block[4 + 8] = (byte) (1 | 2 << 4);
    block[16] = (byte) (5 | 9 << 4); // weight 0 low nibble 5, weight 32 high nibble 9 (sub-block 1: scale 0, min 0)
    block[16 + 64] = 7; // weight 128 (sub-block 4) = 7
    for (Kernels k : new Kernels[] {Kernels.SCALAR, Kernels.VECTOR}) {
      float[] out = new float[256];
      k.decodeRow(DType.Q4_K, block, out, 0, 256);
      assertThat(out[0]).isEqualTo(1.0f * 2 * 5 - 0.5f * 3);
      assertThat(out[1]).isEqualTo(-0.5f * 3);
      assertThat(out[32]).isEqualTo(0f);
      assertThat(out[128]).isEqualTo(1.0f * 17 * 7 - 0.5f * 2);
    }
  }

  @Test
  void decodeRow_q6_K_combinesLowNibblesAndHighBitsLikeGgml() {
    byte[] block = new byte[210];
    putF16(block, 208, 0.25f); // d
    block[192] = 4; // scale of weights 0..15
    block[192 + 2] = -2; // scale of weights 32..47
    block[0] = (byte) (0xA | 0x3 << 4); // weight 0 low = 0xA, weight 64 low = 3
    block[128] = (byte) (0x2 | 0x1 << 2); // weight 0 high bits 2, weight 32 high bits 1
    for (Kernels k : new Kernels[] {Kernels.SCALAR, Kernels.VECTOR}) {
      float[] out = new float[256];
      k.decodeRow(DType.Q6_K, block, out, 0, 256);
      assertThat(out[0]).isEqualTo(0.25f * 4 * ((0xA | 2 << 4) - 32));
      assertThat(out[32]).isEqualTo(0.25f * -2 * ((1 << 4) - 32));
      assertThat(out[1]).isEqualTo(0.25f * 4 * -32);
    }
  }

  private static void putF16(byte[] b, int off, float v) {
    short h = Float.floatToFloat16(v);
    b[off] = (byte) h;
    b[off + 1] = (byte) (h >> 8);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 15, 16, 128, 130})
  void axpy_vectorAgreesWithScalar(int n) {
    float[] x = randomFloats(n + 1);
    float[] y1 = randomFloats(n + 2);
    float[] y2 = y1.clone();
    Kernels.SCALAR.axpy(0.37f, x, 1, y1, 2, n);
    Kernels.VECTOR.axpy(0.37f, x, 1, y2, 2, n);
    for (int i = 0; i < y1.length; i++) {
      assertThat(y2[i]).isCloseTo(y1[i], within(1e-6f));
    }
  }

  private float[] randomFloats(int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) random.nextGaussian();
    }
    return a;
  }
}
