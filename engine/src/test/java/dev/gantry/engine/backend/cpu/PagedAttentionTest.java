package dev.gantry.engine.backend.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;

class PagedAttentionTest {
  private static final int HEADS = 6;
  private static final int KV_HEADS = 2;
  private static final int HD = 8;

  @RepeatedTest(20)
  void pagedAttention_equalsDenseAttention_forRandomBlockTablesAndLengths(org.junit.jupiter.api.RepetitionInfo info) {
    Random random = new Random(info.getCurrentRepetition());
    int blockSize = 1 + random.nextInt(8);
    int numSeqs = 1 + random.nextInt(5);
    int kvDim = KV_HEADS * HD;
    List<Integer> free = new ArrayList<>();
    int numBlocks = 200;
    for (int i = 0; i < numBlocks; i++) {
      free.add(i);
    }
    Collections.shuffle(free, random);
    float[] kc = new float[numBlocks * blockSize * kvDim];
    float[] vc = new float[numBlocks * blockSize * kvDim];
    List<Integer> posList = new ArrayList<>();
    List<int[]> tableList = new ArrayList<>();
    List<float[][]> denseK = new ArrayList<>();
    List<float[][]> denseV = new ArrayList<>();
    for (int s = 0; s < numSeqs; s++) {
      int len = 1 + random.nextInt(40);
      int[] table = new int[(len + blockSize - 1) / blockSize];
      for (int b = 0; b < table.length; b++) {
        table[b] = free.remove(free.size() - 1);
      }
      float[][] k = new float[len][kvDim];
      float[][] v = new float[len][kvDim];
      for (int p = 0; p < len; p++) {
        for (int i = 0; i < kvDim; i++) {
          k[p][i] = (float) random.nextGaussian();
          v[p][i] = (float) random.nextGaussian();
        }
        int slot = table[p / blockSize] * blockSize + p % blockSize;
        System.arraycopy(k[p], 0, kc, slot * kvDim, kvDim);
        System.arraycopy(v[p], 0, vc, slot * kvDim, kvDim);
      }
      denseK.add(k);
      denseV.add(v);
      // The step computes the last 1..len tokens of the sequence (a decode or a prefill chunk).
      int chunk = 1 + random.nextInt(len);
      for (int p = len - chunk; p < len; p++) {
        posList.add(p);
        tableList.add(table);
      }
      seqOfTokens.addAll(Collections.nCopies(chunk, s));
    }
    int numTokens = posList.size();
    int[] pos = posList.stream().mapToInt(Integer::intValue).toArray();
    int[][] tables = tableList.toArray(int[][]::new);
    float[] q = new float[numTokens * HEADS * HD];
    for (int i = 0; i < q.length; i++) {
      q[i] = (float) random.nextGaussian();
    }
    for (Kernels kernels : new Kernels[] {Kernels.SCALAR, Kernels.VECTOR}) {
      float[] out = new float[q.length];
      try (Parallel parallel = new Parallel(2)) {
        new PagedAttention(kernels, parallel, HEADS, KV_HEADS, HD).compute(q, kc, vc, out, numTokens, pos, tables, blockSize);
      }
      for (int t = 0; t < numTokens; t++) {
        float[] expected = dense(q, t, denseK.get(seqOfTokens.get(t)), denseV.get(seqOfTokens.get(t)), pos[t]);
        for (int i = 0; i < HEADS * HD; i++) {
          assertThat(out[t * HEADS * HD + i]).as("token %d element %d", t, i).isCloseTo(expected[i], within(1e-4f));
        }
      }
    }
  }

  private final List<Integer> seqOfTokens = new ArrayList<>();

  /** Plain softmax(q k^T / sqrt(d)) v over positions 0..p with contiguous K/V. */
  private static float[] dense(float[] q, int t, float[][] k, float[][] v, int p) {
    float[] out = new float[HEADS * HD];
    for (int h = 0; h < HEADS; h++) {
      int g = h / (HEADS / KV_HEADS);
      double[] w = new double[p + 1];
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j <= p; j++) {
        double s = 0;
        for (int i = 0; i < HD; i++) {
          s += q[(t * HEADS + h) * HD + i] * k[j][g * HD + i];
        }
        w[j] = s / Math.sqrt(HD);
        max = Math.max(max, w[j]);
      }
      double sum = 0;
      for (int j = 0; j <= p; j++) {
        w[j] = Math.exp(w[j] - max);
        sum += w[j];
      }
      for (int i = 0; i < HD; i++) {
        double acc = 0;
        for (int j = 0; j <= p; j++) {
          acc += w[j] / sum * v[j][g * HD + i];
        }
        out[h * HD + i] = (float) acc;
      }
    }
    return out;
  }
}
