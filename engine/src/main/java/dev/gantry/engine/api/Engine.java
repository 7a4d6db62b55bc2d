package dev.gantry.engine.api;

import dev.gantry.engine.backend.ForwardBatch;
import dev.gantry.engine.backend.SequenceChunk;
import dev.gantry.engine.kvcache.KvCacheManager;
import dev.gantry.engine.sampling.SampledToken;
import dev.gantry.engine.sampling.Sampler;
import dev.gantry.engine.sampling.SamplingParams;
import dev.gantry.engine.sampling.StopChecker;
import dev.gantry.engine.sampling.StopReason;
import dev.gantry.engine.sampling.TokenHistory;
import dev.gantry.engine.scheduler.Request;
import dev.gantry.engine.scheduler.RequestStatus;
import dev.gantry.engine.scheduler.ScheduledChunk;
import dev.gantry.engine.scheduler.Scheduler;
import dev.gantry.engine.scheduler.SchedulerOutput;
import dev.gantry.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The inference engine: accepts requests from any thread and serves them with continuous
 * batching on ONE engine thread that owns the scheduler, the KV cache and the backend. Each
 * step of that thread:
 *
 * <pre>
 *   commands (submit, abort) → Scheduler.schedule() → ForwardBatch → backend.forward
 *     → sample per sequence → stop handling / detokenize → emit to each GenerationStream
 *     → free finished requests' blocks
 * </pre>
 *
 * Built with {@link #builder()}; {@link #submit} returns a {@link GenerationStream} (blocking
 * iterator of {@link RequestOutput}s), {@link #abort} ends a request at any time, and
 * {@link #stats()} gives a snapshot for metrics.
 */
public final class Engine implements AutoCloseable {
  private sealed interface Command permits Submit, Abort {}

  private record Submit(Live live) implements Command {}

  private record Abort(String requestId) implements Command {}

  private record Pending(GenerationStream stream, RequestOutput output) {}

  /** A live request: scheduler state, its sampler and stop checker, where its outputs go; its token history for penalties. */
  private record Live(Request request, Sampler sampler, StopChecker stopChecker, GenerationStream stream, boolean logprobs)
      implements TokenHistory {
    @Override public int promptLength() { return request.numPromptTokens(); }
    @Override public int promptTokenId(int index) { return request.tokenAt(index); }
    @Override public int outputLength() { return request.numOutputTokens(); }
    @Override public int outputTokenId(int index) { return request.tokenAt(request.numPromptTokens() + index); }
  }

  private final Scheduler scheduler;
  private final ModelExecutor executor;
  private final Tokenizer tokenizer;
  private final List<Integer> eosTokenIds;
  private final AutoCloseable resources;
  private final int maxModelLen;
  private final LinkedBlockingQueue<Command> inbox = new LinkedBlockingQueue<>();
  /** Ids of submitted, unfinished requests; written by callers and the engine thread. */
  private final Map<String, Boolean> liveIds = new ConcurrentHashMap<>();
  /** Engine-thread-only view of the live requests. */
  private final Map<String, Live> live = new HashMap<>();
  private final AtomicLong arrivals = new AtomicLong();
  private final Thread thread;
  private volatile boolean running = true;
  private volatile EngineStats stats = EngineStats.EMPTY;
  private long promptTokensTotal;
  private long generationTokensTotal;
  private long numFinished;
  private long numSteps;
  /** Outputs produced by the current step, delivered after its stats are published. */
  private final List<Pending> pendingOutputs = new ArrayList<>();
  private long kvSlotsAllocated;
  private long kvSlotsUsed;
  private long peakKvSlotsAllocated;
  private long kvSlotsUsedAtPeak;

  /**
   * @param eosTokenIds the model's EOS ids (the tokenizer's are added)
   * @param resources closed with the engine (the backend)
   */
  Engine(Scheduler scheduler, ModelExecutor executor, Tokenizer tokenizer, List<Integer> eosTokenIds, AutoCloseable resources) {
    this.scheduler = scheduler;
    this.executor = executor;
    this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    Set<Integer> eos = new LinkedHashSet<>(eosTokenIds);
    eos.addAll(tokenizer.eosTokenIds());
    this.eosTokenIds = List.copyOf(eos);
    this.resources = resources;
    this.maxModelLen = scheduler.config().maxModelLen();
    publishStats();
    this.thread = Thread.ofPlatform().name("gantry-engine").daemon(true).unstarted(this::loop);
    thread.start();
  }

  public static EngineBuilder builder() {
    return new EngineBuilder();
  }

  /** The tokenizer of the served model (for the server's /tokenize and chat templates). */
  public Tokenizer tokenizer() {
    return tokenizer;
  }

  /** Longest request (prompt plus output) this engine serves. */
  public int maxModelLen() {
    return maxModelLen;
  }

  /**
   * Queues a request and returns the stream of its outputs.
   *
   * @throws IllegalArgumentException on a bad request: id already live, empty or too long
   *     prompt, a request that could never fit in the KV cache — the message names the value
   * @throws IllegalStateException after {@link #close()}
   */
  public GenerationStream submit(GenerationRequest request) {
    if (!running) {
      throw new IllegalStateException("engine is closed; build a new one to serve requests");
    }
    int[] promptTokenIds = switch (request.prompt()) {
      case Prompt.Tokens t -> t.tokenIds();
      case Prompt.Text t -> tokenizer.encode(t.text());
    };
    if (promptTokenIds.length == 0) {
      throw new IllegalArgumentException("request " + request.requestId() + " encodes to zero tokens; give a non-empty prompt");
    }
    int maxTokens = Math.max(1, Math.min(maxTokensOf(request), maxModelLen - promptTokenIds.length));
    Request schedulerRequest = new Request(request.requestId(), promptTokenIds, maxTokens, request.priority(),
        arrivals.getAndIncrement(), request.cacheSalt());
    scheduler.validate(schedulerRequest);
    if (liveIds.putIfAbsent(request.requestId(), Boolean.TRUE) != null) {
      throw new IllegalArgumentException("request id '" + request.requestId() + "' is already in use; ids must be unique");
    }
    SamplingParams params = request.samplingParams();
    GenerationStream stream = new GenerationStream(request.requestId(), this::abort);
    inbox.add(new Submit(new Live(schedulerRequest, new Sampler(params, eosTokenIds), new StopChecker(params, tokenizer, eosTokenIds),
        stream, params.logprobs() != null)));
    return stream;
  }

  /** Ends a request at any time; its stream gets a final output with {@link FinishReason#ABORT}. */
  public void abort(String requestId) {
    if (liveIds.containsKey(requestId)) {
      inbox.add(new Abort(requestId));
    }
  }

  /** Whether the engine thread is alive and serving (false after {@link #close()} or if the loop died); for health checks. */
  public boolean isRunning() {
    return running && thread.isAlive();
  }

  /** The latest snapshot, updated after every step. */
  public EngineStats stats() {
    return stats;
  }

  /** Stops the engine thread, aborting unfinished requests, and closes the backend. */
  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      if (resources != null) {
        resources.close();
      }
    } catch (Exception e) {
      throw new IllegalStateException("closing the backend failed", e);
    }
  }

  private static int maxTokensOf(GenerationRequest request) {
    return request.samplingParams().maxTokens();
  }

  private void loop() {
    try {
      while (running) {
        boolean handled = false;
        if (live.isEmpty()) {
          handle(inbox.take()); // idle: sleep until a command arrives
          handled = true;
        }
        for (Command c; (c = inbox.poll()) != null; ) {
          handle(c);
          handled = true;
        }
        if (handled) {
          publishStats();
        }
        if (!live.isEmpty()) {
          try {
            step();
          } catch (RuntimeException | Error e) {
            failAll(e);
          }
        }
      }
    } catch (InterruptedException e) {
      // close(): fall through
    }
    for (Command c; (c = inbox.poll()) != null; ) {
      handle(c);
    }
    for (String id : List.copyOf(live.keySet())) {
      abortLive(live.get(id));
    }
    publishStats();
  }

  private void handle(Command command) {
    switch (command) {
      case Submit s -> {
        String id = s.live().request().requestId();
        try {
          scheduler.addRequest(s.live().request());
        } catch (RuntimeException e) {
          // submit() validated already; whatever slipped through fails this request, not the loop.
          liveIds.remove(id);
          s.live().stream().fail(new EngineException("request " + id + " was rejected: " + e.getMessage(), e));
          return;
        }
        live.put(id, s.live());
        promptTokensTotal += s.live().request().numPromptTokens();
      }
      case Abort a -> {
        Live l = live.get(a.requestId());
        if (l != null) {
          abortLive(l);
        }
      }
    }
  }

  private void step() {
    SchedulerOutput output = scheduler.schedule();
    if (output.isEmpty()) {
      // Only possible while the live requests' next tokens do not fit anywhere; wait for a change.
      publishStats();
      try {
        Command c = inbox.poll(1, TimeUnit.MILLISECONDS);
        if (c != null) {
          handle(c);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        running = false;
      }
      return;
    }
    measureKvSlots();
    List<ScheduledChunk> chunks = output.chunks();
    List<SequenceChunk> sequences = new ArrayList<>(chunks.size());
    for (ScheduledChunk c : chunks) {
      sequences.add(new SequenceChunk(c.tokenIds(), c.startPosition(), c.blockTable(), c.samplesToken()));
    }
    float[][] logits = executor.forward(new ForwardBatch(sequences));
    int[] sampled = new int[chunks.size()];
    SampledToken[] sampledTokens = new SampledToken[chunks.size()];
    for (int i = 0; i < sampled.length; i++) {
      ScheduledChunk c = chunks.get(i);
      sampled[i] = -1;
      if (c.samplesToken()) {
        if (logits[i] == null) {
          throw new IllegalStateException("backend returned no logits for request " + c.request().requestId());
        }
        Live l = live.get(c.request().requestId());
        sampledTokens[i] = l.sampler().sample(logits[i], l);
        sampled[i] = sampledTokens[i].tokenId();
      }
    }
    scheduler.updateFromOutput(output, sampled);
    numSteps++;
    for (int i = 0; i < sampled.length; i++) {
      if (sampled[i] < 0) {
        continue;
      }
      Request request = chunks.get(i).request();
      Live l = live.get(request.requestId());
      generationTokensTotal++;
      StopChecker.Step s = l.stopChecker().accept(sampled[i]);
      if (!s.finished() && request.numTokens() >= maxModelLen) {
        // The context is full: end with "length" and flush text held back for stop strings.
        StopChecker.Step end = l.stopChecker().finish(StopReason.LENGTH);
        s = new StopChecker.Step(s.textDelta() + end.textDelta(), end.stopReason());
      }
      List<SampledToken> logprobs = l.logprobs() ? List.of(sampledTokens[i]) : List.of();
      int[] tokenIds = {sampled[i]};
      if (!s.finished()) {
        emit(l.stream(), new RequestOutput(request.requestId(), tokenIds, s.textDelta(), null, null, usage(request), logprobs));
      } else {
        finish(l, s, tokenIds, logprobs);
      }
    }
    publishStats();
  }

  private void abortLive(Live l) {
    finish(l, l.stopChecker().finish(StopReason.ABORT), new int[0], List.of());
  }

  private void finish(Live l, StopChecker.Step last, int[] lastTokens, List<SampledToken> logprobs) {
    String id = l.request().requestId();
    FinishReason reason = switch (last.stopReason()) {
      case StopReason.Eos e -> FinishReason.STOP;
      case StopReason.StopToken t -> FinishReason.STOP;
      case StopReason.StopString t -> FinishReason.STOP;
      case StopReason.Length n -> FinishReason.LENGTH;
      case StopReason.Abort a -> FinishReason.ABORT;
    };
    RequestStatus status = switch (reason) {
      case STOP -> RequestStatus.FINISHED_STOPPED;
      case LENGTH -> RequestStatus.FINISHED_LENGTH;
      case ABORT -> RequestStatus.FINISHED_ABORTED;
    };
    scheduler.finishRequest(id, status);
    live.remove(id);
    liveIds.remove(id);
    numFinished++;
    emit(l.stream(), new RequestOutput(id, lastTokens, last.textDelta(), reason, last.stopReason().stopReason(),
        usage(l.request()), logprobs));
  }

  private void failAll(Throwable error) {
    EngineException failure = new EngineException("engine step failed: " + error, error);
    for (Live l : List.copyOf(live.values())) {
      String id = l.request().requestId();
      scheduler.finishRequest(id, RequestStatus.FINISHED_ABORTED);
      live.remove(id);
      liveIds.remove(id);
      l.stream().fail(failure);
    }
    publishStats();
  }

  /** Right after scheduling: every held slot is allocated, every computed or scheduled token used. */
  private void measureKvSlots() {
    KvCacheManager kv = scheduler.kvCacheManager();
    kvSlotsAllocated = (long) (kv.pool().numBlocks() - kv.pool().numFreeBlocks()) * kv.blockSize();
    kvSlotsUsed = scheduler.numComputedTokensRunning();
    if (kvSlotsAllocated > peakKvSlotsAllocated) {
      peakKvSlotsAllocated = kvSlotsAllocated;
      kvSlotsUsedAtPeak = kvSlotsUsed;
    }
  }

  private static Usage usage(Request request) {
    return new Usage(request.numPromptTokens(), request.numOutputTokens(), Math.max(0, request.numCachedTokens()));
  }

  /** Queues an output; {@link #publishStats()} delivers it, so a client that sees it also sees its effect on stats. */
  private void emit(GenerationStream stream, RequestOutput output) {
    pendingOutputs.add(new Pending(stream, output));
  }

  private void publishStats() {
    KvCacheManager kv = scheduler.kvCacheManager();
    stats = new EngineStats(scheduler.numRunning(), scheduler.numWaiting(), kv.usage(), kv.pool().numBlocks(),
        kv.blockSize(), scheduler.numPreemptions(), kv.prefixCacheQueries(), kv.prefixCacheHits(),
        promptTokensTotal, generationTokensTotal, numFinished, numSteps, kvSlotsAllocated, kvSlotsUsed,
        peakKvSlotsAllocated, kvSlotsUsedAtPeak);
    for (Pending p : pendingOutputs) {
      p.stream().emit(p.output());
    }
    pendingOutputs.clear();
  }
}
