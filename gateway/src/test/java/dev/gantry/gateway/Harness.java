package dev.gantry.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.gateway.config.ConfigLoader;
import dev.gantry.gateway.config.GatewayConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A gateway on a free loopback port, started from YAML, with helpers to call it. Close it after the test. */
final class Harness implements AutoCloseable {
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    final Gateway gateway;
    final String base;
    final Path dataDir;

    Harness(String yaml) throws IOException {
        this(yaml, Files.createTempDirectory("gateway-test"));
    }

    Harness(String yaml, Path dataDir) {
        this.dataDir = dataDir;
        GatewayConfig config = ConfigLoader.parse(yaml, "test.yaml", Map.of("TEST_MASTER_KEY", "sk-master-test-123")::get);
        gateway = new Gateway(config, dataDir);
        var server = gateway.start("127.0.0.1", 0);
        base = "http://127.0.0.1:" + server.port();
    }

    /** A minimal config: one model name with the given stubs as deployments, plus extra YAML sections. */
    static String config(String model, List<StubUpstream> stubs, String extra) {
        return config(model, stubs, null, extra);
    }

    /** With simple-shuffle weights, one per stub: a large first weight makes the first pick (almost) certain. */
    static String config(String model, List<StubUpstream> stubs, List<Double> weights, String extra) {
        StringBuilder y = new StringBuilder("model_list:\n");
        for (int i = 0; i < stubs.size(); i++) {
            StubUpstream s = stubs.get(i);
            y.append("  - model_name: ").append(model).append('\n')
                    .append("    litellm_params:\n")
                    .append("      model: openai/upstream-").append(s.name).append('\n')
                    .append("      api_base: ").append(s.apiBase()).append('\n');
            if (weights != null) y.append("      weight: ").append(weights.get(i)).append('\n');
            y
                    .append("    model_info:\n      id: ").append(s.name).append('\n');
        }
        return y + extra;
    }

    HttpResponse<String> post(String path, String body, String key) throws IOException, InterruptedException {
        var b = HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) b.header("Authorization", "Bearer " + key);
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path, String key) throws IOException, InterruptedException {
        var b = HttpRequest.newBuilder(URI.create(base + path)).GET();
        if (key != null) b.header("Authorization", "Bearer " + key);
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> chat(String model, String key) throws IOException, InterruptedException {
        return post("/v1/chat/completions", chatBody(model, false), key);
    }

    static String chatBody(String model, boolean stream) {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}],\"max_tokens\":16}";
    }

    /** One line of a streamed answer with the milliseconds since the request was sent. */
    record Line(long atMillis, String text) {}

    /** Streams a request and returns its status and every line as it arrived. */
    record Streamed(int status, List<Line> lines) {
        List<String> data() {
            return lines.stream().map(Line::text).filter(l -> l.startsWith("data: ")).toList();
        }

        long keepAlives() {
            return lines.stream().filter(l -> l.text().equals(": keep-alive")).count();
        }
    }

    Streamed stream(String body, String key) throws IOException, InterruptedException {
        var b = HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) b.header("Authorization", "Bearer " + key);
        long start = System.nanoTime();
        HttpResponse<InputStream> res = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        List<Line> lines = new ArrayList<>();
        try (var in = new BufferedReader(new InputStreamReader(res.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (!line.isEmpty()) lines.add(new Line((System.nanoTime() - start) / 1_000_000, line));
            }
        } catch (IOException e) {
            lines.add(new Line((System.nanoTime() - start) / 1_000_000, "<broken: " + e.getMessage() + ">"));
        }
        return new Streamed(res.statusCode(), lines);
    }

    /**
     * Waits until the ledger holds {@code rows} usage records: a request's record is appended
     * after its last byte went out, so the client can be faster than the ledger.
     */
    void awaitLedgerRows(long rows) throws Exception {
        long deadline = System.currentTimeMillis() + 20_000;
        long n = -1;
        while (System.currentTimeMillis() < deadline) {
            try (var c = gateway.database.connection(); var st = c.createStatement();
                 var rs = st.executeQuery("SELECT COUNT(*) FROM usage_records")) {
                rs.next();
                n = rs.getLong(1);
            }
            if (n >= rows && gateway.ledger.awaitIdle(5_000)) return;
            Thread.sleep(20);
        }
        throw new AssertionError("ledger has " + n + " usage records, expected " + rows);
    }

    static JsonNode json(String s) throws IOException {
        return ApiError.JSON.readTree(s);
    }

    @Override
    public void close() {
        gateway.close();
    }
}
