package dev.gantry.engine.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.gantry.engine.backend.CpuBackendKernels;
import dev.gantry.engine.backend.cpu.Kernels;
import java.nio.ByteBuffer;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each kernel on a real GPU, launched through {@link CudaDevice} with {@link LaunchPlanner}'s
 * shapes, against the Java CPU code on random inputs (the same references as
 * CudaKernelsShimTest). Skipped (assumption) without a usable GPU or without the fatbin.
 *
 * <p>Has never run in this repository: no GPU was available when it was written.
 */
class CudaKernelsGpuTest {
  private CudaDevice device;
  private LaunchPlanner planner;

  @BeforeEach
  void openDevice() {
    assumeThat(CudaProbe.probe()).as("no usable CUDA GPU").isInstanceOf(CudaProbe.Available.class);
    assumeThat(getClass().getClassLoader().getResource(CudaDevice.FATBIN_RESOURCE))
        .as("the engine was built without nvcc: no fatbin").isNotNull();
    device = CudaDevice.open(0, true);
    planner = device.planner();
  }

  @AfterEach
  void closeDevice() {
    if (device != null) {
      device.close();
    }
  }

  @ParameterizedTest(name = "kv {0}, heads {1}/{2}, headDim {3}, blockSize {4}")
  @CsvSource({"F32, 4, 2, 64, 4", "F32, 8, 8, 128, 16", "F16, 4, 2, 64, 16", "BF16, 8, 2, 128, 8"})
  void reshapeAndCache_thenPagedAttention_overRandomBlockTables_matchCpuPagedAttention(String kvType, int numHeads,
      int numKvHeads, int headDim, int blockSize) {
    PagedCacheFixture f = new PagedCacheFixture(new Random(42 + headDim + blockSize), kvType, new int[] {1, 37, 300, 9},
        new int[] {1, 1, 5, 9}, numHeads, numKvHeads, headDim, blockSize);
    int kvDim = f.kvDim();
    long cacheElements = (long) f.numBlocks * blockSize * kvDim;
    int elemBytes = kvType.equals("F32") ? 4 : 2;
    long kcDev = device.alloc(cacheElements * elemBytes, "key cache");
    long vcDev = device.alloc(cacheElements * elemBytes, "value cache");
    Kernel write = Kernel.valueOf("RESHAPE_AND_CACHE_" + kvType);
    device.launch(write, planner.rowWise(write, f.numRows, kvDim), device.args().ptr(upload(f.kRows))
        .ptr(upload(f.vRows)).ptr(kcDev).ptr(vcDev).ptr(upload(f.slots)).i32(kvDim));
    long out = device.alloc(4L * f.expected.length, "attention output");
    Kernel att = Kernel.valueOf("PAGED_ATTENTION_" + kvType);
    device.launch(att, planner.pagedAttention(att, f.numTokens, numHeads, numKvHeads, headDim), device.args().ptr(out)
        .ptr(upload(f.q)).ptr(kcDev).ptr(vcDev).ptr(upload(f.pos)).ptr(upload(f.seqOf)).ptr(upload(f.flatTables()))
        .i32(f.maxBlocksPerSeq).i32(numHeads).i32(numKvHeads).i32(headDim).i32(blockSize)
        .f32((float) (1.0 / Math.sqrt(headDim))));
    assertThat(download(out, f.expected.length)).containsExactly(f.expected,
        Offset.offset(kvType.equals("F32") ? 1e-4f : 1e-3f));
  }

