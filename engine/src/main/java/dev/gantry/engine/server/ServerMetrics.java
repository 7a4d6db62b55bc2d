package dev.gantry.engine.server;

import com.sun.management.UnixOperatingSystemMXBean;
import dev.gantry.engine.api.EngineStats;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * {@code /metrics}: vLLM's metric names with a {@code model_name} label, so vLLM's Grafana
 * dashboard and alerts work unchanged, plus JVM and process metrics. Gauges and token counters
 * come from the engine's {@link EngineStats} at scrape time; latency histograms are observed by
 * the request handlers ({@link SequenceTimer}), one observation per generated sequence.
 *
 * <p>{@code vllm:iteration_tokens_total} is sampled: the engine does not report per step, so
 * {@link #sampleIterations} (called every few ms) observes the mean tokens per step over each
 * interval, once per step taken.
 */
final class ServerMetrics {
  // vLLM's bucket bounds (vllm/v1/metrics/loggers.py) so dashboards' quantiles line up.
  private static final double[] TTFT_BUCKETS = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0,
      2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0};
  private static final double[] ITL_BUCKETS = {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5,
      5.0, 7.5, 10.0, 20.0, 40.0, 80.0};
  private static final double[] LATENCY_BUCKETS = {0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0,
      50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};
  private static final double[] ITERATION_BUCKETS = {1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384};

  private final String labels;
  private final Supplier<EngineStats> stats;
  private final IntSupplier serverWaiting;
  private final Histogram ttft;
  private final Histogram itl;
  private final Histogram tpot;
  private final Histogram e2e;
  private final Histogram queue;
  private final Histogram prefill;
  private final Histogram decode;
  private final Histogram promptTokens;
  private final Histogram generationTokens;
  private final Histogram maxTokensParam;
  private final Histogram iterationTokens;
  private final Map<String, LongAdder> success = new ConcurrentHashMap<>();
  private final LongAdder httpRequests = new LongAdder();
  private long lastSteps;
  private long lastTokens;

  ServerMetrics(String modelName, int maxModelLen, Supplier<EngineStats> stats, IntSupplier serverWaiting) {
    this.labels = "model_name=\"" + PrometheusText.label(modelName) + "\"";
    this.stats = stats;
    this.serverWaiting = serverWaiting;
    ttft = new Histogram("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", TTFT_BUCKETS);
    itl = new Histogram("vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", ITL_BUCKETS);
    tpot = new Histogram("vllm:time_per_output_token_seconds",
        "Histogram of time per output token in seconds (deprecated alias of vllm:inter_token_latency_seconds).",
        ITL_BUCKETS);
    e2e = new Histogram("vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.",
        LATENCY_BUCKETS);
    queue = new Histogram("vllm:request_queue_time_seconds",
        "Histogram of time spent in WAITING phase for request.", LATENCY_BUCKETS);
    prefill = new Histogram("vllm:request_prefill_time_seconds",
        "Histogram of time spent in PREFILL phase for request.", LATENCY_BUCKETS);
    decode = new Histogram("vllm:request_decode_time_seconds",
        "Histogram of time spent in DECODE phase for request.", LATENCY_BUCKETS);
    double[] tokenBuckets = Histogram.buckets125(maxModelLen);
    promptTokens = new Histogram("vllm:request_prompt_tokens", "Number of prefill tokens processed.", tokenBuckets);
    generationTokens = new Histogram("vllm:request_generation_tokens", "Number of generation tokens processed.",
        tokenBuckets);
    maxTokensParam = new Histogram("vllm:request_params_max_tokens", "Histogram of the max_tokens request parameter.",
        tokenBuckets);
    iterationTokens = new Histogram("vllm:iteration_tokens_total", "Histogram of number of tokens per engine_step.",
        ITERATION_BUCKETS);
  }

  /** Timing of one generated sequence, from arrival at the server to its last token. */
  final class SequenceTimer {
    private final long arrivalNanos;
    private long scheduledNanos;
    private long firstTokenNanos;
    private long lastTokenNanos;

    SequenceTimer(long arrivalNanos) {
      this.arrivalNanos = arrivalNanos;
    }

    /** Permits granted, submitted to the engine: the end of the queue wait. */
    void scheduled(long now) {
      scheduledNanos = now;
      queue.observe(seconds(now - arrivalNanos));
    }

    /** An output carrying {@code numTokens} new tokens arrived. */
    void tokens(long now, int numTokens) {
      if (numTokens == 0) {
        return;
      }
      if (firstTokenNanos == 0) {
        firstTokenNanos = now;
        ttft.observe(seconds(now - arrivalNanos));
        prefill.observe(seconds(now - scheduledNanos));
      } else {
        double perToken = seconds(now - lastTokenNanos) / numTokens;
        for (int i = 0; i < numTokens; i++) {
          itl.observe(perToken);
          tpot.observe(perToken);
        }
      }
      lastTokenNanos = now;
    }

    /** The sequence finished ("stop", "length" or "abort") with these token counts. */
    void finished(long now, String finishReason, int numPromptTokens, int numGeneratedTokens, int maxTokens) {
      e2e.observe(seconds(now - arrivalNanos));
      if (firstTokenNanos != 0) {
        decode.observe(seconds(now - firstTokenNanos));
      }
      promptTokens.observe(numPromptTokens);
      generationTokens.observe(numGeneratedTokens);
      maxTokensParam.observe(maxTokens);
      success.computeIfAbsent(finishReason, k -> new LongAdder()).increment();
    }
  }

  SequenceTimer timer(long arrivalNanos) {
    return new SequenceTimer(arrivalNanos);
  }

  void httpRequest() {
    httpRequests.increment();
  }

  /** Folds the engine's progress since the last call into {@code vllm:iteration_tokens_total}. */
  synchronized void sampleIterations(EngineStats s) {
    long tokens = s.promptTokensTotal() + s.generationTokensTotal();
    long steps = s.numSteps() - lastSteps;
    if (steps > 0) {
      double perStep = Math.max(0, tokens - lastTokens) / (double) steps;
      for (long i = 0; i < Math.min(steps, 10_000); i++) {
        iterationTokens.observe(perStep);
      }
    }
    lastSteps = s.numSteps();
    lastTokens = tokens;
  }

  String scrape() {
    EngineStats s = stats.get();
    StringBuilder out = new StringBuilder(16 * 1024);
    PrometheusText.sample(out, "vllm:num_requests_running", "gauge", "Number of requests in model execution batches.",
        labels, s.numRunning());
    PrometheusText.sample(out, "vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed.",
        labels, s.numWaiting() + serverWaiting.getAsInt());
    PrometheusText.sample(out, "vllm:kv_cache_usage_perc", "gauge", "KV-cache usage. 1 means 100 percent usage.",
        labels, s.kvCacheUsage());
    PrometheusText.sample(out, "vllm:gpu_cache_usage_perc", "gauge",
        "GPU KV-cache usage. 1 means 100 percent usage (deprecated alias of vllm:kv_cache_usage_perc).", labels,
        s.kvCacheUsage());
    PrometheusText.sample(out, "vllm:num_preemptions_total", "counter", "Cumulative number of preemption from the engine.",
        labels, s.numPreemptions());
    PrometheusText.sample(out, "vllm:prompt_tokens_total", "counter", "Number of prefill tokens processed.", labels,
        s.promptTokensTotal());
    PrometheusText.sample(out, "vllm:generation_tokens_total", "counter", "Number of generation tokens processed.",
        labels, s.generationTokensTotal());
    PrometheusText.sample(out, "vllm:prefix_cache_queries_total", "counter",
        "Prefix cache queries, in terms of number of queried tokens.", labels, s.prefixCacheQueries());
    PrometheusText.sample(out, "vllm:prefix_cache_hits_total", "counter",
        "Prefix cache hits, in terms of number of cached tokens.", labels, s.prefixCacheHits());
    out.append("# HELP vllm:request_success_total Count of successfully processed requests.\n");
    out.append("# TYPE vllm:request_success_total counter\n");
    for (String reason : new String[] {"stop", "length", "abort"}) {
      LongAdder n = success.get(reason);
      out.append("vllm:request_success_total{").append(labels).append(",finished_reason=\"").append(reason)
          .append("\"} ").append(PrometheusText.number(n == null ? 0 : n.sum())).append('\n');
    }
    for (Histogram h : new Histogram[] {ttft, itl, tpot, e2e, queue, prefill, decode, promptTokens, generationTokens,
        maxTokensParam, iterationTokens}) {
      h.write(out, labels);
    }
    PrometheusText.sample(out, "gantry:http_requests_total", "counter", "HTTP requests received by the engine server.",
        labels, httpRequests.sum());
    PrometheusText.sample(out, "gantry:kv_cache_blocks", "gauge", "KV cache blocks in the pool.", labels,
        s.numKvBlocks());
    writeJvmAndProcess(out);
    return out.toString();
  }

  private static void writeJvmAndProcess(StringBuilder out) {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      PrometheusText.sample(out, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.",
          "", sun.getProcessCpuTime() / 1e9);
    }
    if (os instanceof UnixOperatingSystemMXBean unix) {
      PrometheusText.sample(out, "process_open_fds", "gauge", "Number of open file descriptors.", "",
          unix.getOpenFileDescriptorCount());
      PrometheusText.sample(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.", "",
          unix.getMaxFileDescriptorCount());
    }
    PrometheusText.sample(out, "process_start_time_seconds", "gauge",
        "Start time of the process since unix epoch in seconds.", "",
        ManagementFactory.getRuntimeMXBean().getStartTime() / 1000.0);
    long rss = residentBytes();
    if (rss >= 0) {
      PrometheusText.sample(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", "", rss);
    }
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    MemoryUsage nonHeap = ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage();
    out.append("# HELP jvm_memory_used_bytes Used bytes of a given JVM memory area.\n");
    out.append("# TYPE jvm_memory_used_bytes gauge\n");
    out.append("jvm_memory_used_bytes{area=\"heap\"} ").append(PrometheusText.number(heap.getUsed())).append('\n');
    out.append("jvm_memory_used_bytes{area=\"nonheap\"} ").append(PrometheusText.number(nonHeap.getUsed())).append('\n');
    PrometheusText.sample(out, "jvm_memory_max_bytes", "gauge", "Max heap bytes.", "area=\"heap\"", heap.getMax());
    PrometheusText.sample(out, "jvm_threads_current", "gauge", "Current thread count of a JVM (platform threads).", "",
        ManagementFactory.getThreadMXBean().getThreadCount());
    out.append("# HELP jvm_gc_collection_seconds_total Time spent in a given JVM garbage collector in seconds.\n");
    out.append("# TYPE jvm_gc_collection_seconds_total counter\n");
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      out.append("jvm_gc_collection_seconds_total{gc=\"").append(PrometheusText.label(gc.getName())).append("\"} ")
          .append(PrometheusText.number(gc.getCollectionTime() / 1000.0)).append('\n');
    }
  }

  private static long residentBytes() {
    try {
      String[] statm = Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+");
      return Long.parseLong(statm[1]) * 4096;
    } catch (IOException | RuntimeException e) {
      return -1; // not Linux: leave the metric out
    }
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }
}
