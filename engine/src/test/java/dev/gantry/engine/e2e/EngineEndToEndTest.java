package dev.gantry.engine.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.engine.api.Engine;
import dev.gantry.engine.api.EngineBuilder;
import dev.gantry.engine.api.GenerationRequest;
import dev.gantry.engine.api.GenerationResult;
import dev.gantry.engine.api.GenerationStream;
import dev.gantry.engine.api.Prompt;
import dev.gantry.engine.model.Architecture;
import dev.gantry.engine.model.DType;
import dev.gantry.engine.sampling.SamplingParams;
import dev.gantry.engine.testing.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The real engine on the real CPU backend with small random models written as real files:
 * greedy output must not depend on how the scheduler batched, chunked or preempted a sequence,
 * and prefix caching must reuse blocks without changing output.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EngineEndToEndTest {
  private static final int NUM_PROMPTS = 16;
  private static final int MAX_TOKENS = 12;
  @TempDir static Path dir;
  private static Path llama;
  private static int[][] prompts;
  /** Each prompt's greedy output when it runs alone. */
  private static int[][] alone;

  @BeforeAll
  static void writeModelAndRunEachPromptAlone() {
    llama = TestModels.write(dir, TestModels.spec(Architecture.LLAMA)).path();
    prompts = prompts(NUM_PROMPTS, 7);
    alone = new int[NUM_PROMPTS][];
    try (Engine engine = base(llama).maxNumSeqs(1).enableChunkedPrefill(false).maxNumBatchedTokens(2048).build()) {
      for (int i = 0; i < NUM_PROMPTS; i++) {
        alone[i] = engine.submit(request("alone-" + i, prompts[i])).collect().tokenIds();
        assertThat(alone[i]).hasSize(MAX_TOKENS);
      }
    }
  }

  private static EngineBuilder base(Path model) {
    return Engine.builder().model(model).threads(2).maxModelLen(256).kvCacheBytes(64L << 20);
  }

  private static int[][] prompts(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int[][] p = new int[n][];
    for (int i = 0; i < n; i++) {
      p[i] = new int[3 + r.nextInt(45)];
      for (int j = 0; j < p[i].length; j++) {
        p[i][j] = r.nextInt(256);
      }
    }
    return p;
  }

  private static GenerationRequest request(String id, int[] prompt) {
    return GenerationRequest.of(id, Prompt.tokens(prompt),
        SamplingParams.builder().temperature(0).maxTokens(MAX_TOKENS).ignoreEos(true).build());
  }

  /** Submits all prompts at once and returns their outputs and the engine's preemption count. */
  private static int[][] runBatch(UnaryOperator<EngineBuilder> config, long[] preemptions) {
    try (Engine engine = config.apply(base(llama)).build()) {
      List<GenerationStream> streams = new ArrayList<>();
      for (int i = 0; i < NUM_PROMPTS; i++) {
        streams.add(engine.submit(request("b-" + i, prompts[i])));
      }
      int[][] out = new int[NUM_PROMPTS][];
      for (int i = 0; i < NUM_PROMPTS; i++) {
        out[i] = streams.get(i).collect().tokenIds();
      }
      preemptions[0] = engine.stats().numPreemptions();
      assertThat(engine.stats().kvCacheUsage()).isZero();
      return out;
    }
  }

  private static void assertSameAsAlone(int[][] outputs) {
    for (int i = 0; i < NUM_PROMPTS; i++) {
      assertThat(outputs[i]).as("prompt %d (%d tokens)", i, prompts[i].length).containsExactly(alone[i]);
    }
  }

  @Test
  void greedyOutput_inABatchOf16_isIdenticalToRunningAlone() {
    long[] preemptions = new long[1];
    assertSameAsAlone(runBatch(b -> b.maxNumSeqs(16).enableChunkedPrefill(false).maxNumBatchedTokens(2048), preemptions));
    assertThat(preemptions[0]).isZero();
  }

  @Test
  void greedyOutput_withChunkedPrefillMixingChunksAndDecodes_isIdenticalToRunningAlone() {
    long[] preemptions = new long[1];
    // A budget of 8 tokens splits most prompts over several steps, next to other sequences' decodes.
    assertSameAsAlone(runBatch(b -> b.maxNumSeqs(16).enableChunkedPrefill(true).maxNumBatchedTokens(8), preemptions));
  }

  @Test
  void greedyOutput_afterPreemptionAndRecompute_isIdenticalToRunningAlone() {
    long[] preemptions = new long[1];
    // Room for 12 blocks of 16 slots: far fewer than 16 sequences of up to 59 tokens need.
    assertSameAsAlone(runBatch(b -> b.maxNumSeqs(16).blockSize(16).kvCacheBytes(12 * bytesPerBlock(16)), preemptions));
    assertThat(preemptions[0]).isPositive();
  }

  @Test
  void prefixCaching_secondRequestSharingAPrefix_reusesBlocksAndGivesIdenticalOutput() {
    int[] shared = new int[40];
    for (int i = 0; i < shared.length; i++) {
      shared[i] = (i * 37 + 11) % 256;
    }
    int[] second = Arrays.copyOf(shared, 45);
    for (int i = 36; i < 45; i++) {
      second[i] = (i * 13) % 256; // diverges inside the third block
    }
    int[] expected;
    try (Engine cold = base(llama).enablePrefixCaching(false).build()) {
      expected = cold.submit(request("cold", second)).collect().tokenIds();
    }
    try (Engine engine = base(llama).enablePrefixCaching(true).blockSize(16).build()) {
      engine.submit(request("first", shared)).collect();
      GenerationResult r = engine.submit(request("second", second)).collect();
      assertThat(r.usage().cachedPromptTokens()).isEqualTo(32); // two full shared blocks of 16
      assertThat(engine.stats().prefixCacheHits()).isEqualTo(32);
      assertThat(engine.stats().prefixCacheQueries()).isEqualTo(40 + 45);
      assertThat(r.tokenIds()).containsExactly(expected);
    }
  }

  @Test
  void seededSampling_isIdenticalAloneAndAfterBeingPreempted() {
    SamplingParams seeded = SamplingParams.builder().temperature(0.9).topP(0.95).seed(1234L).maxTokens(150)
        .ignoreEos(true).build();
    int[] target = prompts[3];
    int[] expected;
    try (Engine engine = base(llama).maxNumSeqs(1).build()) {
      expected = engine.submit(GenerationRequest.of("alone", Prompt.tokens(target), seeded)).collect().tokenIds();
    }
    // 12 blocks of 16 slots; each request grows to ~11 blocks, so both cannot stay resident. FCFS
    // preempts the latest admitted: "mine", admitted right after "other"; it recomputes later.
    try (Engine engine = base(llama).maxNumSeqs(2).blockSize(16).kvCacheBytes(12 * bytesPerBlock(16)).build()) {
      GenerationStream other = engine.submit(GenerationRequest.of("other", Prompt.tokens(prompts[5]),
          SamplingParams.builder().temperature(0).maxTokens(150).ignoreEos(true).build()));
      GenerationStream mine = engine.submit(GenerationRequest.of("mine", Prompt.tokens(target), seeded));
      assertThat(mine.collect().tokenIds()).containsExactly(expected);
      other.collect();
      assertThat(engine.stats().numPreemptions()).isPositive();
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"Q8_0", "Q4_0"})
  void quantizedGguf_batchedOutputEqualsAloneOutput(DType dtype) {
    Path gguf = TestModels.write(dir.resolve(dtype.name()), TestModels.spec(Architecture.QWEN2).dtype(dtype)
        .format(TestModels.Format.GGUF)).path();
    int[][] few = prompts(4, 21);
    int[][] single = new int[few.length][];
    try (Engine engine = base(gguf).maxNumSeqs(1).build()) {
      for (int i = 0; i < few.length; i++) {
        single[i] = engine.submit(request("s" + i, few[i])).collect().tokenIds();
      }
    }
    try (Engine engine = base(gguf).maxNumSeqs(4).maxNumBatchedTokens(16).build()) {
      List<GenerationStream> streams = new ArrayList<>();
      for (int i = 0; i < few.length; i++) {
        streams.add(engine.submit(request("b" + i, few[i])));
      }
      for (int i = 0; i < few.length; i++) {
        assertThat(streams.get(i).collect().tokenIds()).containsExactly(single[i]);
      }
    }
  }

  private static long bytesPerBlock(int blockSize) {
    var c = TestModels.config(TestModels.spec(Architecture.LLAMA),
        dev.gantry.engine.testing.TestTokenizer.train(Architecture.LLAMA, 512));
    return 2L * c.numLayers() * blockSize * c.kvDim() * Float.BYTES;
  }
}
