package dev.gantry.engine.server;

import static dev.gantry.engine.server.ServerHarness.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.engine.api.FaultInjection;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real engine whose forward pass fails (a backend fault injected under the step loop): the
 * request gets an OpenAI-shaped 500, or in a stream one {@code data: {"error": ...}} event and
 * {@code data: [DONE]} as vLLM sends; nothing of the fault reaches the client, the KV blocks go
 * back to the pool, and the engine serves the next request.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EngineFaultTest {
  /** Forward passes left before the backend fails (and keeps failing); -1: it never does. */
  static final AtomicInteger FAIL_AFTER = new AtomicInteger(-1);
  @TempDir static Path dir;
  static ServerHarness h;

  @BeforeAll
  static void start() {
    h = ServerHarness.start(ServerHarness.writeModel(dir), b -> FaultInjection.failForwardWhile(b,
        () -> FAIL_AFTER.getAndUpdate(n -> n > 0 ? n - 1 : n) == 0), c -> c);
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  @AfterEach
  void recover() {
    FAIL_AFTER.set(-1);
  }

  private static void assertNoInternals(String body) {
    assertThat(body).doesNotContain("injected", "0xdeadbeef", "/opt/gantry", "IllegalStateException", "Exception",
        "at dev.gantry");
  }

  private static void assertEngineRecovered() {
    assertThat(h.engine.stats().kvCacheUsage()).as("KV blocks back in the pool").isZero();
    assertThat(h.engine.stats().numRunning()).isZero();
    ServerHarness.Reply next = h.post("/v1/completions", json("prompt", "Hello", "max_tokens", 3));
    assertThat(next.status()).as("the engine serves the next request: %s", next.body()).isEqualTo(200);
    assertThat(h.get("/health").status()).isEqualTo(200);
  }

  @Test
  void backendFault_inANonStreamingRequest_is500_withoutInternals() {
    FAIL_AFTER.set(0);
    ServerHarness.Reply r = h.post("/v1/completions", json("prompt", "Hello", "max_tokens", 5, "n", 2));
    JsonNode e = r.error(500);
    assertThat(e.get("type").asText()).isEqualTo("server_error");
    assertThat(e.get("code").asText()).isEqualTo("internal_error");
    assertThat(e.get("message").asText()).contains("was not completed", "server log");
    assertThat(r.header("content-type")).startsWith("application/json");
    assertNoInternals(r.body());
    FAIL_AFTER.set(-1);
    assertEngineRecovered();
  }

  @Test
  void backendFault_inAChatStream_sendsOneErrorEvent_thenDone_andNoUsage() {
    FAIL_AFTER.set(0);
    ServerHarness.Reply r = h.post("/v1/chat/completions", json("messages", List.of(Map.of("role", "user", "content", "Hi")),
        "max_tokens", 5, "stream", true, "stream_options", Map.of("include_usage", true)));
    assertThat(r.status()).isEqualTo(200); // the status was sent before the engine failed
    assertNoInternals(r.body());
    List<JsonNode> events = ServerHarness.parseSse(r.body()); // asserts the stream ends with data: [DONE]
    assertThat(events).hasSize(2);
    assertThat(events.get(0).at("/choices/0/delta/role").asText()).isEqualTo("assistant");
    JsonNode error = events.get(1).get("error");
    assertThat(error).as("error event in %s", r.body()).isNotNull();
    assertThat(error.get("type").asText()).isEqualTo("server_error");
    assertThat(error.get("code").asText()).isEqualTo("internal_error");
    assertThat(events.get(1).has("choices")).isFalse();
    FAIL_AFTER.set(-1);
    assertEngineRecovered();
  }

  @Test
  void backendFault_midStream_endsTheStreamWithTheErrorEvent_afterTheTokensSoFar() {
    FAIL_AFTER.set(6); // the prefill and five decode steps succeed, then the backend fails
    ServerHarness.Reply r = h.post("/v1/completions", json("prompt", "The quick brown fox", "max_tokens", 100,
        "ignore_eos", true, "stream", true, "n", 2));
    assertThat(r.status()).isEqualTo(200);
    assertNoInternals(r.body());
    List<JsonNode> events = ServerHarness.parseSse(r.body()); // ends with data: [DONE]
    JsonNode last = events.get(events.size() - 1);
    assertThat(last.get("error").get("code").asText()).as(r.body()).isEqualTo("internal_error");
    assertThat(events.stream().filter(e -> e.has("error")).count()).as("one error event for both choices").isEqualTo(1);
    List<JsonNode> chunks = events.subList(0, events.size() - 1);
    assertThat(chunks).as("the tokens generated before the fault were streamed").hasSizeGreaterThanOrEqualTo(2);
    assertThat(chunks).allSatisfy(c -> assertThat(c.at("/choices/0/finish_reason").isNull()).isTrue());
    FAIL_AFTER.set(-1);
    assertEngineRecovered();
  }
}
