package dev.gantry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.embedded.RedisServer;

/** Limits shared through a real redis-server (embedded-redis starts the binary it ships). */
class RedisLimitsTest {
    static final String MASTER = AuthAndLimitsTest.MASTER;
    private RedisServer redis;
    private int redisPort;
    private StubUpstream stub;
    private final List<Harness> gateways = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            redisPort = s.getLocalPort();
        }
        redis = new RedisServer(redisPort);
        redis.start();
        stub = new StubUpstream("a");
    }

    @AfterEach
    void stop() throws Exception {
        gateways.forEach(Harness::close);
        stub.close();
        if (redis.isActive()) redis.stop();
    }

    private Harness gateway(Path dataDir, String mode, String deploymentLimits) {
        Harness h = new Harness("""
                model_list:
                  - model_name: m
                    litellm_params: {model: openai/x, api_base: %s%s}
                router_settings:
                  redis_host: 127.0.0.1
                  redis_port: %d
                  redis_failure_mode: %s
                general_settings:
                  master_key: os.environ/TEST_MASTER_KEY
                """.formatted(stub.apiBase(), deploymentLimits, redisPort, mode), dataDir);
        gateways.add(h);
        long deadline = System.currentTimeMillis() + 30_000;
        try {
            while (!h.get("/health/readiness", null).body().contains(" connected (")) {
                if (System.currentTimeMillis() > deadline) throw new AssertionError("the gateway did not connect to Redis in 30 s");
                Thread.sleep(50);
            }
        } catch (java.io.IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
        return h;
    }

    @Test
    void keyLimits_areSharedByTwoGateways() throws Exception {
        Path shared = Files.createTempDirectory("gw-shared"); // same embedded database: same keys
        Harness a = gateway(shared, "fail_open", "");
        Harness b = gateway(shared, "fail_open", "");
        var gen = a.post("/key/generate", "{\"key_alias\":\"shared\",\"rpm_limit\":4,\"max_parallel_requests\":1}", MASTER);
        String key = Harness.json(gen.body()).path("key").asText();
        int ok = 0;
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int s = (i % 2 == 0 ? a : b).chat("m", key).statusCode();
            statuses.add(s);
            if (s == 200) ok++;
        }
        assertThat(ok).as("rpm 4 across both gateways: " + statuses).isEqualTo(4);
        assertThat(statuses.subList(4, 8)).containsOnly(429);
    }

    /** Polls until {@code h} answers {@code status} for the key; returns the milliseconds it took. */
    private static long millisUntil(Harness h, String key, int status) throws Exception {
        long start = System.currentTimeMillis();
        while (h.chat("m", key).statusCode() != status) {
            if (System.currentTimeMillis() - start > 10_000) throw new AssertionError("no " + status + " within 10 s");
            Thread.sleep(20);
        }
        return System.currentTimeMillis() - start;
    }

    @Test
    void keyBlockUpdateAndDelete_reachTheOtherGatewayAtOnce_throughRedisPubSub() throws Exception {
        Path shared = Files.createTempDirectory("gw-shared");
        Harness a = gateway(shared, "fail_open", "");
        Harness b = gateway(shared, "fail_open", "");
        String key = Harness.json(a.post("/key/generate", "{\"key_alias\":\"rotating\"}", MASTER).body()).path("key").asText();
        assertThat(b.chat("m", key).statusCode()).as("b caches the key").isEqualTo(200);

        assertThat(a.post("/key/update", "{\"key\":\"" + key + "\",\"blocked\":true}", MASTER).statusCode()).isEqualTo(200);
        // Without the broadcast b would serve its cached copy for Auth.CACHE_TTL (30 s).
        assertThat(millisUntil(b, key, 403)).as("block seen by the other gateway").isLessThan(5_000);
        assertThat(a.post("/key/update", "{\"key\":\"" + key + "\",\"blocked\":false}", MASTER).statusCode()).isEqualTo(200);
        assertThat(millisUntil(b, key, 200)).as("unblock seen by the other gateway").isLessThan(5_000);
        assertThat(a.post("/key/delete", "{\"keys\":[\"" + key + "\"]}", MASTER).statusCode()).isEqualTo(200);
        assertThat(millisUntil(b, key, 401)).as("delete seen by the other gateway").isLessThan(5_000);
    }

    @Test
    void budgetSpentThroughOneGateway_stopsTheOtherWithinASecond() throws Exception {
        Path shared = Files.createTempDirectory("gw-shared");
        Harness a = gateway(shared, "fail_open", "");
        Harness b = gateway(shared, "fail_open", "");
        // The stub answers 27 tokens per request (24 prompt + 3 completion).
        var generated = Harness.json(a.post("/key/generate", "{\"max_budget_tokens\":60}", MASTER).body());
        String key = generated.path("key").asText();
        String digest = generated.path("token").asText();
        assertThat(b.chat("m", key).statusCode()).as("b caches the key with 27 tokens spent").isEqualTo(200);
        assertThat(a.chat("m", key).statusCode()).isEqualTo(200);
        assertThat(a.chat("m", key).statusCode()).isEqualTo(200);
        // 81 tokens spent in all. Without sharing, b would count only its own 27 (< 60) until its
        // cached copy of the key expires (Auth.CACHE_TTL, 30 s). Watched without spending through b.
        long start = System.currentTimeMillis();
        while (b.gateway.auth.cachedSpend(digest).orElseThrow()[1] < 81) {
            if (System.currentTimeMillis() - start > 5_000) {
                throw new AssertionError("b counts " + b.gateway.auth.cachedSpend(digest).orElseThrow()[1] + " tokens, not 81");
            }
            Thread.sleep(20);
        }
        var rejected = b.chat("m", key);
        assertThat(rejected.statusCode()).as(rejected.body()).isEqualTo(429);
        assertThat(rejected.body()).contains("budget");
    }

    @Test
    void parallelAndTpmLimits_areSharedByTwoGateways() throws Exception {
        Path shared = Files.createTempDirectory("gw-shared");
        Harness a = gateway(shared, "fail_open", "");
        Harness b = gateway(shared, "fail_open", "");
        String key = Harness.json(a.post("/key/generate", "{\"max_parallel_requests\":1,\"tpm_limit\":150}", MASTER).body())
                .path("key").asText();
        stub.firstChunkDelayMillis = 600;
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            int before = stub.requests.get();
            Future<HttpResponse<String>> first = pool.submit(() -> a.chat("m", key));
            // The first request holds the slot once it reached the stub (which then waits 600 ms).
            long deadline = System.currentTimeMillis() + 10_000;
            while (stub.requests.get() == before && System.currentTimeMillis() < deadline) Thread.sleep(5);
            var second = b.chat("m", key);
            assertThat(second.statusCode()).as(second.body()).isEqualTo(429);
            assertThat(second.body()).contains("max_parallel_requests 1");
            assertThat(first.get().statusCode()).isEqualTo(200);
        }
        stub.firstChunkDelayMillis = 0;
        // tpm 150, each request reserves ~22 and really uses ~25 after reconciliation.
        int ok = 0;
        HttpResponse<String> last = null;
        for (int i = 0; i < 12; i++) {
            last = (i % 2 == 0 ? a : b).chat("m", key);
            if (last.statusCode() == 200) ok++;
        }
        assertThat(last.statusCode()).isEqualTo(429);
        assertThat(last.body()).contains("tpm_limit 150");
        assertThat(ok).isBetween(3, 7);
    }

    @Test
    void modelRpm_fromDeployments_isSharedByTwoGateways() throws Exception {
        Harness a = gateway(Files.createTempDirectory("gw-a"), "fail_open", ", rpm: 3");
        Harness b = gateway(Files.createTempDirectory("gw-b"), "fail_open", ", rpm: 3");
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 6; i++) statuses.add((i % 2 == 0 ? a : b).chat("m", MASTER).statusCode());
        assertThat(statuses).containsExactly(200, 200, 200, 429, 429, 429);
    }

    @Test
    void redisDown_failOpen_admitsAndCounts() throws Exception {
        Harness a = gateway(Files.createTempDirectory("gw-a"), "fail_open", ", rpm: 2");
        assertThat(a.chat("m", MASTER).statusCode()).isEqualTo(200);
        redis.stop();
        for (int i = 0; i < 4; i++) assertThat(a.chat("m", MASTER).statusCode()).isEqualTo(200);
        assertThat(a.gateway.metrics.redisFailures.value("fail_open")).isGreaterThanOrEqualTo(4);
        assertThat(a.get("/metrics", null).body()).contains("gantry_gateway_redis_failures_total{mode=\"fail_open\"}");
    }

    @Test
    void redisDown_failClosed_rejectsWith503_andRecovers() throws Exception {
        Harness a = gateway(Files.createTempDirectory("gw-a"), "fail_closed", ", rpm: 100");
        assertThat(a.chat("m", MASTER).statusCode()).isEqualTo(200);
        redis.stop();
        var res = a.chat("m", MASTER);
        assertThat(res.statusCode()).isEqualTo(503);
        assertThat(Harness.json(res.body()).path("error").path("code").asText()).isEqualTo("rate_limiter_unavailable");
        assertThat(res.body()).contains("fail_closed");
        assertThat(stub.requests.get()).isEqualTo(1);
        assertThat(a.get("/health/readiness", null).statusCode()).as("fail_closed without Redis is not ready").isEqualTo(503);
        redis = new RedisServer(redisPort);
        redis.start();
        long deadline = System.currentTimeMillis() + 15_000;
        int status = 0;
        while (System.currentTimeMillis() < deadline && (status = a.chat("m", MASTER).statusCode()) != 200) Thread.sleep(200);
        assertThat(status).as("back to normal once Redis is back").isEqualTo(200);
    }
}