  @Test
  void rmsNormAndRope_matchCpuBackend() {
    Random rnd = new Random(1);
    int tokens = 5;
    int n = 4096;
    float[] x = random(rnd, tokens * n, 3f);
    float[] w = random(rnd, n, 1f);
    float[] expected = new float[x.length];
    CpuBackendKernels.rmsNorm(x, w, expected, tokens, 1e-5f);
    long out = device.alloc(4L * x.length, "out");
    device.launch(Kernel.RMS_NORM_F32, planner.rowWise(Kernel.RMS_NORM_F32, tokens, n),
        device.args().ptr(out).ptr(upload(x)).ptr(upload(w)).i32(n).f32(1e-5f));
    assertThat(download(out, x.length)).containsExactly(expected, Offset.offset(1e-4f));

    int heads = 8;
    int headDim = 128;
    int[] pos = {0, 1, 4097, 100_000, 7};
    float[] inv = new float[headDim / 2];
    for (int i = 0; i < inv.length; i++) {
      inv[i] = (float) (1.0 / Math.pow(500000, (2.0 * i) / headDim));
    }
    for (boolean interleaved : new boolean[] {false, true}) {
      float[] qk = random(rnd, pos.length * heads * headDim, 1f);
      float[] rotated = qk.clone();
      CpuBackendKernels.rope(rotated, pos, inv, heads, headDim, interleaved);
      long dev = upload(qk);
      device.launch(Kernel.ROPE_F32, planner.rowWise(Kernel.ROPE_F32, pos.length, heads * headDim / 2), device.args()
          .ptr(dev).ptr(upload(pos)).ptr(upload(inv)).i32(heads).i32(headDim).i32(interleaved ? 1 : 0));
      assertThat(download(dev, qk.length)).as("interleaved %s", interleaved).containsExactly(rotated, Offset.offset(2e-5f));
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"Q8_0", "Q4_0"})
  void quantizedGemv_matchesCpuQuantizedDot(String type) {
    int rows = 1000;
    int cols = 512;
    int tokens = 3;
    QuantizedGemvFixture f = QuantizedGemvFixture.random(new Random(9), type, rows, cols, tokens);
    byte[] w = f.w();
    float[] x = f.x();
    float[] expected = f.expected();
    long wDev = device.alloc(w.length, "weights");
    device.copyToDevice(wDev, ByteBuffer.wrap(w));
    long y = device.alloc(4L * expected.length, "y");
    Kernel k = Kernel.valueOf("GEMV_" + type);
    device.launch(k, planner.quantizedGemv(k, rows, cols, tokens), device.args().ptr(y).ptr(wDev).ptr(upload(x)).i32(rows)
        .i32(cols));
    assertThat(download(y, expected.length)).containsExactly(expected, Offset.offset(1e-3f));
  }

  @Test
  void cublasGemm_isRowMajorXTimesWTransposed() {
    Random rnd = new Random(4);
    int out = 96;
    int in = 80;
    int n = 7;
    float[] w = random(rnd, out * in, 1f);
    float[] x = random(rnd, n * in, 1f);
    float[] expected = new float[n * out];
    for (int t = 0; t < n; t++) {
      for (int r = 0; r < out; r++) {
        expected[t * out + r] = Kernels.SCALAR.dot(w, r * in, x, t * in, in);
      }
    }
    long y = device.alloc(4L * expected.length, "y");
    device.gemm(upload(w), upload(x), CudaDevice.GemmType.F32, out, in, n, y, "test");
    assertThat(download(y, expected.length)).containsExactly(expected, Offset.offset(1e-4f));
  }

  @Test
  void argmaxAndTopK_matchAStableDescendingSort() {
    Random rnd = new Random(2);
    int rows = 3;
    int vocab = 32000;
    float[] logits = random(rnd, rows * vocab, 10f);
    logits[vocab + 5] = 100f;
    logits[vocab + 9] = 100f; // tie: the lower index wins
    long l = upload(logits);
    long idx = device.alloc(4L * rows, "argmax");
    device.launch(Kernel.ARGMAX_F32, planner.perRow(Kernel.ARGMAX_F32, rows), device.args().ptr(idx).ptr(l).i32(vocab));
    int[] got = new int[rows];
    device.copyToHost(got, idx, rows);
    assertThat(got[1]).isEqualTo(5);
    int k = 20;
    long ti = device.alloc(4L * rows * k, "topk idx");
    long tv = device.alloc(4L * rows * k, "topk val");
    device.launch(Kernel.TOPK_F32, planner.perRow(Kernel.TOPK_F32, rows), device.args().ptr(ti).ptr(tv).ptr(l).i32(vocab).i32(k));
    int[] topIdx = new int[rows * k];
    device.copyToHost(topIdx, ti, topIdx.length);
    for (int r = 0; r < rows; r++) {
      final int row = r;
      Integer[] order = new Integer[vocab];
      for (int i = 0; i < vocab; i++) {
        order[i] = i;
      }
      java.util.Arrays.sort(order, (a, b) -> Float.compare(logits[row * vocab + b], logits[row * vocab + a]));
      assertThat(got[r]).isEqualTo(order[0]);
      for (int i = 0; i < k; i++) {
        assertThat(topIdx[r * k + i]).as("row %d rank %d", r, i).isEqualTo(order[i]);
      }
    }
  }

  private long upload(float[] a) {
    long p = device.alloc(4L * a.length, "test input");
    device.copyToDevice(p, a, a.length);
    return p;
  }

  private long upload(int[] a) {
    long p = device.alloc(4L * a.length, "test input");
    device.copyToDevice(p, a, a.length);
    return p;
  }

  private long upload(long[] a) {
    long p = device.alloc(8L * a.length, "test input");
    device.copyToDevice(p, a, a.length);
    return p;
  }

  private float[] download(long p, int n) {
    float[] out = new float[n];
    device.copyToHost(out, p, n);
    return out;
  }

  private static float[] random(Random rnd, int n, float scale) {
    return PagedCacheFixture.random(rnd, n, scale);
  }

}
