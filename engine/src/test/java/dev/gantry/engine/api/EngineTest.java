package dev.gantry.engine.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gantry.engine.kvcache.BlockPool;
import dev.gantry.engine.kvcache.KvCacheManager;
import dev.gantry.engine.sampling.SamplingParams;
import dev.gantry.engine.scheduler.Scheduler;
import dev.gantry.engine.scheduler.SchedulerConfig;
import dev.gantry.engine.scheduler.SchedulingPolicy;
import dev.gantry.engine.tokenizer.Tokenizer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The engine loop with a {@link FakeExecutor}: streaming, stops, abort, stats, failures, preemption. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EngineTest {
  private static final Tokenizer TOKENIZER = ByteTokenizer.create();
  private Engine engine;
  private FakeExecutor executor;

  private Engine start(int numBlocks, int blockSize, int maxNumSeqs, int budget, boolean prefixCaching) {
    executor = new FakeExecutor(numBlocks, blockSize);
    SchedulerConfig config = new SchedulerConfig(maxNumSeqs, budget, 512, true, SchedulingPolicy.FCFS);
    Scheduler scheduler = new Scheduler(config, new KvCacheManager(new BlockPool(numBlocks, prefixCaching), blockSize));
    engine = new Engine(scheduler, executor, TOKENIZER, List.of(257), null);
    return engine;
  }

  @AfterEach
  void close() {
    if (engine != null) {
      engine.close();
    }
  }

  private static int[] prompt(long seed, int length) {
    SplittableRandom r = new SplittableRandom(seed);
    int[] p = new int[length];
    for (int i = 0; i < length; i++) {
      p[i] = 'a' + r.nextInt(26);
    }
    return p;
  }

  private static SamplingParams greedy(int maxTokens) {
    return SamplingParams.builder().temperature(0).maxTokens(maxTokens).build();
  }

  @Test
  void submit_streamsOneTokenPerOutputAndFoldsToTheReference() {
    start(64, 4, 8, 64, false);
    int[] p = prompt(1, 10);
    GenerationStream stream = engine.submit(GenerationRequest.of("a", Prompt.tokens(p), greedy(20)));
    List<RequestOutput> outputs = new ArrayList<>();
    stream.forEach(outputs::add);
    int[] expected = FakeExecutor.reference(p, 20, true);
    assertThat(outputs).hasSize(expected.length);
    assertThat(outputs.subList(0, outputs.size() - 1)).allMatch(o -> !o.finished() && o.tokenIds().length == 1);
    RequestOutput last = outputs.get(outputs.size() - 1);
    assertThat(last.finishReason()).isEqualTo(expected[expected.length - 1] == 257 ? FinishReason.STOP : FinishReason.LENGTH);
    assertThat(last.usage()).isEqualTo(new Usage(10, expected.length, 0));
    int[] got = outputs.stream().flatMapToInt(o -> java.util.Arrays.stream(o.tokenIds())).toArray();
    assertThat(got).containsExactly(expected);
    assertThat(stream.hasNext()).isFalse();
  }

  @Test
  void submit_textPromptIsTokenizedAndDeltasConcatenateToTheDecodedOutput() {
    start(64, 4, 8, 64, false);
    GenerationResult r = engine.submit(GenerationRequest.of("t", Prompt.text("hello engine"),
        SamplingParams.builder().temperature(0).maxTokens(30).ignoreEos(true).build())).collect();
    int[] prompt = TOKENIZER.encode("hello engine");
    assertThat(r.tokenIds()).containsExactly(FakeExecutor.reference(prompt, 30, false));
    assertThat(r.text()).isEqualTo(TOKENIZER.decode(r.tokenIds(), true));
    assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
    assertThat(r.usage().promptTokens()).isEqualTo(prompt.length);
  }

  @Test
  void submit_manyConcurrentRequests_eachMatchesItsReferenceAsIfAlone() {
    start(256, 4, 16, 32, false);
    List<GenerationStream> streams = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      streams.add(engine.submit(GenerationRequest.of("r" + i, Prompt.tokens(prompt(i, 3 + i)), greedy(12 + i % 5))));
    }
    for (int i = 0; i < 24; i++) {
      assertThat(streams.get(i).collect().tokenIds()).as("request r%d", i)
          .containsExactly(FakeExecutor.reference(prompt(i, 3 + i), 12 + i % 5, true));
    }
    EngineStats s = engine.stats();
    assertThat(s.numFinishedRequests()).isEqualTo(24);
    assertThat(s.numRunning() + s.numWaiting()).isZero();
    assertThat(s.kvCacheUsage()).isZero();
  }

  @Test
  void submit_whenCacheIsTight_preemptsAndStillProducesIdenticalOutputs() {
    // 12 blocks of 4 slots; 6 requests growing to ~30 tokens cannot all stay resident.
    start(12, 4, 6, 64, false);
    List<GenerationStream> streams = new ArrayList<>();
    SamplingParams params = SamplingParams.builder().temperature(0).maxTokens(22).ignoreEos(true).build();
    // Held in its first step until all six are queued: on a loaded machine the early requests
    // could otherwise finish before the late ones arrive, and nothing would be preempted.
    CountDownLatch hold = new CountDownLatch(1);
    executor.hold = hold;
    for (int i = 0; i < 6; i++) {
      streams.add(engine.submit(GenerationRequest.of("p" + i, Prompt.tokens(prompt(100 + i, 6)), params)));
    }
    executor.hold = null;
    hold.countDown();
    for (int i = 0; i < 6; i++) {
      assertThat(streams.get(i).collect().tokenIds()).containsExactly(FakeExecutor.reference(prompt(100 + i, 6), 22, false));
    }
    assertThat(engine.stats().numPreemptions()).isPositive();
  }

  @Test
  void submit_withSharedPrefix_countsPrefixCacheHitsAndKeepsOutputIdentical() {
    start(64, 4, 8, 64, true);
    int[] first = prompt(5, 17);
    int[] second = java.util.Arrays.copyOf(first, 20);
    second[17] = 'x';
    second[18] = 'y';
    second[19] = 'z';
    engine.submit(GenerationRequest.of("first", Prompt.tokens(first), greedy(5))).collect();
    GenerationResult r = engine.submit(GenerationRequest.of("second", Prompt.tokens(second), greedy(5))).collect();
    assertThat(r.usage().cachedPromptTokens()).isEqualTo(16);
    assertThat(r.tokenIds()).containsExactly(FakeExecutor.reference(second, 5, true));
    assertThat(engine.stats().prefixCacheHits()).isEqualTo(16);
    assertThat(engine.stats().prefixCacheQueries()).isEqualTo(17 + 20);
  }

  @Test
  void submit_stopTokenId_endsWithStopAndItsId() {
    start(64, 4, 8, 64, false);
    int[] p = prompt(9, 8);
    int[] ref = FakeExecutor.reference(p, 40, false);
    int stopToken = ref[5];
    int firstAt = 0;
    while (ref[firstAt] != stopToken) {
      firstAt++;
    }
    GenerationResult r = engine.submit(GenerationRequest.of("s", Prompt.tokens(p),
        SamplingParams.builder().temperature(0).maxTokens(40).ignoreEos(true).stopTokenIds(List.of(stopToken)).build())).collect();
    assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
    assertThat(r.stopReason()).isEqualTo(stopToken);
    assertThat(r.tokenIds()).hasSize(firstAt + 1);
  }

  @Test
  void abort_midStream_endsTheStreamWithAbortAndFreesItsBlocks() {
    start(64, 4, 8, 64, false);
    executor.delayNanos = TimeUnit.MILLISECONDS.toNanos(2);
    GenerationStream stream = engine.submit(GenerationRequest.of("long", Prompt.tokens(prompt(3, 5)),
        SamplingParams.builder().temperature(0).maxTokens(200).ignoreEos(true).build()));
    assertThat(stream.next().finished()).isFalse();
    engine.abort("long");
    RequestOutput last = null;
    while (stream.hasNext()) {
      last = stream.next();
    }
    assertThat(last.finishReason()).isEqualTo(FinishReason.ABORT);
    assertThat(last.usage().completionTokens()).isLessThan(200);
    awaitTrue(() -> engine.stats().kvCacheUsage() == 0 && engine.stats().numRunning() == 0);
  }

  @Test
  void close_ofUnfinishedStream_abortsTheRequest() {
    start(64, 4, 8, 64, false);
    executor.delayNanos = TimeUnit.MILLISECONDS.toNanos(2);
    try (GenerationStream stream = engine.submit(GenerationRequest.of("c", Prompt.tokens(prompt(4, 5)),
        SamplingParams.builder().temperature(0).maxTokens(200).ignoreEos(true).build()))) {
      stream.next();
    }
    awaitTrue(() -> engine.stats().numFinishedRequests() == 1 && engine.stats().kvCacheUsage() == 0);
  }

  @Test
  void submit_whenBackendFails_failsLiveStreamsAndKeepsServing() {
    start(64, 4, 8, 64, false);
    executor.failNext = new IllegalStateException("device lost");
    GenerationStream doomed = engine.submit(GenerationRequest.of("doomed", Prompt.tokens(prompt(1, 4)), greedy(5)));
    assertThatThrownBy(doomed::collect).isInstanceOf(EngineException.class).hasMessageContaining("device lost");
    GenerationResult ok = engine.submit(GenerationRequest.of("ok", Prompt.tokens(prompt(2, 4)), greedy(5))).collect();
    assertThat(ok.tokenIds()).containsExactly(FakeExecutor.reference(prompt(2, 4), 5, true));
  }

  @Test
  void submit_duplicateLiveId_isRejected() {
    start(64, 4, 8, 64, false);
    executor.delayNanos = TimeUnit.MILLISECONDS.toNanos(5);
    GenerationStream first = engine.submit(GenerationRequest.of("same", Prompt.tokens(prompt(1, 4)),
        SamplingParams.builder().temperature(0).maxTokens(100).ignoreEos(true).build()));
    assertThatThrownBy(() -> engine.submit(GenerationRequest.of("same", Prompt.tokens(prompt(1, 4)), greedy(5))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'same' is already in use");
    first.close();
  }

  @Test
  void submit_promptLongerThanMaxModelLen_isRejectedNamingTheNumbers() {
    start(512, 4, 8, 64, false);
    assertThatThrownBy(() -> engine.submit(GenerationRequest.of("big", Prompt.tokens(new int[600]), greedy(5))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("600 tokens but maxModelLen is 512");
  }

  @Test
  void submit_afterClose_isRejected() {
    start(64, 4, 8, 64, false);
    engine.close();
    assertThatThrownBy(() -> engine.submit(GenerationRequest.of("late", Prompt.tokens(1, 2), greedy(5))))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("engine is closed");
    engine = null;
  }

  @Test
  void stats_reportKvSlotWasteAtPeak() {
    start(64, 4, 8, 64, false);
    engine.submit(GenerationRequest.of("w", Prompt.tokens(prompt(1, 6)),
        SamplingParams.builder().temperature(0).maxTokens(3).ignoreEos(true).build())).collect();
    EngineStats s = engine.stats();
    // Peak allocation, 2 blocks = 8 slots, is first reached by the prefill step, holding 6 tokens.
    assertThat(s.peakKvSlotsAllocated()).isEqualTo(8);
    assertThat(s.kvSlotsUsedAtPeak()).isEqualTo(6);
    assertThat(s.kvCacheWasteAtPeak()).isEqualTo(0.25);
  }

  @Test
  void poll_returnsNullOnTimeoutWhileTheEngineIsBusy() {
    start(64, 4, 8, 64, false);
    executor.delayNanos = TimeUnit.MILLISECONDS.toNanos(200);
    GenerationStream s = engine.submit(GenerationRequest.of("p", Prompt.tokens(prompt(1, 4)), greedy(3)));
    assertThat(s.poll(Duration.ofMillis(1))).isNull();
    s.close();
  }

  @Test
  void submit_withLogprobs_attachesTheSampledTokenAndTopNToEveryOutput() {
    start(64, 4, 8, 64, false);
    GenerationResult r = engine.submit(GenerationRequest.of("lp", Prompt.tokens(prompt(1, 5)),
        SamplingParams.builder().temperature(0).maxTokens(4).ignoreEos(true).logprobs(2).build())).collect();
    assertThat(r.logprobs()).hasSize(4);
    for (int i = 0; i < 4; i++) {
      assertThat(r.logprobs().get(i).tokenId()).isEqualTo(r.tokenIds()[i]);
      assertThat(r.logprobs().get(i).topLogprobs()).hasSize(2);
    }
  }

  @Test
  void submit_withoutLogprobs_attachesNone() {
    start(64, 4, 8, 64, false);
    GenerationResult r = engine.submit(GenerationRequest.of("nolp", Prompt.tokens(prompt(1, 5)), greedy(3))).collect();
    assertThat(r.logprobs()).isEmpty();
  }

  @Test
  void submit_stopString_endsBeforeItAndNeverStreamsAnyPartOfIt() {
    start(64, 4, 8, 64, false);
    int[] p = prompt(12, 6);
    String full = TOKENIZER.decode(FakeExecutor.reference(p, 40, false), true);
    String stop = full.substring(10, 13);
    int at = full.indexOf(stop);
    List<String> deltas = new ArrayList<>();
    RequestOutput last = null;
    for (RequestOutput o : engine.submit(GenerationRequest.of("ss", Prompt.tokens(p),
        SamplingParams.builder().temperature(0).maxTokens(40).ignoreEos(true).stop(stop).build()))) {
      deltas.add(o.text());
      last = o;
    }
    assertThat(String.join("", deltas)).isEqualTo(full.substring(0, at));
    assertThat(last.finishReason()).isEqualTo(FinishReason.STOP);
    assertThat(last.stopReason()).isEqualTo(stop);
  }

  @Test
  void priorityPolicy_admitsTheMostUrgentWaitingRequestFirst() {
    executor = new FakeExecutor(64, 4);
    SchedulerConfig config = new SchedulerConfig(1, 64, 512, true, SchedulingPolicy.PRIORITY);
    engine = new Engine(new Scheduler(config, new KvCacheManager(new BlockPool(64, false), 4)), executor, TOKENIZER,
        List.of(257), null);
    SamplingParams params = SamplingParams.builder().temperature(0).maxTokens(10).ignoreEos(true).build();
    // "first" holds the only sequence slot, and the engine is held inside its first step (first's
    // prefill) while the three others are queued, so all three wait together when it schedules
    // again. Holding from the very first step matters: "first" must not finish its 10 tokens while
    // this thread is descheduled, or "low" would be admitted alone.
    CountDownLatch hold = new CountDownLatch(1);
    executor.hold = hold;
    engine.submit(GenerationRequest.of("first", Prompt.tokens(prompt(1, 4)), params));
    awaitTrue(() -> executor.steps.get() == 1);
    Map<String, int[]> prompts = new LinkedHashMap<>();
    prompts.put("low", prompt(2, 4));
    prompts.put("high", prompt(3, 4));
    prompts.put("mid", prompt(4, 4));
    List<GenerationStream> queued = List.of(
        engine.submit(GenerationRequest.of("low", Prompt.tokens(prompts.get("low")), params).withPriority(10)),
        engine.submit(GenerationRequest.of("high", Prompt.tokens(prompts.get("high")), params).withPriority(-5)),
        engine.submit(GenerationRequest.of("mid", Prompt.tokens(prompts.get("mid")), params).withPriority(0)));
    engine.abort("first");
    executor.hold = null;
    hold.countDown();
    queued.forEach(GenerationStream::collect);

    // The order the engine ran their prefills, read from the executor rather than from reader threads.
    List<String> admitted = new ArrayList<>();
    for (int[] prefill : executor.prefills) {
      prompts.forEach((id, p) -> {
        if (Arrays.equals(p, prefill)) {
          admitted.add(id);
        }
      });
    }
    assertThat(admitted).containsExactly("high", "mid", "low");
  }

  private static void awaitTrue(BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not reached in 10 s");
      }
      Thread.onSpinWait();
    }
  }
}
