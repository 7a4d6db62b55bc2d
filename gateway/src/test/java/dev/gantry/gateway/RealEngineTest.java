package dev.gantry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.engine.model.Architecture;
import dev.gantry.engine.server.LoopbackEngine;
import dev.gantry.engine.testing.TestModels;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway in front of the real engine server (dev.gantry.engine.server) on loopback, with
 * small random-weight models written as files: chat completions unary and streamed with a
 * virtual key, the ledger holding the engine's own token counts, and engine-aware routing
 * reading the real engines' /metrics.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealEngineTest {
    static final String MASTER = "sk-master-test-123";
    @TempDir
    static Path dir;
    /** A slow engine (a wider model, one thread, one sequence at a time): easy to load up. */
    static LoopbackEngine slow;
    /** The tiny default model: answers in milliseconds. */
    static LoopbackEngine fast;
    static Harness h;
    static String key;

    @BeforeAll
    static void start() throws Exception {
        Path tiny = TestModels.write(dir.resolve("tiny"), TestModels.spec(Architecture.LLAMA)).path();
        Path wide = TestModels.write(dir.resolve("wide"),
                TestModels.spec(Architecture.LLAMA).dims(512, 384, 1024, 4, 6, 2)).path();
        slow = LoopbackEngine.start(wide, "tiny-llama", 1, 1);
        fast = LoopbackEngine.start(tiny, "tiny-llama", 8, 1);
        h = new Harness("""
                model_list:
                  - model_name: tiny
                    litellm_params: {model: openai/tiny-llama, api_base: %s, input_cost_per_token: 0.001, output_cost_per_token: 0.002}
                    model_info: {id: slow-engine}
                  - model_name: tiny
                    litellm_params: {model: openai/tiny-llama, api_base: %s, input_cost_per_token: 0.001, output_cost_per_token: 0.002}
                    model_info: {id: fast-engine}
                router_settings: {routing_strategy: engine-aware}
                general_settings: {master_key: os.environ/TEST_MASTER_KEY}
                gantry_settings: {health_check_interval: 0.05}
                """.formatted(slow.apiBase(), fast.apiBase()), dir.resolve("gateway"));
        var res = h.post("/key/generate", "{\"key_alias\":\"team-engine\",\"models\":[\"tiny\"],\"rpm_limit\":1000}", MASTER);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        key = Harness.json(res.body()).path("key").asText();
    }

    @AfterAll
    static void stop() {
        if (h != null) h.close();
        if (slow != null) slow.close();
        if (fast != null) fast.close();
    }

    private static String body(boolean stream, int maxTokens) {
        return "{\"model\":\"tiny\",\"stream\":" + stream + ",\"max_tokens\":" + maxTokens + ",\"ignore_eos\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hello there, engine\"}]}";
    }

    /** The ledger row of one request: deployment, prompt tokens, completion tokens, status, key alias. */
    private static List<Object> ledgerRow(String requestId) throws Exception {
        try (var c = h.gateway.database.connection(); var st = c.prepareStatement(
                "SELECT deployment, prompt_tokens, completion_tokens, status, key_alias, cost FROM usage_records WHERE request_id = ?")) {
            st.setString(1, requestId);
            try (var rs = st.executeQuery()) {
                assertThat(rs.next()).as("ledger row for %s", requestId).isTrue();
                return List.of(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getInt(4), rs.getString(5), rs.getDouble(6));
            }
        }
    }

    private static long ledgerRows() throws Exception {
        try (var c = h.gateway.database.connection(); var st = c.createStatement();
             var rs = st.executeQuery("SELECT COUNT(*) FROM usage_records")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** A counter from an engine's /metrics, e.g. vllm:generation_tokens_total. */
    private static double engineMetric(LoopbackEngine e, String name) throws Exception {
        String base = e.apiBase().substring(0, e.apiBase().length() - 3);
        String text = Harness.CLIENT.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$", Pattern.MULTILINE).matcher(text);
        assertThat(m.find()).as("%s in /metrics", name).isTrue();
        return Double.parseDouble(m.group(2));
    }

    /** Waits until the gateway has read both engines' /metrics at least once. */
    private static void awaitMetricsRead() throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            if (h.gateway.router.all().stream().allMatch(u -> u.waiting >= 0 && u.kvCacheUsage >= 0)) return;
            Thread.sleep(10);
        }
        throw new AssertionError("the gateway never read the engines' /metrics");
    }

    @Test
    @Order(1)
    void unaryAndStreamedChat_throughGateway_withVirtualKey_ledgerHoldsTheEnginesTokenCounts() throws Exception {
        awaitMetricsRead();
        double promptBefore = engineMetric(fast, "vllm:prompt_tokens_total") + engineMetric(slow, "vllm:prompt_tokens_total");
        double generatedBefore = engineMetric(fast, "vllm:generation_tokens_total")
                + engineMetric(slow, "vllm:generation_tokens_total");
        long rowsBefore = ledgerRows();

        var unary = h.post("/v1/chat/completions", body(false, 7), key);
        assertThat(unary.statusCode()).as(unary.body()).isEqualTo(200);
        JsonNode answer = Harness.json(unary.body());
        assertThat(answer.path("object").asText()).isEqualTo("chat.completion");
        assertThat(answer.path("model").asText()).as("the engine's served name").isEqualTo("tiny-llama");
        long prompt = answer.path("usage").path("prompt_tokens").asLong();
        assertThat(prompt).isPositive();
        assertThat(answer.path("usage").path("completion_tokens").asLong()).as("ignore_eos: max_tokens exactly").isEqualTo(7);
        String unaryId = unary.headers().firstValue("X-Request-Id").orElseThrow();

        Harness.Streamed streamed = h.stream(body(true, 5), key);
        assertThat(streamed.status()).isEqualTo(200);
        List<String> data = streamed.data();
        assertThat(data.getLast()).isEqualTo("data: [DONE]");
        List<JsonNode> chunks = new ArrayList<>();
        for (String d : data.subList(0, data.size() - 1)) chunks.add(Harness.json(d.substring(6)));
        assertThat(chunks).allSatisfy(c -> assertThat(c.path("object").asText()).isEqualTo("chat.completion.chunk"));
        assertThat(chunks).as("the usage chunk the gateway asked for is not passed on: the client did not ask")
                .noneMatch(c -> c.path("choices").isEmpty());
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> text.append(c.path("choices").path(0).path("delta").path("content").asText("")));

        h.awaitLedgerRows(rowsBefore + 2);
        List<Object> u = ledgerRow(unaryId);
        assertThat(u.get(1)).isEqualTo(prompt);
        assertThat(u.get(2)).isEqualTo(7L);
        assertThat(u.subList(3, 5)).containsExactly(200, "team-engine");
        assertThat((double) u.get(5)).isCloseTo(prompt * 0.001 + 7 * 0.002, org.assertj.core.data.Offset.offset(1e-9));

        try (var c = h.gateway.database.connection(); var st = c.prepareStatement(
                "SELECT SUM(prompt_tokens), SUM(completion_tokens), COUNT(*) FROM usage_records WHERE key_alias = 'team-engine'")) {
            try (var rs = st.executeQuery()) {
                rs.next();
                // Both requests' counts, exactly as the engines counted them in their own /metrics.
                double promptNow = engineMetric(fast, "vllm:prompt_tokens_total") + engineMetric(slow, "vllm:prompt_tokens_total");
                double generatedNow = engineMetric(fast, "vllm:generation_tokens_total")
                        + engineMetric(slow, "vllm:generation_tokens_total");
                assertThat(rs.getLong(3)).isEqualTo(2);
                assertThat(rs.getLong(1)).isEqualTo((long) (promptNow - promptBefore));
                assertThat(rs.getLong(2)).isEqualTo((long) (generatedNow - generatedBefore)).isEqualTo(12);
            }
        }
        var info = Harness.json(h.get("/key/info?key=" + key, MASTER).body());
        assertThat(info.toString()).as("spend per key").contains("team-engine");
    }

    @Test
    @Order(2) // it leaves the slow engine busy
    void engineAware_readsTheRealEnginesMetrics_andRoutesAwayFromTheLoadedOne() throws Exception {
        awaitMetricsRead();
        Upstream slowUp = h.gateway.router.byId("slow-engine").orElseThrow();
        // Load the slow engine directly (not through the gateway): one request runs, the rest wait.
        List<CompletableFuture<HttpResponse<String>>> load = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            load.add(Harness.CLIENT.sendAsync(HttpRequest.newBuilder(URI.create(slow.apiBase() + "/chat/completions"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body(false, 200).replace("\"tiny\"", "\"tiny-llama\"")))
                    .build(), HttpResponse.BodyHandlers.ofString()));
        }
        long deadline = System.currentTimeMillis() + 10_000;
        while (slowUp.waiting < 1 && System.currentTimeMillis() < deadline) Thread.sleep(5);
        assertThat(slowUp.waiting).as("vllm:num_requests_waiting read from the real engine").isGreaterThanOrEqualTo(1);
        assertThat(slowUp.kvCacheUsage).as("vllm:kv_cache_usage_perc").isBetween(0.0, 1.0);

        long rowsBefore = ledgerRows();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            var res = h.post("/v1/chat/completions", body(false, 2), key);
            assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
            ids.add(res.headers().firstValue("X-Request-Id").orElseThrow());
        }
        assertThat(slowUp.waiting).as("the slow engine still had a queue while the requests went through").isGreaterThanOrEqualTo(1);
        h.awaitLedgerRows(rowsBefore + 3);
        for (String id : ids) assertThat(ledgerRow(id).get(0)).as("deployment of %s", id).isEqualTo("fast-engine");
        load.forEach(f -> f.cancel(true));
    }
}
