package dev.gantry.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small OpenAI-compatible upstream on loopback for tests and the benchmark: answers
 * {@code /v1/chat/completions} and {@code /v1/completions} (unary and SSE), {@code /health}
 * and a vLLM-style {@code /metrics}, with controllable delays and failures. It is not a model:
 * it answers {@code chunks} words, one per SSE event.
 */
public final class StubUpstream implements AutoCloseable {
    private final HttpServer server;
    /** Requests received on the completion endpoints. */
    public final AtomicInteger requests = new AtomicInteger();
    /** Request bodies received, parsed. */
    public final List<JsonNode> bodies = new CopyOnWriteArrayList<>();
    /** Request bodies received, as the bytes that arrived (UTF-8). */
    public final List<String> rawBodies = new CopyOnWriteArrayList<>();
    /** Fail the next N completion requests with {@link #failStatus}. */
    public final AtomicInteger failNext = new AtomicInteger();
    public volatile int failStatus = 500;
    public volatile long headerDelayMillis;
    public volatile long firstChunkDelayMillis;
    public volatile long chunkIntervalMillis;
    public volatile int chunks = 3;
    /** Break the stream (close the connection) after this many chunks; -1 never. */
    public volatile int breakAfterChunks = -1;
    public volatile int healthStatus = 200;
    public volatile double waiting;
    public volatile double kvCacheUsage;
    public volatile boolean recordBodies = true;
    public final String name;

    public StubUpstream(String name) throws IOException {
        this(name, 0);
    }

    /** A stub on a fixed port (0: any free port), e.g. for an nginx yardstick in the benchmark. */
    public static StubUpstream onPort(String name, int port) throws IOException {
        return new StubUpstream(name, port);
    }

    private StubUpstream(String name, int port) throws IOException {
        this.name = name;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 1024);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/chat/completions", ex -> complete(ex, true));
        server.createContext("/v1/completions", ex -> complete(ex, false));
        server.createContext("/health", ex -> send(ex, healthStatus, "application/json", "{}"));
        server.createContext("/metrics", ex -> send(ex, 200, "text/plain", """
                # TYPE vllm:num_requests_waiting gauge
                vllm:num_requests_waiting{model_name="stub"} %s
                # TYPE vllm:kv_cache_usage_perc gauge
                vllm:kv_cache_usage_perc{model_name="stub"} %s
                vllm:num_requests_running{model_name="stub"} 0.0
                """.formatted(waiting, kvCacheUsage)));
        server.createContext("/v1/models", ex -> send(ex, 200, "application/json",
                "{\"object\":\"list\",\"data\":[{\"id\":\"stub\",\"object\":\"model\"}]}"));
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The api_base to put in a config: {@code http://127.0.0.1:PORT/v1}. */
    public String apiBase() {
        return "http://127.0.0.1:" + port() + "/v1";
    }

    private void complete(HttpExchange ex, boolean chat) throws IOException {
        // Not try-with-resources: a deliberately broken stream must end without the final chunk.
        {
            byte[] raw = ex.getRequestBody().readAllBytes();
            requests.incrementAndGet();
            JsonNode body = ApiError.JSON.readTree(raw);
            if (recordBodies) {
                bodies.add(body);
                rawBodies.add(new String(raw, java.nio.charset.StandardCharsets.UTF_8));
            }
            sleep(headerDelayMillis);
            if (failNext.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
                send(ex, failStatus, "application/json", "{\"error\":{\"message\":\"stub " + name + " failing with "
                        + failStatus + "\",\"type\":\"stub_error\",\"param\":null,\"code\":\"stub\"}}");
                return;
            }
            String model = body.path("model").asText();
            int n = chunks;
            int promptTokens = raw.length / 4;
            if (!body.path("stream").asBoolean(false)) {
                sleep(firstChunkDelayMillis);
                String text = "word ".repeat(n).trim();
                String content = chat
                        ? "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + text + "\"},\"finish_reason\":\"stop\"}]"
                        : "\"choices\":[{\"index\":0,\"text\":\"" + text + "\",\"finish_reason\":\"stop\"}]";
                send(ex, 200, "application/json", "{\"id\":\"cmpl-" + name + "\",\"object\":\""
                        + (chat ? "chat.completion" : "text_completion") + "\",\"created\":1,\"model\":\"" + model + "\","
                        + content + ",\"usage\":{\"prompt_tokens\":" + promptTokens + ",\"completion_tokens\":" + n
                        + ",\"total_tokens\":" + (promptTokens + n) + "}}");
                return;
            }
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            out.flush();
            sleep(firstChunkDelayMillis);
            for (int i = 0; i < n; i++) {
                if (i == breakAfterChunks) {
                    // The JDK server closes the connection when a handler throws: the client sees a broken stream.
                    throw new IOException("stub breaks the stream on purpose");
                }
                if (i > 0) sleep(chunkIntervalMillis);
                String delta = chat ? "\"delta\":{\"content\":\"word" + i + " \"}" : "\"text\":\"word" + i + " \"";
                write(out, "data: {\"id\":\"cmpl-" + name + "\",\"object\":\"" + (chat ? "chat.completion.chunk" : "text_completion")
                        + "\",\"created\":1,\"model\":\"" + model + "\",\"choices\":[{\"index\":0," + delta
                        + ",\"finish_reason\":" + (i == n - 1 ? "\"stop\"" : "null") + "}]}\n\n");
            }
            if (body.path("stream_options").path("include_usage").asBoolean(false)) {
                write(out, "data: {\"id\":\"cmpl-" + name + "\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\""
                        + model + "\",\"choices\":[],\"usage\":{\"prompt_tokens\":" + promptTokens + ",\"completion_tokens\":" + n
                        + ",\"total_tokens\":" + (promptTokens + n) + "}}\n\n");
            }
            write(out, "data: [DONE]\n\n");
            ex.close();
        }
    }

    private static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    private static void sleep(long millis) {
        if (millis <= 0) return;
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
