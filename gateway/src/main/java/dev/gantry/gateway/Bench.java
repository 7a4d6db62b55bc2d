package dev.gantry.gateway;

import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code gantry-gateway bench}: the load generator. Requests/s and latency percentiles
 * straight to a stub upstream ({@code --direct}) and through a running gateway
 * ({@code --gateway}; a virtual key with limits is created with {@code --master-key}, so auth,
 * limits and the ledger are on), at several client counts, unary and streaming; optionally
 * through another proxy ({@code --via}, e.g. nginx {@code proxy_pass} to the same stub) as a
 * yardstick. Stub, gateway and this generator are separate JVMs ({@code gantry-gateway stub}
 * runs the stub; {@code bench/run-bench.sh} starts all three), so a JFR recording of the
 * gateway shows the gateway alone. Baseline first, same stub, same client; warm-up requests
 * are not measured. On a small machine they still share the cores: the added latency is an
 * upper bound. The generator's own client is the gateway's {@link UpstreamClient} (blocking
 * sockets on virtual threads, keep-alive): the JDK's {@code HttpClient} cost ~200 us of CPU
 * per request in its selector hand-offs, taken from the same two cores as the system measured.
 */
final class Bench {
    private Bench() {}

    /** {@code cpuMicrosPerRequest}: the gateway process's CPU per request in this run (from its /metrics), NaN for other targets. */
    record Result(String target, int clients, boolean stream, int requests, double seconds, double p50Ms, double p99Ms, int errors,
                  double cpuMicrosPerRequest) {
        double rps() {
            return requests / seconds;
        }
    }

    static final String USAGE = "gantry-gateway bench --direct URL --gateway URL [--master-key KEY] [--via URL] "
            + "[--requests N (per run, default 4000)] [--clients 1,16,64] [--out FILE.md]\n"
            + "  URLs are OpenAI bases ending in /v1: the stub, the gateway in front of it, another proxy to it\n"
            + "gantry-gateway stub [--port P (default 18090)]: the stub upstream alone, until killed";

