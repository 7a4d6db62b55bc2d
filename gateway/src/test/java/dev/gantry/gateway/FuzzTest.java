package dev.gantry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated request bodies: the gateway must answer every one with a 2xx or an
 * OpenAI-shaped 4xx, never a 5xx. Seeded, so a failure names a reproducible body.
 */
class FuzzTest {
    private static final String[] FIELDS = {"model", "messages", "prompt", "stream", "max_tokens", "temperature",
            "top_p", "n", "stop", "stream_options", "max_completion_tokens", "presence_penalty", "user", "tools"};
    private static final String[] PATHS = {"/v1/chat/completions", "/v1/completions", "/key/generate", "/key/update",
            "/key/delete", "/chat/completions"};

    private static String randomValue(Random r, int depth) {
        return switch (r.nextInt(depth > 3 ? 6 : 9)) {
            case 0 -> "null";
            case 1 -> Boolean.toString(r.nextBoolean());
            case 2 -> Long.toString(r.nextLong());
            case 3 -> Double.toString(r.nextGaussian() * 1e6);
            case 4 -> "\"" + randomString(r) + "\"";
            case 5 -> List.of("\"m\"", "\"user\"", "0", "-1", "1e309", "\"\"", "18446744073709551616").get(r.nextInt(7));
            case 6 -> {
                StringBuilder a = new StringBuilder("[");
                int n = r.nextInt(4);
                for (int i = 0; i < n; i++) a.append(i > 0 ? "," : "").append(randomValue(r, depth + 1));
                yield a + "]";
            }
            case 7 -> "{\"role\":" + randomValue(r, depth + 1) + ",\"content\":" + randomValue(r, depth + 1) + "}";
            default -> randomObject(r, depth + 1);
        };
    }

    private static String randomString(Random r) {
        StringBuilder s = new StringBuilder();
        int n = r.nextInt(12);
        for (int i = 0; i < n; i++) {
            char c = (char) (r.nextInt(10) == 0 ? r.nextInt(0x3000) : 'a' + r.nextInt(26));
            if (c == '"' || c == '\\' || c < 0x20 || Character.isSurrogate(c)) c = 'x';
            s.append(c);
        }
        return s.toString();
    }

    private static String randomObject(Random r, int depth) {
        StringBuilder o = new StringBuilder("{");
        int n = r.nextInt(6);
        for (int i = 0; i < n; i++) {
            String key = r.nextInt(4) == 0 ? randomString(r) : FIELDS[r.nextInt(FIELDS.length)];
            o.append(i > 0 ? "," : "").append('"').append(key).append("\":").append(randomValue(r, depth));
        }
        return o + "}";
    }

    private static String body(Random r) {
        String valid = Harness.chatBody("m", r.nextBoolean());
        return switch (r.nextInt(6)) {
            case 0 -> randomObject(r, 0);
            case 1 -> { // a valid body with one field replaced
                String f = FIELDS[r.nextInt(FIELDS.length)];
                yield "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"" + f + "\":" + randomValue(r, 1) + "}";
            }
            case 2 -> valid.substring(0, r.nextInt(valid.length())); // truncated
            case 3 -> { // random bytes as text
                byte[] b = new byte[r.nextInt(64)];
                r.nextBytes(b);
                yield new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
            }
            case 4 -> "[".repeat(2000) + "]".repeat(2000); // deep nesting
            default -> randomValue(r, 0);
        };
    }

    @Test
    void randomBodies_neverGet5xx() throws Exception {
        try (StubUpstream a = new StubUpstream("a");
             Harness h = new Harness(Harness.config("m", List.of(a), """
                     general_settings: {master_key: os.environ/TEST_MASTER_KEY}
                     """))) {
            a.recordBodies = false;
            Random r = new Random(20261123);
            List<String> failures = new ArrayList<>();
            for (int i = 0; i < 600; i++) {
                String body = body(r);
                String path = PATHS[r.nextInt(PATHS.length)];
                var req = HttpRequest.newBuilder(URI.create(h.base + path))
                        .header("Content-Type", "application/json")
                        .header("Authorization", "Bearer " + AuthAndLimitsTest.MASTER)
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
                HttpResponse<String> res = Harness.CLIENT.send(req, HttpResponse.BodyHandlers.ofString());
                if (res.statusCode() >= 500) failures.add(res.statusCode() + " " + path + " " + body + " -> " + res.body());
                if (res.statusCode() >= 400 && res.statusCode() < 500 && !path.startsWith("/key")) {
                    assertThat(Harness.json(res.body()).path("error").path("message").isTextual()).as(body).isTrue();
                }
            }
            assertThat(failures).isEmpty();
        }
    }
}
