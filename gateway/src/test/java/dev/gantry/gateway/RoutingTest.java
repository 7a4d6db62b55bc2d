package dev.gantry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.gateway.config.ConfigLoader;
import dev.gantry.gateway.config.GatewayConfig;
import dev.gantry.gateway.config.RoutingStrategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class RoutingTest {
    private static Router router(String strategy, String... weights) {
        StringBuilder y = new StringBuilder("model_list:\n");
        for (int i = 0; i < weights.length; i++) {
            y.append("  - model_name: m\n    litellm_params: {model: openai/x, api_base: \"http://h").append(i)
                    .append(":8000/v1\"").append(weights[i].isEmpty() ? "" : ", weight: " + weights[i]).append("}\n");
        }
        y.append("router_settings: {routing_strategy: ").append(strategy).append("}\n");
        GatewayConfig c = ConfigLoader.parse(y.toString(), "t", Map.<String, String>of()::get);
        return new Router(c, new Metrics(), System::nanoTime);
    }

    private static Upstream pick(Router r) {
        return ((Router.Pick.Chosen) r.pick("m", Set.of())).upstream();
    }

    @Test
    void simpleShuffle_followsWeights() {
        Router r = router("simple-shuffle", "3", "1");
        int first = 0;
        for (int i = 0; i < 4000; i++) if (pick(r).id().equals("m#0")) first++;
        // Expected 3000; the binomial standard deviation is ~27, so 2800..3200 is > 7 sigma.
        assertThat(first).isBetween(2800, 3200);
    }

    @Test
    void leastBusy_picksFewestInFlight() {
        Router r = router("least-busy", "", "", "");
        var all = new ArrayList<>(r.all());
        all.get(0).inFlight.set(5);
        all.get(1).inFlight.set(1);
        all.get(2).inFlight.set(3);
        for (int i = 0; i < 50; i++) assertThat(pick(r).id()).isEqualTo("m#1");
    }

    @Test
    void engineAware_prefersFewerWaiting_thenLowerKvCache() {
        Router r = router("engine-aware", "", "", "");
        var all = new ArrayList<>(r.all());
        all.get(0).waiting = 4;
        all.get(0).kvCacheUsage = 0.1;
        all.get(1).waiting = 0;
        all.get(1).kvCacheUsage = 0.9;
        all.get(2).waiting = 0;
        all.get(2).kvCacheUsage = 0.2;
        for (int i = 0; i < 50; i++) assertThat(pick(r).id()).isEqualTo("m#2");
    }

    @Test
    void pick_skipsTriedAndUnhealthy_andReportsWhyNoneIsLeft() {
        Router r = router("simple-shuffle", "", "");
        var all = new ArrayList<>(r.all());
        all.get(1).healthy = false;
        assertThat(pick(r).id()).isEqualTo("m#0");
        var none = (Router.Pick.NoneAvailable) r.pick("m", Set.of(all.get(0)));
        assertThat(none).isEqualTo(new Router.Pick.NoneAvailable(2, 0, 1, 1));
    }

    @Test
    void strategy_enumNamesMatchLiteLlm() {
        assertThat(RoutingStrategy.byConfigName("simple-shuffle")).hasValue(RoutingStrategy.SIMPLE_SHUFFLE);
        assertThat(RoutingStrategy.byConfigName("least-busy")).hasValue(RoutingStrategy.LEAST_BUSY);
    }

    @Test
    void healthMonitor_parsesVllmMetrics() {
        String text = """
                # HELP vllm:num_requests_waiting x
                vllm:num_requests_waiting{model_name="a"} 3.0
                vllm:num_requests_waiting_total 99
                vllm:kv_cache_usage_perc{model_name="a"} 0.25
                """;
        assertThat(HealthMonitor.sum(text, "vllm:num_requests_waiting")).isEqualTo(3.0);
        assertThat(HealthMonitor.sum(text, "vllm:kv_cache_usage_perc")).isEqualTo(0.25);
        assertThat(HealthMonitor.sum(text, "vllm:num_requests_running")).isEqualTo(-1);
    }

    @Test
    void engineAware_endToEnd_sendsTrafficToTheLeastLoadedEngine() throws Exception {
        try (StubUpstream busy = new StubUpstream("busy"); StubUpstream idle = new StubUpstream("idle")) {
            busy.waiting = 12;
            busy.kvCacheUsage = 0.95;
            idle.waiting = 0;
            idle.kvCacheUsage = 0.1;
            try (Harness h = new Harness(Harness.config("m", List.of(busy, idle), """
                    router_settings: {routing_strategy: engine-aware}
                    gantry_settings: {health_check_interval: 0.1}
                    """))) {
                long deadline = System.currentTimeMillis() + 3000;
                var router = h.gateway.router;
                while ((router.byId("busy").orElseThrow().waiting < 0 || router.byId("idle").orElseThrow().waiting < 0)
                        && System.currentTimeMillis() < deadline) {
                    Thread.sleep(20);
                }
                for (int i = 0; i < 10; i++) assertThat(h.chat("m", null).statusCode()).isEqualTo(200);
                assertThat(idle.requests.get()).isEqualTo(10);
                assertThat(busy.requests.get()).isZero();
            }
        }
    }

    @Test
    void leastBusy_endToEnd_spreadsConcurrentSlowRequests() throws Exception {
        try (StubUpstream a = new StubUpstream("a"); StubUpstream b = new StubUpstream("b")) {
            a.firstChunkDelayMillis = 400;
            b.firstChunkDelayMillis = 400;
            try (Harness h = new Harness(Harness.config("m", List.of(a, b), "router_settings: {routing_strategy: least-busy}\n"));
                 var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<Integer>> results = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    results.add(pool.submit(() -> h.chat("m", null).statusCode()));
                    Thread.sleep(30); // each arrives while the earlier ones are still in flight
                }
                for (var f : results) assertThat(f.get()).isEqualTo(200);
                assertThat(a.requests.get()).isEqualTo(4);
                assertThat(b.requests.get()).isEqualTo(4);
            }
        }
    }
}
