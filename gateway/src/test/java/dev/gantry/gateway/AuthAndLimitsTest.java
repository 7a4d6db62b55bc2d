package dev.gantry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AuthAndLimitsTest {
    static final String MASTER = "sk-master-test-123";
    private StubUpstream stub;
    private Harness h;

    @BeforeEach
    void start() throws Exception {
        stub = new StubUpstream("a");
        h = new Harness(Harness.config("m", List.of(stub), """
                  - model_name: other
                    litellm_params: {model: openai/other, api_base: %s, input_cost_per_token: 0.001, output_cost_per_token: 0.002}
                general_settings:
                  master_key: os.environ/TEST_MASTER_KEY
                """.formatted(stub.apiBase())));
    }

    @AfterEach
    void stop() {
        h.close();
        stub.close();
    }

    private JsonNode generate(String body) throws Exception {
        var res = h.post("/key/generate", body, MASTER);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return Harness.json(res.body());
    }

    private static void assertError(HttpResponse<String> res, int status, String code) throws Exception {
        assertThat(res.statusCode()).as(res.body()).isEqualTo(status);
        assertThat(Harness.json(res.body()).path("error").path("code").asText()).isEqualTo(code);
    }

    @Test
    void missingOrWrongKey_is401_masterKeyWorks() throws Exception {
        assertError(h.chat("m", null), 401, "invalid_api_key");
        var wrong = h.chat("m", "sk-not-a-real-key-000");
        assertError(wrong, 401, "invalid_api_key");
        assertThat(wrong.body()).doesNotContain("sk-not-a-real-key-000");
        assertThat(h.chat("m", MASTER).statusCode()).isEqualTo(200);
    }

    @Test
    void keyLifecycle_generateInfoUpdateBlockDelete() throws Exception {
        JsonNode k = generate("{\"key_alias\":\"team-a\",\"models\":[\"m\"],\"rpm_limit\":100}");
        String key = k.path("key").asText();
        assertThat(key).startsWith("sk-").hasSizeGreaterThan(30);
        assertThat(k.path("token").asText()).hasSize(64).isNotEqualTo(key);

        assertThat(h.chat("m", key).statusCode()).isEqualTo(200);
        assertError(h.chat("other", key), 403, "model_not_allowed");
        assertThat(Harness.json(h.get("/v1/models", key).body()).path("data")).hasSize(1);

        var info = Harness.json(h.get("/key/info?key=" + key, MASTER).body());
        assertThat(info.path("info").path("key_alias").asText()).isEqualTo("team-a");
        assertThat(info.path("info").path("rpm_limit").asLong()).isEqualTo(100);

        assertThat(h.post("/key/update", "{\"key\":\"" + key + "\",\"blocked\":true}", MASTER).statusCode()).isEqualTo(200);
        assertError(h.chat("m", key), 403, "key_blocked");
        assertThat(h.post("/key/update", "{\"key\":\"" + key + "\",\"blocked\":false,\"models\":[]}", MASTER).statusCode()).isEqualTo(200);
        assertThat(h.chat("other", key).statusCode()).as("update is visible at once (cache invalidated)").isEqualTo(200);

        var list = Harness.json(h.get("/key/list", MASTER).body());
        assertThat(list.path("keys").toString()).contains(k.path("token").asText());

        assertThat(h.post("/key/delete", "{\"keys\":[\"" + key + "\"]}", MASTER).statusCode()).isEqualTo(200);
        assertError(h.chat("m", key), 401, "invalid_api_key");
        assertError(h.get("/key/info?key=" + key, MASTER), 404, "key_not_found");
    }

    @Test
    void expiredKey_is401_andVirtualKeyCannotUseAdminApi() throws Exception {
        String expired = generate("{\"expires\":\"2000-01-01T00:00:00Z\"}").path("key").asText();
        assertError(h.chat("m", expired), 401, "key_expired");
        String key = generate("{\"duration\":\"1h\"}").path("key").asText();
        assertThat(h.chat("m", key).statusCode()).isEqualTo(200);
        assertError(h.post("/key/generate", "{}", key), 403, "not_admin");
        assertError(h.post("/key/generate", "{}", null), 401, "invalid_api_key");
    }

    @Test
    void adminApi_rejectsBadFieldsWithTheirName() throws Exception {
        var res = h.post("/key/generate", "{\"rpm_limt\":5}", MASTER);
        assertThat(res.statusCode()).isEqualTo(400);
        assertThat(res.body()).contains("unknown field 'rpm_limt'");
        var bad = h.post("/key/generate", "{\"duration\":\"forever\"}", MASTER);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("'duration' must be like");
    }

    @Test
    void keysAreStoredOnlyAsDigests() throws Exception {
        String key = generate("{\"key_alias\":\"x\"}").path("key").asText();
        try (var c = h.gateway.database.connection(); var st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT * FROM gateway_keys")) {
            while (rs.next()) {
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    assertThat(String.valueOf(rs.getObject(i))).doesNotContain(key).doesNotContain(key.substring(3, 20));
                }
            }
        }
    }

    @Test
    void rpmLimit_gives429WithRetryAfterNamingTheLimit() throws Exception {
        String key = generate("{\"key_alias\":\"rpm2\",\"rpm_limit\":2}").path("key").asText();
        assertThat(h.chat("m", key).statusCode()).isEqualTo(200);
        assertThat(h.chat("m", key).statusCode()).isEqualTo(200);
        var res = h.chat("m", key);
        assertError(res, 429, "rpm_limit");
        assertThat(res.body()).contains("rpm_limit 2 of key 'rpm2'");
        assertThat(Long.parseLong(res.headers().firstValue("retry-after").orElseThrow())).isBetween(1L, 61L);
        assertThat(stub.requests.get()).isEqualTo(2);
    }

    @Test
    void perModelRpmLimit_appliesOnlyToThatModel() throws Exception {
        String key = generate("{\"model_rpm_limit\":{\"m\":1}}").path("key").asText();
        assertThat(h.chat("m", key).statusCode()).isEqualTo(200);
        assertError(h.chat("m", key), 429, "rpm_limit");
        assertThat(h.chat("other", key).statusCode()).isEqualTo(200);
    }

    @Test
    void tpmLimit_reservesMaxTokens_andReconcilesWithRealUsage() throws Exception {
        String key = generate("{\"key_alias\":\"tpm\",\"tpm_limit\":200}").path("key").asText();
        var tooBig = h.post("/v1/chat/completions",
                "{\"model\":\"m\",\"max_tokens\":500,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", key);
        assertError(tooBig, 429, "tpm_limit");
        assertThat(tooBig.body()).contains("tpm_limit 200 of key 'tpm'").contains("reserves");
        // max_tokens 100 reserves ~107 tokens: without reconciliation only one request would fit in 200;
        // the stub really uses ~25 per request, so several fit before the limit bites.
        String body = "{\"model\":\"m\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        int ok = 0;
        for (int i = 0; i < 10; i++) {
            if (h.post("/v1/chat/completions", body, key).statusCode() == 200) ok++;
        }
        assertThat(ok).isBetween(3, 9);
    }

    @Test
    void maxParallelRequests_rejectsTheSecondConcurrentRequest() throws Exception {
        String key = generate("{\"max_parallel_requests\":1}").path("key").asText();
        stub.firstChunkDelayMillis = 600;
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<HttpResponse<String>> first = pool.submit(() -> h.chat("m", key));
            Thread.sleep(200);
            assertError(h.chat("m", key), 429, "parallel_limit");
            assertThat(first.get().statusCode()).isEqualTo(200);
        }
        stub.firstChunkDelayMillis = 0;
        assertThat(h.chat("m", key).statusCode()).as("the slot is given back").isEqualTo(200);
    }

    @Test
    void budget_inDollarsFromThePriceTable_stopsTheKey_andSpendReachesTheDatabase() throws Exception {
        JsonNode k = generate("{\"max_budget\":0.05}");
        String key = k.path("key").asText();
        // 'other' costs 0.001/prompt token + 0.002/completion token; a request costs ~0.05.
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 3; i++) statuses.add(h.chat("other", key).statusCode());
        assertThat(statuses).contains(200).contains(429);
        assertError(h.chat("other", key), 429, "budget_exceeded");
        h.awaitLedgerRows(4);
        try (var c = h.gateway.database.connection(); var st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT spend, spend_tokens FROM gateway_keys")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getDouble(1)).isGreaterThanOrEqualTo(0.05);
            assertThat(rs.getLong(2)).isPositive();
        }
    }

    @Test
    void tokenBudget_stopsTheKey() throws Exception {
        String key = generate("{\"max_budget_tokens\":10}").path("key").asText();
        assertThat(h.chat("m", key).statusCode()).isEqualTo(200);
        assertError(h.chat("m", key), 429, "budget_exceeded");
    }
}
