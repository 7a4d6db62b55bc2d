package dev.gantry.engine.backend;

import static dev.gantry.engine.backend.CpuBackendTest.append;
import static dev.gantry.engine.backend.CpuBackendTest.argmax;
import static dev.gantry.engine.backend.CpuBackendTest.randomTokens;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.gantry.engine.backend.CudaBackend.KvCacheType;
import dev.gantry.engine.backend.cuda.CudaDevice;
import dev.gantry.engine.backend.cuda.CudaProbe;
import dev.gantry.engine.model.Architecture;
import dev.gantry.engine.model.DType;
import dev.gantry.engine.model.LoadedModel;
import dev.gantry.engine.model.ModelLoader;
import dev.gantry.engine.testing.TestModels;
import dev.gantry.engine.testing.TestModels.Format;
import dev.gantry.engine.testing.TestModels.TestModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * CudaBackend against CpuBackend on generated random-weight models: logits of a prefill, greedy
 * decode tokens for several steps, a mixed batch over scattered block tables, the argmax / top-k
 * helpers and copy-on-write block copies. Runs only where CUDA is usable and the jar carries the
 * fatbin; elsewhere every case is skipped (an assumption, not a failure). Each kernel runs in
 * the forward pass here; their logic alone is checked on the CPU by CudaKernelsShimTest.
 *
 * <p>Has never run in this repository: no GPU was available when it was written.
 */
class CudaBackendGpuTest {
  private static final int BLOCK = 4;
  private static final int NUM_BLOCKS = 96;

  @TempDir
  Path tmp;

  @BeforeEach // per test, so each case is reported as skipped where there is no GPU
  void requireGpu() {
    assumeThat(CudaProbe.probe()).as("no usable CUDA GPU").isInstanceOf(CudaProbe.Available.class);
    assumeThat(CudaBackendGpuTest.class.getClassLoader().getResource(CudaDevice.FATBIN_RESOURCE))
        .as("the engine was built without nvcc: no fatbin").isNotNull();
  }

