package dev.gantry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * What the gateway's HTTP server answers itself, before or around the handlers: OpenAI-shaped
 * errors for oversized, malformed and over-limit requests, and the unknown-URL 404 for a known
 * path with another method (as under Helidon).
 */
class GatewayHttpTest {
    private static final String MASTER = "sk-master-test-123";

    private static void assertOpenAiError(String body, String type, String code) throws Exception {
        JsonNode error = Harness.json(body).path("error");
        assertThat(error.path("message").asText()).isNotEmpty();
        assertThat(error.path("type").asText()).isEqualTo(type);
        assertThat(error.path("code").asText()).isEqualTo(code);
        assertThat(error.has("param")).isTrue();
    }

    /** Sends raw bytes and returns everything the gateway answered until it closed the connection. */
    private static String raw(Harness h, String request) throws Exception {
        int port = Integer.parseInt(h.base.substring(h.base.lastIndexOf(':') + 1));
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void oversizedBody_is413_wrongMethod_isTheUnknownUrl404_andMalformedHeads_are400() throws Exception {
        try (StubUpstream stub = new StubUpstream("a");
             Harness h = new Harness(Harness.config("m", List.of(stub), "gantry_settings: {max_request_bytes: 2000}\n"
                     + "general_settings: {master_key: os.environ/TEST_MASTER_KEY}\n"))) {
            HttpResponse<String> big = h.post("/v1/chat/completions", "{\"model\":\"m\",\"pad\":\"" + "x".repeat(5000) + "\"}", MASTER);
            assertThat(big.statusCode()).isEqualTo(413);
            assertOpenAiError(big.body(), "invalid_request_error", "request_too_large");
            assertThat(Harness.json(big.body()).path("error").path("message").asText()).contains("max_request_bytes");
            assertThat(stub.requests).hasValue(0);

            HttpResponse<String> wrong = h.get("/v1/chat/completions", MASTER);
            assertThat(wrong.statusCode()).isEqualTo(404);
            assertOpenAiError(wrong.body(), "invalid_request_error", "unknown_url");
            assertThat(Harness.json(wrong.body()).path("error").path("message").asText()).startsWith("unknown URL GET /v1/chat/completions;");

            String bad = raw(h, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n");
            assertThat(bad).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("Content-Type: application/json\r\n");
            assertOpenAiError(bad.substring(bad.indexOf("\r\n\r\n") + 4), "invalid_request_error", "bad_request");

            String huge = raw(h, "GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n");
            assertThat(huge).startsWith("HTTP/1.1 431 ");
            assertOpenAiError(huge.substring(huge.indexOf("\r\n\r\n") + 4), "invalid_request_error", "header_fields_too_large");

            assertThat(h.chat("m", MASTER).statusCode()).isEqualTo(200); // and the gateway still serves
            assertThat(h.get("/metrics", MASTER).body()).as("refusals no endpoint saw are still counted")
                    .contains("gantry_gateway_http_refused_total{status=\"400\"} 1\n")
                    .contains("gantry_gateway_http_refused_total{status=\"413\"} 1\n")
                    .contains("gantry_gateway_http_refused_total{status=\"431\"} 1\n");
        }
    }

    @Test
    void overMaxConcurrentRequests_is503WithRetryAfter() throws Exception {
        try (StubUpstream stub = new StubUpstream("a");
             Harness h = new Harness(Harness.config("m", List.of(stub), "gantry_settings: {max_concurrent_requests: 1}\n"))) {
            stub.headerDelayMillis = 1500;
            CompletableFuture<HttpResponse<String>> slow = CompletableFuture.supplyAsync(() -> {
                try {
                    return h.chat("m", null);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long deadline = System.currentTimeMillis() + 5000;
            while (stub.requests.get() == 0 && System.currentTimeMillis() < deadline) Thread.sleep(10);
            HttpResponse<String> busy = h.get("/v1/models", null);
            assertThat(busy.statusCode()).isEqualTo(503);
            assertThat(busy.headers().firstValue("Retry-After")).hasValue("1");
            assertOpenAiError(busy.body(), "service_unavailable_error", "server_busy");
            assertThat(slow.get().statusCode()).isEqualTo(200);
            assertThat(h.get("/v1/models", null).statusCode()).isEqualTo(200);
            assertThat(h.get("/metrics", null).body()).contains("gantry_gateway_http_refused_total{status=\"503\"} 1\n");
        }
    }
}
