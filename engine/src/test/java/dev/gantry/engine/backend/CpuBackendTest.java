package dev.gantry.engine.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gantry.engine.model.Architecture;
import dev.gantry.engine.model.DType;
import dev.gantry.engine.model.LoadedModel;
import dev.gantry.engine.model.ModelLoader;
import dev.gantry.engine.model.RopeScaling;
import dev.gantry.engine.reference.ReferenceForward;
import dev.gantry.engine.testing.TestModels;
import dev.gantry.engine.testing.TestModels.Format;
import dev.gantry.engine.testing.TestModels.TestModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CpuBackendTest {
  private static final int BLOCK = 4;
  private static final int NUM_BLOCKS = 96;
  private static final RopeScaling SCALED = new RopeScaling(8, 1, 4, 256);

  @TempDir
  Path tmp;

  static Stream<Arguments> models() {
    List<Arguments> args = new ArrayList<>();
    for (Architecture arch : Architecture.values()) {
      args.add(Arguments.of(arch, Format.HF, DType.F32, null));
      args.add(Arguments.of(arch, Format.HF, DType.F16, null));
      args.add(Arguments.of(arch, Format.HF, DType.BF16, null));
      args.add(Arguments.of(arch, Format.HF_SHARDED, DType.BF16, null));
      args.add(Arguments.of(arch, Format.GGUF, DType.F32, null));
      args.add(Arguments.of(arch, Format.GGUF, DType.F16, null));
      args.add(Arguments.of(arch, Format.GGUF, DType.Q8_0, null));
      args.add(Arguments.of(arch, Format.GGUF, DType.Q4_0, null));
    }
    // Llama 3.1 rope scaling with a short original context so it changes the first positions:
    // from config.json (HF) and from the rope_freqs.weight tensor (GGUF).
    args.add(Arguments.of(Architecture.LLAMA, Format.HF, DType.F32, SCALED));
    args.add(Arguments.of(Architecture.LLAMA, Format.GGUF, DType.Q8_0, SCALED));
    return args.stream();
  }

  @ParameterizedTest(name = "{0} {1} {2} {3}")
  @MethodSource("models")
  void forward_matchesDenseReference_forSingleSequenceAndBatchOfEight(Architecture arch, Format format, DType dtype,
      RopeScaling scaling) {
    checkAgainstReference(TestModels.write(tmp, TestModels.spec(arch).format(format).dtype(dtype).ropeScaling(scaling)));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("kQuants")
  void forward_kQuantGguf_matchesDenseReference(Architecture arch, DType dtype) {
    // k-quants need rows that are multiples of 256 weights.
    checkAgainstReference(TestModels.write(tmp, TestModels.spec(arch).format(Format.GGUF).dtype(dtype)
        .dims(512, 256, 512, 2, 4, 2)));
  }

  static Stream<Arguments> kQuants() {
    return Stream.of(Arguments.of(Architecture.LLAMA, DType.Q4_K), Arguments.of(Architecture.LLAMA, DType.Q6_K),
        Arguments.of(Architecture.QWEN2, DType.Q4_K));
  }

  private void checkAgainstReference(TestModel model) {
    LoadedModel loaded = ModelLoader.load(model.path());
    ReferenceForward reference = new ReferenceForward(model.dense());
    Random random = new Random(7);
    try (CpuBackend backend = CpuBackend.create(loaded, 2, true)) {
      backend.allocateKvCache(NUM_BLOCKS, BLOCK);
      Blocks blocks = new Blocks(random);

      // One sequence: a prefill of 11 tokens, then 3 decode steps.
      int[] prompt = randomTokens(random, 11, loaded.config().vocabSize());
      int[] table = blocks.take(4);
      float[] logits = backend.forward(ForwardBatch.of(new SequenceChunk(prompt, 0, table, true)))[0];
      assertClose(logits, reference.lastLogits(prompt), "prefill");
      int[] seq = prompt;
      for (int step = 0; step < 3; step++) {
        int next = argmax(logits);
        seq = append(seq, next);
        logits = backend.forward(ForwardBatch.of(new SequenceChunk(new int[] {next}, seq.length - 1, table, true)))[0];
        assertClose(logits, reference.lastLogits(seq), "decode step " + step);
      }

      // Eight sequences of different lengths in one step, with scattered blocks.
      List<SequenceChunk> chunks = new ArrayList<>();
      List<int[]> prompts = new ArrayList<>();
      for (int s = 0; s < 8; s++) {
        int[] p = randomTokens(random, 1 + s * 3, loaded.config().vocabSize());
        prompts.add(p);
        chunks.add(new SequenceChunk(p, 0, blocks.take((p.length + BLOCK - 1) / BLOCK), s % 3 != 1));
      }
      float[][] out = backend.forward(new ForwardBatch(chunks));
      for (int s = 0; s < 8; s++) {
        if (s % 3 == 1) {
          assertThat(out[s]).as("sequence %d asked for no logits", s).isNull();
        } else {
          assertClose(out[s], reference.lastLogits(prompts.get(s)), "batch sequence " + s);
        }
      }
    }
  }

  @Test
  void forward_chunkedPrefill_equalsOneShot() {
    TestModel model = TestModels.write(tmp, TestModels.spec(Architecture.LLAMA).dims(512, 64, 128, 3, 4, 2));
    LoadedModel loaded = ModelLoader.load(model.path());
    Random random = new Random(3);
    int[] prompt = randomTokens(random, 23, 512);
    try (CpuBackend backend = CpuBackend.create(loaded, 2, true)) {
      backend.allocateKvCache(NUM_BLOCKS, BLOCK);
      Blocks blocks = new Blocks(random);
      int[] oneShotTable = blocks.take(8);
      float[] oneShot = backend.forward(ForwardBatch.of(new SequenceChunk(prompt, 0, oneShotTable, true)))[0];

      int[] chunkedTable = blocks.take(6);
      int[] cuts = {0, 5, 6, 17, 23};
      float[] chunked = null;
      for (int i = 0; i + 1 < cuts.length; i++) {
        int[] part = java.util.Arrays.copyOfRange(prompt, cuts[i], cuts[i + 1]);
        boolean last = i + 2 == cuts.length;
        // The first chunk runs alone (a step that returns no logits at all); the others share
        // their step with an unrelated decode, as the scheduler would mix them.
        SequenceChunk chunk = new SequenceChunk(part, cuts[i], chunkedTable, last);
        float[][] out = backend.forward(i == 0 ? ForwardBatch.of(chunk)
            : ForwardBatch.of(chunk, new SequenceChunk(new int[] {prompt[i]}, 23 + i, oneShotTable, true)));
        chunked = out[0];
        assertThat(chunked == null).isEqualTo(!last);
      }
      assertClose(chunked, oneShot, "chunked prefill");
    }
  }

  @Test
  void forward_scalarKernels_agreeWithVectorKernels() {
    TestModel model = TestModels.write(tmp, TestModels.spec(Architecture.QWEN2).format(Format.GGUF).dtype(DType.Q4_0));
    LoadedModel loaded = ModelLoader.load(model.path());
    int[] prompt = randomTokens(new Random(5), 9, 512);
    float[] vector;
    float[] scalar;
    try (CpuBackend b = CpuBackend.create(loaded, 2, true)) {
      b.allocateKvCache(8, 16);
      vector = b.forward(ForwardBatch.of(new SequenceChunk(prompt, 0, new int[] {3}, true)))[0];
    }
    try (CpuBackend b = CpuBackend.create(loaded, 1, false)) {
      b.allocateKvCache(8, 16);
      scalar = b.forward(ForwardBatch.of(new SequenceChunk(prompt, 0, new int[] {5}, true)))[0];
    }
    assertClose(vector, scalar, "scalar vs vector");
  }

  @Test
  void forward_rejectsBadInput_withMessagesNamingTheValue() {
    TestModel model = TestModels.write(tmp, TestModels.spec(Architecture.LLAMA));
    try (CpuBackend b = CpuBackend.create(ModelLoader.load(model.path()), 1, true)) {
      ForwardBatch batch = ForwardBatch.of(new SequenceChunk(new int[] {1, 2}, 0, new int[] {0}, true));
      assertThatThrownBy(() -> b.forward(batch)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("allocateKvCache");
      b.allocateKvCache(4, 4);
      assertThatThrownBy(() -> b.forward(ForwardBatch.of(new SequenceChunk(new int[] {512}, 0, new int[] {0}, true))))
          .hasMessageContaining("token id 512").hasMessageContaining("size 512");
      assertThatThrownBy(() -> b.forward(ForwardBatch.of(new SequenceChunk(new int[] {1, 2, 3}, 3, new int[] {0}, true))))
          .hasMessageContaining("need 2 blocks of 4").hasMessageContaining("has 1");
      assertThatThrownBy(() -> b.forward(ForwardBatch.of(new SequenceChunk(new int[] {1}, 0, new int[] {4}, true))))
          .hasMessageContaining("= 4 is outside the KV cache of 4 blocks");
    }
  }

  @Test
  void kvCacheBytesPerBlock_countsKeysAndValuesOfAllLayers() {
    TestModel model = TestModels.write(tmp, TestModels.spec(Architecture.LLAMA));
    try (CpuBackend b = CpuBackend.create(ModelLoader.load(model.path()))) {
      // 2 (K,V) x 2 layers x 16 tokens x (2 kv heads x 16 dims) x 4 bytes
      assertThat(b.kvCacheBytesPerBlock(16)).isEqualTo(2L * 2 * 16 * 32 * 4);
    }
  }

  static void assertClose(float[] actual, float[] expected, String what) {
    assertThat(actual).as(what).hasSameSizeAs(expected);
    float scale = 1e-6f;
    for (float e : expected) {
      scale = Math.max(scale, Math.abs(e));
    }
    float maxDiff = 0;
    for (int i = 0; i < actual.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
    }
    assertThat(maxDiff / scale).as("%s: max |diff| %s relative to max |logit| %s", what, maxDiff, scale).isLessThan(2e-4f);
  }

  static int[] randomTokens(Random random, int n, int vocab) {
    int[] t = new int[n];
    for (int i = 0; i < n; i++) {
      t[i] = random.nextInt(vocab);
    }
    return t;
  }

  static int argmax(float[] x) {
    int best = 0;
    for (int i = 1; i < x.length; i++) {
      if (x[i] > x[best]) {
        best = i;
      }
    }
    return best;
  }

  static int[] append(int[] a, int v) {
    int[] out = java.util.Arrays.copyOf(a, a.length + 1);
    out[a.length] = v;
    return out;
  }

  /** Hands out distinct physical blocks in random order, like a fragmented pool. */
  static final class Blocks {
    private final List<Integer> free = new ArrayList<>();

    Blocks(Random random) {
      for (int i = 0; i < NUM_BLOCKS; i++) {
        free.add(i);
      }
      Collections.shuffle(free, random);
    }

    int[] take(int n) {
      int[] t = new int[n];
      for (int i = 0; i < n; i++) {
        t[i] = free.remove(free.size() - 1);
      }
      return t;
    }
  }
}