  static Stream<Arguments> models() {
    return Stream.of(
        Arguments.of(Architecture.LLAMA, Format.HF, DType.F32, 1e-3f),
        Arguments.of(Architecture.QWEN2, Format.HF, DType.F32, 1e-3f), // q/k/v biases, tied embeddings
        Arguments.of(Architecture.LLAMA, Format.HF, DType.F16, 3e-2f), // activations rounded to F16 for cuBLAS
        Arguments.of(Architecture.LLAMA, Format.HF, DType.BF16, 6e-2f),
        Arguments.of(Architecture.LLAMA, Format.GGUF, DType.Q8_0, 1e-3f), // dequantizing GEMV, host embedding rows
        Arguments.of(Architecture.MISTRAL, Format.GGUF, DType.Q4_0, 1e-3f));
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @MethodSource("models")
  void forward_matchesCpuBackend_andGreedyDecodePicksTheSameTokens(Architecture arch, Format format, DType dtype,
      float tolerance) {
    TestModel model = TestModels.write(tmp, TestModels.spec(arch).format(format).dtype(dtype));
    LoadedModel loaded = ModelLoader.load(model.path());
    Random random = new Random(11);
    CudaBackend.Options options = new CudaBackend.Options(0, 0.5, 256, 16, 256, BLOCK,
        KvCacheType.auto(loaded.weights()), true);
    try (CpuBackend cpu = CpuBackend.create(loaded, 2, true); CudaBackend gpu = CudaBackend.create(loaded, options)) {
      cpu.allocateKvCache(NUM_BLOCKS, BLOCK);
      gpu.allocateKvCache(NUM_BLOCKS, BLOCK);
      CpuBackendTest.Blocks blocks = new CpuBackendTest.Blocks(random);

      int[] prompt = randomTokens(random, 11, loaded.config().vocabSize());
      int[] table = blocks.take(5);
      ForwardBatch prefill = ForwardBatch.of(new SequenceChunk(prompt, 0, table, true));
      float[] expected = cpu.forward(prefill)[0];
      float[] actual = gpu.forward(prefill)[0];
      assertRelativelyClose(actual, expected, tolerance, "prefill");
      assertThat(gpu.argmaxOfLastStep()).containsExactly(argmax(actual));
      CudaBackend.TopK top = gpu.topKOfLastStep(5);
      assertThat(top.indices()[0]).isEqualTo(argmax(actual));
      for (int i = 1; i < 5; i++) {
        assertThat(top.values()[i]).isLessThanOrEqualTo(top.values()[i - 1]);
        assertThat(top.values()[i]).isEqualTo(actual[top.indices()[i]]);
      }

      // Greedy decode: the GPU's own argmax drives both backends.
      int[] seq = prompt;
      for (int step = 0; step < 4; step++) {
        int next = gpu.argmaxOfLastStep()[0];
        if (tolerance <= 1e-3f) {
          assertThat(next).as("greedy token at step %d", step).isEqualTo(argmax(expected));
        }
        seq = append(seq, next);
        ForwardBatch decode = ForwardBatch.of(new SequenceChunk(new int[] {next}, seq.length - 1, table, true));
        expected = cpu.forward(decode)[0];
        actual = gpu.forward(decode)[0];
        assertRelativelyClose(actual, expected, tolerance, "decode step " + step);
      }

      // A mixed step: eight sequences, some without logits, scattered blocks, plus a chunked prefill.
      List<SequenceChunk> chunks = new ArrayList<>();
      for (int s = 0; s < 8; s++) {
        int[] p = randomTokens(random, 1 + s * 3, loaded.config().vocabSize());
        chunks.add(new SequenceChunk(p, 0, blocks.take((p.length + BLOCK - 1) / BLOCK), s % 3 != 1));
      }
      ForwardBatch mixed = new ForwardBatch(chunks);
      float[][] cpuOut = cpu.forward(mixed);
      float[][] gpuOut = gpu.forward(mixed);
      for (int s = 0; s < 8; s++) {
        if (cpuOut[s] == null) {
          assertThat(gpuOut[s]).as("sequence %d asked for no logits", s).isNull();
        } else {
          assertRelativelyClose(gpuOut[s], cpuOut[s], tolerance, "batch sequence " + s);
        }
      }

      // Copy-on-write: the prompt's blocks copied elsewhere decode exactly as the originals.
      int[] copy = blocks.take(table.length);
      long[] pairs = new long[2 * table.length];
      for (int b = 0; b < table.length; b++) {
        pairs[2 * b] = table[b];
        pairs[2 * b + 1] = copy[b];
      }
      gpu.copyBlocks(pairs);
      int last = seq[seq.length - 1];
      float[] onOriginal = gpu.forward(ForwardBatch.of(new SequenceChunk(new int[] {last}, seq.length - 1, table, true)))[0];
      float[] onCopy = gpu.forward(ForwardBatch.of(new SequenceChunk(new int[] {last}, seq.length - 1, copy, true)))[0];
      assertThat(onCopy).containsExactly(onOriginal);
    }
  }

  private static void assertRelativelyClose(float[] actual, float[] expected, float tolerance, String what) {
    assertThat(actual).as(what).hasSameSizeAs(expected);
    float scale = 1e-6f;
    float maxDiff = 0;
    for (int i = 0; i < expected.length; i++) {
      scale = Math.max(scale, Math.abs(expected[i]));
      maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
    }
    assertThat(maxDiff / scale).as("%s: max |diff| %s relative to max |logit| %s (first logits %s vs %s)", what, maxDiff,
        scale, Arrays.toString(Arrays.copyOf(actual, 4)), Arrays.toString(Arrays.copyOf(expected, 4))).isLessThan(tolerance);
  }
}
