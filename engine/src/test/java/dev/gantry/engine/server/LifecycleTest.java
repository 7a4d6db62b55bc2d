package dev.gantry.engine.server;

import static dev.gantry.engine.server.ServerHarness.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server under pressure and at the end of its life: a client that disconnects frees its KV
 * blocks, a full queue answers 429, a long wait 503, a drain lets in-flight requests finish while
 * refusing new ones, and a dead engine turns /health to 503.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LifecycleTest {
  @TempDir static Path dir;
  static Path model;

  @BeforeAll
  static void writeModel() {
    model = ServerHarness.writeModel(dir);
  }

  static String longStream(int maxTokens) {
    return json("prompt", "The quick brown fox", "max_tokens", maxTokens, "ignore_eos", true, "stream", true);
  }

  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(5);
    }
  }

  @Test
  void clientDisconnect_abortsTheRequest_andFreesItsBlocks() throws Exception {
    try (ServerHarness h = ServerHarness.start(model, b -> b.maxModelLen(2048).enablePrefixCaching(false), c -> c)) {
      RawStream s = new RawStream(h.server.port(), longStream(2000));
      assertThat(h.engine.stats().kvCacheUsage()).isGreaterThan(0);
      s.close();
      await("the engine has no running request and no used blocks",
          () -> h.engine.stats().numRunning() == 0 && h.engine.stats().kvCacheUsage() == 0);
      await("the handler has finished", () -> h.server.inFlight() == 0);
      assertThat(h.engine.stats().generationTokensTotal()).isLessThan(2000);
      assertThat(h.metric("vllm:request_success_total", "finished_reason=\"abort\"")).as(h.get("/metrics").body()).isEqualTo(1);
    }
  }

  @Test
  void clientDisconnect_duringANonStreamingRequest_abortsIt_andFreesItsBlocks() throws Exception {
    try (ServerHarness h = ServerHarness.start(model, b -> b.maxModelLen(2048).enablePrefixCaching(false), c -> c)) {
      String body = json("prompt", "The quick brown fox", "max_tokens", 2000, "ignore_eos", true);
      try (Socket s = new Socket("127.0.0.1", h.server.port())) {
        s.getOutputStream().write(RawStream.post("/v1/completions", body));
        s.getOutputStream().flush();
        await("the request runs in the engine", () -> h.engine.stats().numRunning() == 1);
        assertThat(h.engine.stats().kvCacheUsage()).isGreaterThan(0);
      }
      await("the engine has no running request and no used blocks",
          () -> h.engine.stats().numRunning() == 0 && h.engine.stats().kvCacheUsage() == 0);
      await("the handler has finished", () -> h.server.inFlight() == 0);
      assertThat(h.engine.stats().generationTokensTotal()).isLessThan(2000);
      assertThat(h.metric("vllm:request_success_total", "finished_reason=\"abort\"")).isEqualTo(1);
      assertThat(h.metric("vllm:kv_cache_usage_perc", "")).isZero();
    }
  }

  @Test
  void keepAliveConnection_servesRequestsBackToBack_andPipelinedOnes_whileWatchingForDisconnect() throws Exception {
    try (ServerHarness h = ServerHarness.start(model);
        Socket s = new Socket("127.0.0.1", h.server.port())) {
      s.setSoTimeout(30_000);
      var in = new java.io.BufferedInputStream(s.getInputStream());
      byte[] one = RawStream.post("/v1/completions", json("prompt", "Hi", "max_tokens", 3));
      for (int i = 0; i < 3; i++) { // one at a time on one connection
        s.getOutputStream().write(one);
        assertThat(RawStream.readResponse(in)).startsWith("HTTP/1.1 200").contains("\"text_completion\"");
      }
      // Two requests in one write: the second arrives while the first waits for the engine and
      // must be read by the connection afterwards, not lost or reordered.
      byte[] tokenize = RawStream.post("/tokenize", json("prompt", "Hello"));
      byte[] both = new byte[one.length + tokenize.length];
      System.arraycopy(one, 0, both, 0, one.length);
      System.arraycopy(tokenize, 0, both, one.length, tokenize.length);
      s.getOutputStream().write(both);
      assertThat(RawStream.readResponse(in)).startsWith("HTTP/1.1 200").contains("\"text_completion\"");
      assertThat(RawStream.readResponse(in)).startsWith("HTTP/1.1 200").contains("\"tokens\"");
      assertThat(h.engine.stats().numFinishedRequests()).isEqualTo(4);
    }
  }

  @Test
  void fullQueue_is429WithRetryAfter_andQueuedRequestsRunWhenASlotFrees() throws Exception {
    try (ServerHarness h = ServerHarness.start(model, b -> b.maxModelLen(2048).maxNumSeqs(1),
        c -> new ServerConfig(c.host(), 0, c.servedModelNames(), c.modelRoot(), null, null, 1, 1, Duration.ofSeconds(30),
            c.maxRequestBytes(), c.drainTimeout(), c.watchdogTimeout()))) {
      RawStream running = new RawStream(h.server.port(), longStream(2000));
      CompletableFuture<ServerHarness.Reply> queued = CompletableFuture.supplyAsync(
          () -> h.post("/v1/completions", json("prompt", "Hi", "max_tokens", 2)));
      await("one request waits in the queue", () -> h.server.admission().waiting() == 1);
      assertThat(h.metric("vllm:num_requests_waiting", "")).isEqualTo(1);
      ServerHarness.Reply rejected = h.post("/v1/completions", json("prompt", "Hi", "max_tokens", 2));
      JsonNode e = rejected.error(429);
      assertThat(e.get("code").asText()).isEqualTo("queue_full");
      assertThat(rejected.header("retry-after")).isEqualTo("1");
      running.close();
      assertThat(queued.get(20, TimeUnit.SECONDS).status()).isEqualTo(200);
    }
  }

  @Test
  void queueTimeout_is503() throws Exception {
    try (ServerHarness h = ServerHarness.start(model, b -> b.maxModelLen(2048).maxNumSeqs(1),
        c -> new ServerConfig(c.host(), 0, c.servedModelNames(), c.modelRoot(), null, null, 1, 4, Duration.ofMillis(200),
            c.maxRequestBytes(), c.drainTimeout(), c.watchdogTimeout()))) {
      try (RawStream running = new RawStream(h.server.port(), longStream(2000))) {
        long t0 = System.nanoTime();
        ServerHarness.Reply r = h.post("/v1/completions", json("prompt", "Hi", "max_tokens", 2));
        assertThat(r.error(503).get("code").asText()).isEqualTo("queue_timeout");
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
      }
    }
  }

  @Test
  void drain_refusesNewRequestsWith503AndConnectionClose_whileInFlightOnesFinish() throws Exception {
    try (ServerHarness h = ServerHarness.start(model, b -> b.maxModelLen(2048), c -> c)) {
      RawStream inFlight = new RawStream(h.server.port(), longStream(1500));
      CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> h.server.drain(Duration.ofSeconds(60)));
      await("draining", () -> h.get("/health").status() == 503);
      ServerHarness.Reply refused = h.post("/v1/completions", json("prompt", "Hi", "max_tokens", 2));
      assertThat(refused.error(503).get("code").asText()).isEqualTo("shutting_down");
      assertThat(refused.header("connection")).isEqualTo("close");
      assertThat(drained).isNotDone();
      assertThat(inFlight.readToDone()).as("the in-flight stream finishes").isTrue();
      assertThat(drained.get(20, TimeUnit.SECONDS)).isTrue();
      inFlight.close();
    }
  }

  @Test
  void health_is503_whenTheEngineLoopIsGone() {
    try (ServerHarness h = ServerHarness.start(model)) {
      assertThat(h.get("/health").status()).isEqualTo(200);
      h.engine.close();
      JsonNode e = h.get("/health").error(503);
      assertThat(e.get("message").asText()).contains("engine loop is not running");
      ServerHarness.Reply r = h.post("/v1/completions", json("prompt", "Hi", "max_tokens", 2));
      assertThat(r.status()).isEqualTo(503);
    }
  }

  @Test
  void metrics_moveAsRequestsRun() throws Exception {
    try (ServerHarness h = ServerHarness.start(model, b -> b.maxModelLen(2048), c -> c)) {
      String[] names = {"vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc",
          "vllm:gpu_cache_usage_perc", "vllm:prompt_tokens_total", "vllm:generation_tokens_total",
          "vllm:num_preemptions_total", "vllm:prefix_cache_queries_total", "vllm:prefix_cache_hits_total",
          "vllm:time_to_first_token_seconds_count", "vllm:inter_token_latency_seconds_count",
          "vllm:time_per_output_token_seconds_count", "vllm:e2e_request_latency_seconds_count",
          "vllm:request_queue_time_seconds_count", "vllm:request_prefill_time_seconds_count",
          "vllm:request_decode_time_seconds_count", "vllm:request_prompt_tokens_count",
          "vllm:request_generation_tokens_count", "vllm:request_params_max_tokens_count",
          "vllm:iteration_tokens_total_count"};
      for (String n : names) {
        assertThat(h.metric(n, "")).as(n).isZero();
      }
      RawStream running = new RawStream(h.server.port(), longStream(1000));
      assertThat(h.metric("vllm:num_requests_running", "")).isEqualTo(1);
      assertThat(h.metric("vllm:kv_cache_usage_perc", "")).isGreaterThan(0);
      running.close();
      await("aborted", () -> h.engine.stats().numRunning() == 0 && h.server.inFlight() == 0);

      JsonNode r = h.post("/v1/completions", json("prompt", "Hello", "max_tokens", 5, "ignore_eos", true)).json();
      int prompt = h.post("/tokenize", json("prompt", "Hello")).json().get("count").asInt();
      int firstPrompt = h.post("/tokenize", json("prompt", "The quick brown fox")).json().get("count").asInt();
      assertThat(r.at("/usage/completion_tokens").asInt()).isEqualTo(5);
      assertThat(h.metric("vllm:prompt_tokens_total", "")).isEqualTo(prompt + firstPrompt);
      assertThat(h.metric("vllm:request_success_total", "finished_reason=\"length\"")).isEqualTo(1);
      assertThat(h.metric("vllm:request_success_total", "finished_reason=\"abort\"")).isEqualTo(1);
      assertThat(h.metric("vllm:e2e_request_latency_seconds_count", "")).isEqualTo(2);
      assertThat(h.metric("vllm:time_to_first_token_seconds_count", "")).isEqualTo(2);
      assertThat(h.metric("vllm:request_generation_tokens_sum", "")).isGreaterThanOrEqualTo(6);
      assertThat(h.metric("vllm:request_params_max_tokens_sum", "")).isEqualTo(1005);
      assertThat(h.metric("vllm:inter_token_latency_seconds_count", "")).isGreaterThanOrEqualTo(4);
      assertThat(h.metric("vllm:time_to_first_token_seconds_bucket", "le=\"+Inf\"")).isEqualTo(2);
      assertThat(h.metric("vllm:num_requests_running", "")).isZero();
      await("iteration tokens sampled", () -> h.metric("vllm:iteration_tokens_total_count", "") > 0);
      String text = h.get("/metrics").body();
      assertThat(text).contains("# TYPE vllm:prompt_tokens_total counter", "# TYPE vllm:e2e_request_latency_seconds histogram",
          "process_cpu_seconds_total", "jvm_memory_used_bytes{area=\"heap\"}");
      assertThat(h.get("/metrics").header("content-type")).startsWith("text/plain; version=0.0.4");
    }
  }
}