    /** {@code gantry-gateway stub}: a stub upstream on a port until the process is killed. */
    static int stub(String[] args) throws Exception {
        int port = 18090;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--port") && i + 1 < args.length) {
                port = Integer.parseInt(args[++i]);
            } else {
                System.err.println("stub: unknown argument '" + args[i] + "'\n" + USAGE);
                return 2;
            }
        }
        java.util.logging.LogManager.getLogManager().reset();
        StubUpstream stub = StubUpstream.onPort("bench", port);
        stub.recordBodies = false;
        System.out.println("stub upstream on " + stub.apiBase());
        new java.util.concurrent.CountDownLatch(1).await();
        return 0;
    }

    static int run(String[] args) throws Exception {
        var o = new Object() {
            int requests = 4000;
            int[] clients = {1, 16, 64};
            String direct, gateway, masterKey, via;
            Path out;
        };
        int exit = BenchFlags.parse("bench", USAGE, args, (flag, v) -> {
            switch (flag) {
                case "--requests" -> o.requests = Integer.parseInt(v);
                case "--clients" -> o.clients = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
                case "--direct" -> o.direct = v;
                case "--gateway" -> o.gateway = v;
                case "--master-key" -> o.masterKey = v;
                case "--via" -> o.via = v;
                case "--out" -> o.out = Path.of(v);
                default -> {
                    return false;
                }
            }
            return true;
        });
        if (exit >= 0) return exit;
        if (o.direct == null || o.gateway == null) {
            System.err.println("bench: --direct and --gateway are required (bench/run-bench.sh starts both)\n" + USAGE);
            return 2;
        }
        try (UpstreamClient client = new UpstreamClient(Duration.ofSeconds(5), Duration.ofSeconds(30), 1024)) {
            return run(client, o.requests, o.clients, o.direct, o.gateway, o.masterKey, o.via, o.out);
        }
    }

    private static int run(UpstreamClient client, int requests, int[] clients, String direct, String gateway, String masterKey,
            String via, Path out) throws Exception {
        String key = null;
        if (masterKey != null) {
            String root = gateway.endsWith("/v1") ? gateway.substring(0, gateway.length() - 3) : gateway;
            String answer;
            int status;
            try (var gen = client.post(URI.create(root + "/key/generate"),
                    java.util.Map.of("Authorization", "Bearer " + masterKey, "Content-Type", "application/json"),
                    "{\"key_alias\":\"bench\",\"rpm_limit\":100000000,\"tpm_limit\":100000000000,\"max_parallel_requests\":10000}"
                            .getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(30))) {
                status = gen.status;
                answer = new String(gen.readAll(1 << 20), StandardCharsets.UTF_8);
            }
            if (status != 200) {
                System.err.println("bench: /key/generate answered " + status + ": " + answer);
                return 1;
            }
            key = ApiError.JSON.readTree(answer).path("key").asText();
        }
        URI gatewayMetrics = URI.create((gateway.endsWith("/v1") ? gateway.substring(0, gateway.length() - 3) : gateway) + "/metrics");
        warmUp(client, direct, gateway, key, via, gatewayMetrics);
        List<Result> results = new ArrayList<>();
        for (boolean stream : new boolean[] {false, true}) {
            for (int c : clients) {
                results.add(measure(client, "direct", direct, null, c, stream, requests));
                double cpu0 = metric(client, gatewayMetrics, "process_cpu_seconds_total");
                Result g = measure(client, "gateway", gateway, key, c, stream, requests);
                double cpu = metric(client, gatewayMetrics, "process_cpu_seconds_total") - cpu0;
                results.add(new Result(g.target, g.clients, g.stream, g.requests, g.seconds, g.p50Ms, g.p99Ms, g.errors,
                        cpu * 1e6 / requests));
                if (via != null) results.add(measure(client, "via", via, null, c, stream, requests));
                printLast(results, via != null ? 3 : 2);
            }
        }
        String table = table(results);
        System.out.println();
        System.out.println(table);
        // Warm-up included; bench/run-bench.sh divides each process's CPU time by these.
        System.out.println("requests sent: " + String.join(" ", sent.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()));
        if (out != null) Files.writeString(out, table);
        return 0;
    }

    /** Warm-up rounds end when the gateway's JIT spent at most this share of a round compiling. */
    static final double JIT_QUIET_SHARE = 0.05;
    static final int MAX_WARM_UP_ROUNDS = 30;

    /**
     * Sends unary and streaming requests to every target in rounds until the gateway's JIT has
     * settled: a round in which its compilers ran for at most {@link #JIT_QUIET_SHARE} of the
     * round's time, read from its {@code jvm_compilation_time_seconds_total}. A 2-core box takes
     * tens of seconds to compile the gateway's hot paths, and a measurement taken before that
     * counts C2's work as the gateway's and shares the cores with it. Without that metric, a
     * fixed number of rounds.
     */
    private static void warmUp(UpstreamClient client, String direct, String gateway, String key, String via, URI gatewayMetrics)
            throws Exception {
        for (int round = 1; round <= MAX_WARM_UP_ROUNDS; round++) {
            double jit0 = metric(client, gatewayMetrics, "jvm_compilation_time_seconds_total");
            long t0 = System.nanoTime();
            for (boolean stream : new boolean[] {false, true}) {
                measure(client, "direct", direct, null, 16, stream, 1000);
                measure(client, "gateway", gateway, key, 16, stream, 3000);
                if (via != null) measure(client, "via", via, null, 16, stream, 1000);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            double jit = metric(client, gatewayMetrics, "jvm_compilation_time_seconds_total") - jit0;
            System.out.printf(Locale.ROOT, "warm-up round %d: %.1f s, gateway JIT compiling %.2f s%n", round, seconds, jit);
            if (Double.isNaN(jit) ? round >= 3 : jit <= JIT_QUIET_SHARE * seconds) {
                System.out.println("warm-up done; measuring");
                return;
            }
        }
        System.out.println("warm-up: the gateway's JIT did not settle in " + MAX_WARM_UP_ROUNDS + " rounds; measuring anyway");
    }

    private static void printLast(List<Result> results, int n) {
        for (Result r : results.subList(results.size() - n, results.size())) {
            System.out.printf(Locale.ROOT, "%-8s %-7s clients=%-3d %8.0f req/s  p50 %7.3f ms  p99 %7.3f ms  errors %d%s%n",
                    r.target, r.stream ? "stream" : "unary", r.clients, r.rps(), r.p50Ms, r.p99Ms, r.errors,
                    Double.isNaN(r.cpuMicrosPerRequest) ? "" : String.format(Locale.ROOT, "  CPU %.0f us/request", r.cpuMicrosPerRequest));
        }
    }

    static String table(List<Result> results) {
        StringBuilder t = new StringBuilder();
        t.append("| mode | clients | direct req/s | gateway req/s | direct p50 ms | gateway p50 ms | added p50 ms | direct p99 ms | gateway p99 ms | added p99 ms | gateway CPU us/req |");
        boolean via = results.stream().anyMatch(r -> r.target.equals("via"));
        if (via) t.append(" other proxy req/s | other proxy p50 ms | other proxy p99 ms |");
        t.append('\n').append("|---|---|---|---|---|---|---|---|---|---|---|").append(via ? "---|---|---|" : "").append('\n');
        for (Result d : results) {
            if (!d.target.equals("direct")) continue;
            Result g = results.stream().filter(r -> r.target.equals("gateway") && r.clients == d.clients && r.stream == d.stream).findFirst().orElseThrow();
            t.append(String.format(Locale.ROOT, "| %s | %d | %.0f | %.0f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %s |",
                    d.stream ? "stream" : "unary", d.clients, d.rps(), g.rps(), d.p50Ms, g.p50Ms, g.p50Ms - d.p50Ms,
                    d.p99Ms, g.p99Ms, g.p99Ms - d.p99Ms,
                    Double.isNaN(g.cpuMicrosPerRequest) ? "n/a" : String.format(Locale.ROOT, "%.0f", g.cpuMicrosPerRequest)));
            if (via) {
                results.stream().filter(r -> r.target.equals("via") && r.clients == d.clients && r.stream == d.stream).findFirst()
                        .ifPresent(v -> t.append(String.format(Locale.ROOT, " %.0f | %.3f | %.3f |", v.rps(), v.p50Ms, v.p99Ms)));
            }
            t.append('\n');
        }
        return t.toString();
    }

    /** Requests sent per target, warm-up included. */
    private static final java.util.Map<String, Long> sent = new java.util.TreeMap<>();

    static Result measure(UpstreamClient client, String target, String base, String key, int clients, boolean stream, int requests)
            throws Exception {
        sent.merge(target, (long) requests, Long::sum);
        byte[] body = ("{\"model\":\"bench\",\"stream\":" + stream
                + ",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"benchmark prompt\"}]}")
                .getBytes(StandardCharsets.UTF_8);
        URI uri = URI.create(base + "/chat/completions");
        var headers = new LinkedHashMap<String, String>();
        headers.put("Content-Type", "application/json");
        if (key != null) headers.put("Authorization", "Bearer " + key);
        Duration readTimeout = Duration.ofSeconds(60);
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
                        try (var res = client.post(uri, headers, body, readTimeout)) {
                            res.body().transferTo(OutputStream.nullOutputStream()); // to the last byte
                            if (res.status != 200) errors.incrementAndGet();
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
                latencies[(int) Math.min(requests - 1, Math.ceil(requests * 0.99) - 1)] / 1e6, errors.get(), Double.NaN);
    }

    /** An unlabelled series from the gateway's /metrics; NaN when it does not say. */
    static double metric(UpstreamClient client, URI metrics, String name) {
        try (var res = client.get(metrics, java.util.Map.of(), Duration.ofSeconds(10))) {
            String text = new String(res.readAll(16 << 20), StandardCharsets.UTF_8);
            for (String line : text.split("\n")) {
                if (line.startsWith(name + " ")) return Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        } catch (Exception e) {
            // no CPU figure: the column says n/a
        }
        return Double.NaN;
    }
}
