package dev.gantry.engine.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.gantry.engine.backend.CpuBackendKernels;
import dev.gantry.engine.backend.cpu.Kernels;
import dev.gantry.engine.backend.cpu.PagedAttention;
import dev.gantry.engine.model.RopeScaling;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The CUDA kernels of {@code src/main/cuda/gantry_kernels.cu}, compiled by g++ against the host
 * shim (threads of a block as real threads, {@code __syncthreads} as a barrier, warp shuffles)
 * and run on random inputs, against the Java CPU backend: {@link PagedAttention} over random
 * block tables, {@link Kernels#SCALAR}'s Q8_0/Q4_0 dots, {@link RopeScaling#scale}, and
 * CpuBackend's own RMSNorm/RoPE (through {@link CpuBackendKernels}). This checks the kernels' logic and
 * indexing, not GPU-specific behaviour (timing, memory-model races, occupancy).
 */
class CudaKernelsShimTest {
  private static final Offset<Float> TIGHT = Offset.offset(2e-5f);

  @BeforeAll
  static void buildHarness() throws Exception {
    Optional<String> why = ShimHarness.ensureBuilt();
    assumeThat(why).as("CUDA host-shim harness unavailable: %s", why.orElse("")).isEmpty();
  }

  /**
   * Sequences in the shape of a mixed step: decodes (one token at the end of a long context) and
   * chunked prefills (several tokens with rising positions after an already cached prefix), their
   * blocks scattered over the pool by a random permutation, K/V rows written in random slot order.
   */
  @ParameterizedTest(name = "kv {0}, heads {1}/{2}, headDim {3}, blockSize {4}, threads {5}")
  @CsvSource({
      "f32, 4, 2, 64, 4, 64",
      "f32, 4, 4, 48, 16, 64",
      "f32, 3, 1, 128, 8, 128",
      "f16, 4, 2, 64, 4, 64",
      "bf16, 4, 2, 64, 16, 64"})
  void pagedAttention_overRandomBlockTables_matchesCpuPagedAttention(String kvType, int numHeads, int numKvHeads,
      int headDim, int blockSize, int threads) throws Exception {
    PagedCacheFixture f = new PagedCacheFixture(new Random(42 + headDim + blockSize), kvType, new int[] {1, 37, 70, 9},
        new int[] {1, 1, 5, 9}, numHeads, numKvHeads, headDim, blockSize);
    ShimHarness.Args args = new ShimHarness.Args()
        .i32(f.numTokens, numHeads, numKvHeads, headDim, blockSize, f.numBlocks, f.numSeqs, f.maxBlocksPerSeq, threads,
            f.numRows)
        .i32(f.pos).i32(f.seqOf);
    for (int[] table : f.tables) {
      args.i32(table);
    }
    args.f32(f.q).f32(f.kRows).f32(f.vRows).i64(f.slots);
    float[] actual = ShimHarness.floats(ShimHarness.run("attention_" + kvType, args.buffer()), f.expected.length);

    assertThat(actual).containsExactly(f.expected, Offset.offset(kvType.equals("f32") ? 2e-5f : 1e-4f));
  }

  @Test
  void rmsNorm_matchesCpuBackend_forRowsLongerThanTheBlock() throws Exception {
    Random rnd = new Random(1);
    int tokens = 3;
    int n = 300; // not a multiple of the 64 threads
    float eps = 1e-5f;
    float[] x = randomFloats(rnd, tokens * n, 3f);
    float[] w = randomFloats(rnd, n, 1f);
    float[] expected = new float[tokens * n];
    CpuBackendKernels.rmsNorm(x, w, expected, tokens, eps);
    ByteBuffer out = ShimHarness.run("rms_norm", new ShimHarness.Args().i32(tokens, n).f32(eps).i32(64).f32(x).f32(w).buffer());
    assertThat(ShimHarness.floats(out, tokens * n)).containsExactly(expected, Offset.offset(1e-5f));
  }

  @ParameterizedTest(name = "headDim {0}, theta {1}, llama3 scaling {2}")
  @CsvSource({"128, 500000, true", "128, 500000, false", "64, 10000, true"})
  void ropeInverseFrequencies_matchRopeScaling(int headDim, double theta, boolean scaled) throws Exception {
    RopeScaling scaling = scaled ? new RopeScaling(8, 1, 4, 8192) : null;
    float[] expected = new float[headDim / 2];
    for (int i = 0; i < expected.length; i++) {
      double f = 1.0 / Math.pow(theta, (2.0 * i) / headDim);
      expected[i] = (float) (scaling == null ? f : scaling.scale(f));
    }
    ShimHarness.Args args = new ShimHarness.Args().i32(headDim).f64(theta);
    if (scaling == null) {
      args.f64(0, 0, 0, 0);
    } else {
      args.f64(scaling.factor(), scaling.lowFreqFactor(), scaling.highFreqFactor(), scaling.originalMaxPositionEmbeddings());
    }
    float[] actual = ShimHarness.floats(ShimHarness.run("rope_inv_freq", args.buffer()), expected.length);
    for (int i = 0; i < expected.length; i++) {
      assertThat(actual[i]).as("inv freq %d", i).isCloseTo(expected[i], Offset.offset(Math.abs(expected[i]) * 1e-6f));
    }
    if (scaled) {
      assertThat(actual[expected.length - 1]).as("low frequencies are divided by the factor")
          .isCloseTo((float) (1.0 / Math.pow(theta, (headDim - 2.0) / headDim) / 8), Offset.offset(1e-12f));
    }
  }

  @ParameterizedTest(name = "interleaved {0}")
  @CsvSource({"false", "true"})
  void rope_matchesCpuBackendRotation_forBothLayouts(boolean interleaved) throws Exception {
    Random rnd = new Random(interleaved ? 3 : 4);
    int tokens = 4;
    int heads = 3;
    int headDim = 64;
    int half = headDim / 2;
    int[] pos = {0, 5, 4097, 100_000};
    float[] inv = new float[half];
    for (int i = 0; i < half; i++) {
      inv[i] = (float) new RopeScaling(8, 1, 4, 8192).scale(1.0 / Math.pow(500000, (2.0 * i) / headDim));
    }
    float[] qk = randomFloats(rnd, tokens * heads * headDim, 1f);
    float[] expected = qk.clone();
    CpuBackendKernels.rope(expected, pos, inv, heads, headDim, interleaved);
    ByteBuffer out = ShimHarness.run("rope",
        new ShimHarness.Args().i32(tokens, heads, headDim, interleaved ? 1 : 0).i32(pos).f32(inv).f32(qk).buffer());
    assertThat(ShimHarness.floats(out, qk.length)).containsExactly(expected, TIGHT);
  }

  @Test
  void siluAndMul_andResidualAdd_coverEveryElementOfAGridStrideLoop() throws Exception {
    Random rnd = new Random(5);
    int n = 1000; // more than the 3 x 64 threads launched: exercises the grid-stride loop
    float[] a = randomFloats(rnd, n, 4f);
    float[] b = randomFloats(rnd, n, 2f);
    float[] silu = new float[n];
    float[] sum = new float[n];
    for (int i = 0; i < n; i++) {
      silu[i] = (float) (a[i] / (1 + Math.exp(-a[i]))) * b[i];
      sum[i] = a[i] + b[i];
    }
    ByteBuffer args = new ShimHarness.Args().i64(n).f32(a).f32(b).buffer();
    assertThat(ShimHarness.floats(ShimHarness.run("silu_and_mul", args.duplicate()), n)).containsExactly(silu, Offset.offset(1e-5f));
    assertThat(ShimHarness.floats(ShimHarness.run("residual_add", args), n)).containsExactly(sum, Offset.offset(0f));
  }

  @Test
  void embeddingGather_copiesTheRowOfEachToken() throws Exception {
    Random rnd = new Random(6);
    int vocab = 50;
    int hidden = 40;
    int[] ids = {7, 0, 49, 7};
    float[] table = randomFloats(rnd, vocab * hidden, 1f);
    float[] expected = new float[ids.length * hidden];
    for (int t = 0; t < ids.length; t++) {
      System.arraycopy(table, ids[t] * hidden, expected, t * hidden, hidden);
    }
    ByteBuffer out = ShimHarness.run("embedding", new ShimHarness.Args().i32(ids.length, vocab, hidden).i32(ids).f32(table).buffer());
    assertThat(ShimHarness.floats(out, expected.length)).containsExactly(expected, Offset.offset(0f));
  }

  /** F16 / BF16 embedding tables (CudaBackend keeps 16-bit embeddings as stored) decode like WeightTensor.dequantizeRow. */
  @ParameterizedTest(name = "{0}")
  @CsvSource({"f16", "bf16"})
  void embeddingGather_of16BitTables_decodesLikeWeightTensor(String type) throws Exception {
    Random rnd = new Random(16);
    int vocab = 30;
    int hidden = 70; // not a multiple of the 32 threads launched
    int[] ids = {29, 3, 3, 0};
    float[] table = randomFloats(rnd, vocab * hidden, 3f);
    byte[] raw = new byte[table.length * 2];
    ByteBuffer rawBuf = ByteBuffer.wrap(raw).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    float[] decoded = new float[table.length];
    for (int i = 0; i < table.length; i++) {
      short bits = type.equals("f16") ? Float.floatToFloat16(table[i]) : (short) (Float.floatToRawIntBits(table[i]) >>> 16);
      rawBuf.putShort(2 * i, bits);
      decoded[i] = type.equals("f16") ? Float.float16ToFloat(bits) : Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }
    float[] expected = new float[ids.length * hidden];
    for (int t = 0; t < ids.length; t++) {
      System.arraycopy(decoded, ids[t] * hidden, expected, t * hidden, hidden);
    }
    ByteBuffer out = ShimHarness.run("embedding_" + type,
        new ShimHarness.Args().i32(ids.length, vocab, hidden).i32(ids).bytes(raw).buffer());
    assertThat(ShimHarness.floats(out, expected.length)).containsExactly(expected, Offset.offset(0f));
  }

  @Test
  void addBias_addsTheSameBiasToEveryTokenRow() throws Exception {
    Random rnd = new Random(17);
    int tokens = 3;
    int n = 75;
    float[] y = randomFloats(rnd, tokens * n, 2f);
    float[] bias = randomFloats(rnd, n, 1f);
    float[] expected = new float[y.length];
    for (int t = 0; t < tokens; t++) {
      for (int i = 0; i < n; i++) {
        expected[t * n + i] = y[t * n + i] + bias[i];
      }
    }
    ByteBuffer out = ShimHarness.run("add_bias", new ShimHarness.Args().i32(tokens, n).f32(y).f32(bias).buffer());
    assertThat(ShimHarness.floats(out, expected.length)).containsExactly(expected, Offset.offset(0f));
  }

  /** The activations cuBLAS multiplies with 16-bit weights: round to nearest even, like Float.floatToFloat16. */
  @ParameterizedTest(name = "{0}")
  @CsvSource({"f16", "bf16"})
  void convertFromF32_roundsToNearestEven_overAGridStrideLoop(String type) throws Exception {
    Random rnd = new Random(18);
    int n = 1000; // more than the 3 x 64 threads launched
    float[] x = randomFloats(rnd, n, 100f);
    x[0] = 1f + 1f / 2048; // exactly halfway between two halves: even mantissa wins
    x[1] = 70000f; // beyond the largest half: +inf in F16, fine in BF16
    ByteBuffer out = ShimHarness.run("convert_" + type, new ShimHarness.Args().i64(n).f32(x).buffer());
    for (int i = 0; i < n; i++) {
      float got = type.equals("f16") ? Float.float16ToFloat(out.getShort(2 * i))
          : Float.intBitsToFloat((out.getShort(2 * i) & 0xFFFF) << 16);
      assertThat(got).as("element %d = %s", i, x[i]).isEqualTo(storageRound(type, x[i]));
    }
  }

  @Test
  void copyBlocks_copiesSourceBlocksOverDestinations_leavingOthersAlone() throws Exception {
    Random rnd = new Random(7);
    int numBlocks = 6;
    int blockWords = 100;
    long[] pairs = {1, 4, 3, 0};
    int[] kc = new int[numBlocks * blockWords];
    int[] vc = new int[numBlocks * blockWords];
    for (int i = 0; i < kc.length; i++) {
      kc[i] = rnd.nextInt();
      vc[i] = rnd.nextInt();
    }
    int[] expectedK = kc.clone();
    int[] expectedV = vc.clone();
    for (int p = 0; p < pairs.length / 2; p++) {
      System.arraycopy(kc, (int) pairs[2 * p] * blockWords, expectedK, (int) pairs[2 * p + 1] * blockWords, blockWords);
      System.arraycopy(vc, (int) pairs[2 * p] * blockWords, expectedV, (int) pairs[2 * p + 1] * blockWords, blockWords);
    }
    ByteBuffer out = ShimHarness.run("copy_blocks",
        new ShimHarness.Args().i64(numBlocks, blockWords).i32(pairs.length / 2).i64(pairs).i32(kc).i32(vc).buffer());
    int[] actual = new int[2 * kc.length];
    out.asIntBuffer().get(actual);
    int[] expected = new int[2 * kc.length];
    System.arraycopy(expectedK, 0, expected, 0, kc.length);
    System.arraycopy(expectedV, 0, expected, kc.length, vc.length);
    assertThat(actual).containsExactly(expected);
  }

  @Test
  void argmax_picksTheFirstIndexAmongTies_andZeroForAllNegativeInfinity() throws Exception {
    Random rnd = new Random(8);
    int rows = 4;
    int vocab = 1000;
    float[] logits = randomFloats(rnd, rows * vocab, 10f);
    logits[0 * vocab + 700] = 50f;
    logits[0 * vocab + 300] = 50f; // tie: 300 wins
    logits[1 * vocab + 999] = 99f; // the last element
    for (int i = 0; i < vocab; i++) {
      logits[3 * vocab + i] = Float.NEGATIVE_INFINITY;
    }
    int[] expected = new int[rows];
    for (int r = 0; r < rows; r++) {
      int best = 0;
      for (int i = 1; i < vocab; i++) {
        if (logits[r * vocab + i] > logits[r * vocab + best]) {
          best = i;
        }
      }
      expected[r] = best;
    }
    ByteBuffer out = ShimHarness.run("argmax", new ShimHarness.Args().i32(rows, vocab, 256).f32(logits).buffer());
    int[] actual = new int[rows];
    out.asIntBuffer().get(actual);
    assertThat(actual).containsExactly(expected);
    assertThat(actual[0]).isEqualTo(300);
    assertThat(actual[3]).isZero();
  }

  @Test
  void topK_returnsTheStableDescendingPrefix_withTiesByIndex_andPadsPastTheVocabulary() throws Exception {
    Random rnd = new Random(9);
    int vocab = 300;
    int k = 20;
    float[] logits = new float[2 * vocab];
    for (int i = 0; i < vocab; i++) {
      logits[i] = (float) Math.floor(rnd.nextGaussian() * 4); // many ties
      logits[vocab + i] = rnd.nextFloat();
    }
    logits[vocab + 17] = Float.POSITIVE_INFINITY;
    logits[vocab + 18] = Float.NEGATIVE_INFINITY;
    ByteBuffer out = ShimHarness.run("topk", new ShimHarness.Args().i32(2, vocab, k, 64).f32(logits).buffer());
    int[] idx = new int[2 * k];
    out.asIntBuffer().get(idx);
    out.position(4 * 2 * k);
    float[] val = new float[2 * k];
    out.slice().order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(val);
    for (int r = 0; r < 2; r++) {
      final int row = r;
      Integer[] order = new Integer[vocab];
      for (int i = 0; i < vocab; i++) {
        order[i] = i;
      }
      java.util.Arrays.sort(order, (a, b) -> Float.compare(logits[row * vocab + b], logits[row * vocab + a])); // stable: ties keep index order
      for (int j = 0; j < k; j++) {
        assertThat(idx[r * k + j]).as("row %d rank %d", r, j).isEqualTo(order[j]);
        assertThat(val[r * k + j]).isEqualTo(logits[r * vocab + order[j]]);
      }
    }
    assertThat(idx[k]).as("+inf ranks first").isEqualTo(17);

    float[] five = {3f, -1f, 3f, Float.NEGATIVE_INFINITY, 0f}; // k = 7 > vocab = 5: two padding entries
    ByteBuffer small = ShimHarness.run("topk", new ShimHarness.Args().i32(1, five.length, 7, 32).f32(five).buffer());
    int[] smallIdx = new int[7];
    small.asIntBuffer().get(smallIdx);
    assertThat(smallIdx).containsExactly(0, 2, 4, 1, 3, -1, -1);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"q8_0", "q4_0"})
  void dequantizingGemv_matchesCpuQuantizedDot(String type) throws Exception {
    int rows = 11; // not a multiple of the 4 warps per CUDA block
    int cols = 32 * 40; // more blocks than lanes: each lane takes several
    int tokens = 2;
    QuantizedGemvFixture f = QuantizedGemvFixture.random(new Random(type.hashCode()), type, rows, cols, tokens);
    byte[] w = f.w();
    float[] x = f.x();
    float[] expected = f.expected();
    ByteBuffer out = ShimHarness.run("gemv_" + type, new ShimHarness.Args().i32(rows, cols, tokens).bytes(w).f32(x).buffer());
    assertThat(ShimHarness.floats(out, expected.length)).containsExactly(expected, Offset.offset(1e-3f));
  }

  private static float storageRound(String kvType, float v) {
    return PagedCacheFixture.storageRound(kvType, v);
  }

  private static float[] randomFloats(Random rnd, int n, float scale) {
    return PagedCacheFixture.random(rnd, n, scale);
  }

}
