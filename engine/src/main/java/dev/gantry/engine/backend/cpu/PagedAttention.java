package dev.gantry.engine.backend.cpu;

import java.util.Arrays;

/**
 * Causal grouped-query attention whose keys and values are read through block tables.
 * Work is split by (token, KV head): each key/value row is loaded once and used by the
 * {@code numHeads / numKvHeads} query heads that share it.
 * <pre>
 *   q   (token, numHeads * headDim)          already RoPE-rotated
 *   kc  (slot, numKvHeads * headDim)         slot = table[p / blockSize] * blockSize + p % blockSize
 *   vc  (slot, numKvHeads * headDim)
 *   out (token, numHeads * headDim)          token t attends to positions 0..pos[t] of its sequence
 * </pre>
 */
public final class PagedAttention {
  private final Kernels kernels;
  private final Parallel parallel;
  private final int numHeads;
  private final int numKvHeads;
  private final int headDim;
  private final ThreadLocal<float[]> scratch = ThreadLocal.withInitial(() -> new float[1024]);

  public PagedAttention(Kernels kernels, Parallel parallel, int numHeads, int numKvHeads, int headDim) {
    this.kernels = kernels;
    this.parallel = parallel;
    this.numHeads = numHeads;
    this.numKvHeads = numKvHeads;
    this.headDim = headDim;
  }

  /**
   * @param tables the block table of each token's sequence (tokens of one sequence share the array)
   */
  public void compute(float[] q, float[] kc, float[] vc, float[] out, int numTokens, int[] pos, int[][] tables,
      int blockSize) {
    int hd = headDim;
    int group = numHeads / numKvHeads;
    int qDim = numHeads * hd;
    int kvDim = numKvHeads * hd;
    float scale = (float) (1.0 / Math.sqrt(hd));
    parallel.parallelFor(numTokens * numKvHeads, 1, (from, to) -> {
      for (int item = from; item < to; item++) {
        int t = item / numKvHeads;
        int g = item % numKvHeads;
        int len = pos[t] + 1;
        int[] table = tables[t];
        float[] scores = scratch.get(); // (head in group, position)
        if (scores.length < group * len) {
          scores = new float[Math.max(group * len, 2 * scores.length)];
          scratch.set(scores);
        }
        int kvOff = g * hd;
        int qBase = t * qDim + g * group * hd;
        for (int j = 0; j < len; j++) {
          int row = (table[j / blockSize] * blockSize + j % blockSize) * kvDim + kvOff;
          for (int h = 0; h < group; h++) {
            scores[h * len + j] = kernels.dot(q, qBase + h * hd, kc, row, hd) * scale;
          }
        }
        for (int h = 0; h < group; h++) {
          softmaxInPlace(scores, h * len, len);
        }
        Arrays.fill(out, qBase, qBase + group * hd, 0f);
        for (int j = 0; j < len; j++) {
          int row = (table[j / blockSize] * blockSize + j % blockSize) * kvDim + kvOff;
          for (int h = 0; h < group; h++) {
            kernels.axpy(scores[h * len + j], vc, row, out, qBase + h * hd, hd);
          }
        }
      }
    });
  }

  private static void softmaxInPlace(float[] x, int off, int n) {
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      max = Math.max(max, x[off + i]);
    }
    float sum = 0;
    for (int i = 0; i < n; i++) {
      float e = (float) Math.exp(x[off + i] - max);
      x[off + i] = e;
      sum += e;
    }
    float inv = 1f / sum;
    for (int i = 0; i < n; i++) {
      x[off + i] *= inv;
    }
  }
}
