package dev.gantry.engine.backend.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.gantry.engine.model.DType;
import dev.gantry.engine.model.WeightTensor;
import dev.gantry.engine.testing.Quantizer;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MatmulTest {
  @ParameterizedTest
  @EnumSource(DType.class)
  void apply_equalsNaiveProduct_forAnyTokenCountAndRaggedRowCount(DType dtype) {
    Random random = new Random(dtype.ordinal());
    int rows = 37; // not a multiple of the 8-row tile nor of dot4
    int cols = dtype.blockSize() == 256 ? 512 : 96;
    float[] w = new float[rows * cols];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) random.nextGaussian();
    }
    byte[] bytes = Quantizer.encode(dtype, w, rows, cols);
    float[] decoded = Quantizer.decode(dtype, bytes, rows, cols);
    ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    WeightTensor tensor = WeightTensor.ofBuffer("w", dtype, rows, cols, direct);
    for (int numTokens : new int[] {1, 2, 3, 4, 9, 17}) {
      float[] x = new float[numTokens * cols];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) random.nextGaussian();
      }
      for (Kernels kernels : new Kernels[] {Kernels.SCALAR, Kernels.VECTOR}) {
        float[] out = new float[numTokens * rows];
        try (Parallel parallel = new Parallel(2)) {
          new Matmul(kernels, parallel).apply(tensor, x, numTokens, out);
        }
        for (int t = 0; t < numTokens; t++) {
          for (int r = 0; r < rows; r++) {
            double expected = 0;
            for (int c = 0; c < cols; c++) {
              expected += (double) decoded[r * cols + c] * x[t * cols + c];
            }
            assertThat(out[t * rows + r]).as("%s tokens=%d t=%d r=%d", kernels.getClass().getSimpleName(), numTokens, t, r)
                .isCloseTo((float) expected, within(1e-3f));
          }
        }
      }
    }
  }
}
