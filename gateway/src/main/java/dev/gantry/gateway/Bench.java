package dev.gantry.gateway;

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
 * upper bound.
 */
final class Bench {
    private Bench() {}

    record Result(String target, int clients, boolean stream, int requests, double seconds, double p50Ms, double p99Ms, int errors) {
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
        int requests = 4000;
        int[] clients = {1, 16, 64};
        String direct = null, gateway = null, masterKey = null, via = null;
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help")) {
                System.out.println(USAGE);
                return 0;
            }
            if (i + 1 >= args.length) {
                System.err.println("bench: " + a + " needs a value\n" + USAGE);
                return 2;
            }
            String v = args[++i];
            switch (a) {
                case "--requests" -> requests = Integer.parseInt(v);
                case "--clients" -> clients = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
                case "--direct" -> direct = v;
                case "--gateway" -> gateway = v;
                case "--master-key" -> masterKey = v;
                case "--via" -> via = v;
                case "--out" -> out = Path.of(v);
                default -> {
                    System.err.println("bench: unknown argument '" + a + "'\n" + USAGE);
                    return 2;
                }
            }
        }
        if (direct == null || gateway == null) {
            System.err.println("bench: --direct and --gateway are required (bench/run-bench.sh starts both)\n" + USAGE);
            return 2;
        }
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        String key = null;
        if (masterKey != null) {
            String root = gateway.endsWith("/v1") ? gateway.substring(0, gateway.length() - 3) : gateway;
            var gen = client.send(HttpRequest.newBuilder(URI.create(root + "/key/generate"))
                    .header("Authorization", "Bearer " + masterKey)
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"key_alias\":\"bench\",\"rpm_limit\":100000000,\"tpm_limit\":100000000000,\"max_parallel_requests\":10000}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (gen.statusCode() != 200) {
                System.err.println("bench: /key/generate answered " + gen.statusCode() + ": " + gen.body());
                return 1;
            }
            key = ApiError.JSON.readTree(gen.body()).path("key").asText();
        }
        System.out.println("warming up ...");
        for (boolean stream : new boolean[] {false, true}) {
            measure(client, "direct", direct, null, 16, stream, 2000);
            measure(client, "gateway", gateway, key, 16, stream, 6000);
            if (via != null) measure(client, "via", via, null, 16, stream, 2000);
        }
        List<Result> results = new ArrayList<>();
        for (boolean stream : new boolean[] {false, true}) {
            for (int c : clients) {
                results.add(measure(client, "direct", direct, null, c, stream, requests));
                results.add(measure(client, "gateway", gateway, key, c, stream, requests));
                if (via != null) results.add(measure(client, "via", via, null, c, stream, requests));
                printLast(results, via != null ? 3 : 2);
            }
        }
        String table = table(results);
        System.out.println();
        System.out.println(table);
        if (out != null) Files.writeString(out, table);
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
