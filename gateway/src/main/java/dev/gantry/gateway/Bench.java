package dev.gantry.gateway;

import dev.gantry.gateway.config.ConfigLoader;
import dev.gantry.gateway.config.GatewayConfig;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code gantry-gateway bench}: requests/s and latency percentiles straight to a stub upstream
 * and through the gateway (master key off, a virtual key with limits on, the H2 ledger on), at
 * several client counts, unary and streaming; optionally through another proxy given by
 * {@code --via URL} (e.g. nginx {@code proxy_pass} to {@code --stub-port}) as a yardstick.
 * Baseline first, same stub, same client; warm-up requests are not measured. Everything runs
 * in this one JVM on this machine, so the load generator competes for the same cores: the
 * added latency is an upper bound.
 */
final class Bench {
    private Bench() {}

    record Result(String target, int clients, boolean stream, int requests, double seconds, double p50Ms, double p99Ms, int errors) {
        double rps() {
            return requests / seconds;
        }
    }

    static int run(String[] args) throws Exception {
        int requests = 4000;
        int[] clients = {1, 16, 64};
        int stubPort = 0;
        String via = null;
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--requests" -> requests = Integer.parseInt(args[++i]);
                case "--clients" -> clients = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--stub-port" -> stubPort = Integer.parseInt(args[++i]);
                case "--via" -> via = args[++i];
                case "--out" -> out = Path.of(args[++i]);
                case "--help" -> {
                    System.out.println("gantry-gateway bench [--requests N (per run, default 4000)] [--clients 1,16,64] "
                            + "[--stub-port P] [--via URL of another proxy to the stub] [--out FILE.md]");
                    return 0;
                }
                default -> {
                    System.err.println("bench: unknown argument '" + args[i] + "'; see bench --help");
                    return 2;
                }
            }
        }
        java.util.logging.LogManager.getLogManager().reset(); // keep the output readable
        Path dir = Files.createTempDirectory("gantry-bench");
        try (StubUpstream stub = StubUpstream.onPort("bench", stubPort)) {
            stub.recordBodies = false;
            String yaml = """
                    model_list:
                      - model_name: bench
                        litellm_params: {model: openai/bench, api_base: %s}
                    general_settings: {master_key: sk-bench-master-key}
                    router_settings: {num_retries: 0}
                    """.formatted(stub.apiBase());
            GatewayConfig config = ConfigLoader.parse(yaml, "bench", Map.<String, String>of()::get);
            try (Gateway gateway = new Gateway(config, dir)) {
                int port = gateway.start("127.0.0.1", 0).port();
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
                var gen = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/key/generate"))
                        .header("Authorization", "Bearer sk-bench-master-key")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"key_alias\":\"bench\",\"rpm_limit\":100000000,\"tpm_limit\":100000000000,\"max_parallel_requests\":10000}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                String key = ApiError.JSON.readTree(gen.body()).path("key").asText();
                String direct = stub.apiBase();
                String gw = "http://127.0.0.1:" + port + "/v1";
                System.out.println("warming up ...");
                for (boolean stream : new boolean[] {false, true}) {
                    measure(client, "direct", direct, null, 16, stream, 2000);
                    measure(client, "gateway", gw, key, 16, stream, 4000);
                }
                List<Result> results = new ArrayList<>();
                for (boolean stream : new boolean[] {false, true}) {
                    for (int c : clients) {
                        results.add(measure(client, "direct", direct, null, c, stream, requests));
                        results.add(measure(client, "gateway", gw, key, c, stream, requests));
                        if (via != null) results.add(measure(client, "via", via, null, c, stream, requests));
                        printLast(results, via != null ? 3 : 2);
                    }
                }
                String table = table(results);
                System.out.println();
                System.out.println(table);
                if (out != null) Files.writeString(out, table);
            }
        }
        return 0;
    }

    private static void printLast(List<Result> results, int n) {
        for (Result r : results.subList(results.size() - n, results.size())) {
            System.out.printf(Locale.ROOT, "%-8s %-7s clients=%-3d %8.0f req/s  p50 %7.3f ms  p99 %7.3f ms  errors %d%n",
                    r.target, r.stream ? "stream" : "unary", r.clients, r.rps(), r.p50Ms, r.p99Ms, r.errors);
        }
    }

    static String table(List<Result> results) {
        StringBuilder t = new StringBuilder();
        t.append("| mode | clients | direct req/s | gateway req/s | direct p50 ms | gateway p50 ms | added p50 ms | direct p99 ms | gateway p99 ms | added p99 ms |");
        boolean via = results.stream().anyMatch(r -> r.target.equals("via"));
        if (via) t.append(" other proxy req/s | other proxy p50 ms | other proxy p99 ms |");
        t.append('\n').append("|---|---|---|---|---|---|---|---|---|---|").append(via ? "---|---|---|" : "").append('\n');
        for (Result d : results) {
            if (!d.target.equals("direct")) continue;
            Result g = results.stream().filter(r -> r.target.equals("gateway") && r.clients == d.clients && r.stream == d.stream).findFirst().orElseThrow();
            t.append(String.format(Locale.ROOT, "| %s | %d | %.0f | %.0f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |",
                    d.stream ? "stream" : "unary", d.clients, d.rps(), g.rps(), d.p50Ms, g.p50Ms, g.p50Ms - d.p50Ms,
                    d.p99Ms, g.p99Ms, g.p99Ms - d.p99Ms));
            if (via) {
                results.stream().filter(r -> r.target.equals("via") && r.clients == d.clients && r.stream == d.stream).findFirst()
                        .ifPresent(v -> t.append(String.format(Locale.ROOT, " %.0f | %.3f | %.3f |", v.rps(), v.p50Ms, v.p99Ms)));
            }
            t.append('\n');
        }
        return t.toString();
    }

    static Result measure(HttpClient client, String target, String base, String key, int clients, boolean stream, int requests)
            throws Exception {
        String body = "{\"model\":\"bench\",\"stream\":" + stream
                + ",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"benchmark prompt\"}]}";
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) b.header("Authorization", "Bearer " + key);
        HttpRequest request = b.build();
        long[] latencies = new long[requests];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        long start = System.nanoTime();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> workers = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                workers.add(pool.submit(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < requests) {
                        long t0 = System.nanoTime();
                        try {
                            HttpResponse<InputStream> res = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
                            try (InputStream in = res.body()) {
                                in.transferTo(java.io.OutputStream.nullOutputStream()); // to the last byte
                            }
                            if (res.statusCode() != 200) errors.incrementAndGet();
                        } catch (Exception e) {
                            errors.incrementAndGet();
                        }
                        latencies[i] = System.nanoTime() - t0;
                    }
                    return null;
                }));
            }
            for (var w : workers) w.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Arrays.sort(latencies);
        return new Result(target, clients, stream, requests, seconds, latencies[requests / 2] / 1e6,
                latencies[(int) Math.min(requests - 1, Math.ceil(requests * 0.99) - 1)] / 1e6, errors.get());
    }
}
