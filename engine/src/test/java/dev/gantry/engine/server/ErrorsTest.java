package dev.gantry.engine.server;

import static dev.gantry.engine.server.ServerHarness.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.webserver.WebServer;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a request can be wrong gets an OpenAI-shaped error with the right status and a
 * message that names the field and the value — never a 5xx for client mistakes.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ErrorsTest {
  static final String KEY = "sk-gantry-test";
  static final String[] AUTH = {"Authorization", "Bearer " + KEY};
  @TempDir static Path dir;
  static ServerHarness h;

  @BeforeAll
  static void start() {
    h = ServerHarness.start(ServerHarness.writeModel(dir), b -> b, c -> c.withApiKey(KEY).withMaxRequestBytes(64 * 1024));
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static JsonNode completionError(int status, String body) {
    return h.post("/v1/completions", body, AUTH).error(status);
  }

  @Test
  void apiKey_missingOrWrong_is401_right_is200_probesNeedNone() {
    String body = json("prompt", "Hello", "max_tokens", 1);
    JsonNode missing = h.post("/v1/completions", body).error(401);
    assertThat(missing.get("code").asText()).isEqualTo("invalid_api_key");
    h.post("/v1/completions", body, "Authorization", "Bearer wrong").error(401);
    h.get("/v1/models", "Authorization", "Bearer wrong").error(401);
    assertThat(h.post("/v1/completions", body, AUTH).status()).isEqualTo(200);
    assertThat(h.get("/health").status()).isEqualTo(200);
    assertThat(h.get("/metrics").status()).isEqualTo(200);
  }

  @Test
  void wrongTypes_are400_namingTheField() {
    JsonNode e = completionError(400, "{\"prompt\": \"Hi\", \"temperature\": \"hot\"}");
    assertThat(e.get("param").asText()).isEqualTo("temperature");
    assertThat(e.get("message").asText()).contains("temperature must be a number", "\"hot\"");
    assertThat(completionError(400, "{\"prompt\": \"Hi\", \"max_tokens\": 2.5}").get("param").asText()).isEqualTo("max_tokens");
    assertThat(completionError(400, "{\"prompt\": \"Hi\", \"stream\": \"yes\"}").get("param").asText()).isEqualTo("stream");
    assertThat(completionError(400, "{\"prompt\": \"Hi\", \"stop\": [1, 2]}").get("param").asText()).isEqualTo("stop");
    assertThat(completionError(400, "{\"prompt\": {\"text\": \"Hi\"}}").get("param").asText()).isEqualTo("prompt");
    JsonNode chat = h.post("/v1/chat/completions", "{\"messages\": \"Hello\"}", AUTH).error(400);
    assertThat(chat.get("param").asText()).isEqualTo("messages");
    JsonNode role = h.post("/v1/chat/completions", json("messages", List.of(Map.of("content", "Hi"))), AUTH).error(400);
    assertThat(role.get("param").asText()).isEqualTo("messages[0].role");
  }

  @Test
  void invalidValues_are400_withTheRangeAndTheValue() {
    JsonNode topP = completionError(400, json("prompt", "Hi", "top_p", 1.5));
    assertThat(topP.get("param").asText()).isEqualTo("top_p");
    assertThat(topP.get("message").asText()).contains("1.5", "(0, 1]");
    assertThat(completionError(400, json("prompt", "Hi", "n", 0)).get("param").asText()).isEqualTo("n");
    assertThat(completionError(400, json("prompt", "Hi", "presence_penalty", 3)).get("param").asText())
        .isEqualTo("presence_penalty");
    assertThat(completionError(400, json("prompt", "Hi", "logprobs", 50)).get("param").asText()).isEqualTo("logprobs");
    assertThat(completionError(400, json("prompt", "Hi", "stop_token_ids", List.of(100000))).get("param").asText())
        .isEqualTo("stop_token_ids");
    assertThat(completionError(400, json("prompt", "Hi", "logit_bias", Map.of("99999", 5))).get("param").asText())
        .isEqualTo("logit_bias");
    assertThat(completionError(400, json("prompt", "")).get("param").asText()).isEqualTo("prompt");
    assertThat(completionError(400, "{\"max_tokens\": 3}").get("message").asText()).contains("prompt is required");
    JsonNode min = completionError(400, json("prompt", "Hi", "min_tokens", 5, "max_tokens", 3));
    assertThat(min.get("param").asText()).isEqualTo("min_tokens");
    assertThat(min.get("message").asText()).contains("max_tokens = 3", "got 5");
  }

  @Test
  void promptPlusMaxTokens_overTheContext_is400_sayingBothNumbers() {
    int prompt = h.post("/tokenize", json("prompt", "Hello, world!"), AUTH).json().get("count").asInt();
    JsonNode e = completionError(400, json("prompt", "Hello, world!", "max_tokens", 300));
    assertThat(e.get("param").asText()).isEqualTo("max_tokens");
    assertThat(e.get("message").asText()).contains("maximum context length is 256 tokens",
        "requested " + (prompt + 300) + " tokens", prompt + " in the prompt", "300 in the completion");
    JsonNode chat = h.post("/v1/chat/completions", json("messages", List.of(Map.of("role", "user", "content", "Hi")),
        "max_completion_tokens", 1000), AUTH).error(400);
    assertThat(chat.get("param").asText()).isEqualTo("max_completion_tokens");
    assertThat(chat.get("message").asText()).contains("256", "1000 in the completion");
  }

  @Test
  void unknownModel_is404_namingWhatIsServed() {
    JsonNode e = completionError(404, json("model", "gpt-5", "prompt", "Hi"));
    assertThat(e.get("code").asText()).isEqualTo("model_not_found");
    assertThat(e.get("message").asText()).contains("gpt-5", ServerHarness.MODEL);
    h.get("/v2/nothing", AUTH).error(404);
    ServerHarness.Reply wrongMethod = h.get("/v1/completions", AUTH);
    assertThat(wrongMethod.error(405).get("message").asText()).contains("use POST");
    assertThat(wrongMethod.header("allow")).isEqualTo("POST");
  }

  @Test
  void malformedBodies_are4xx_never5xx() {
    assertThat(completionError(400, "{\"prompt\": \"Hi\",").get("message").asText()).contains("not valid JSON");
    assertThat(completionError(400, "[1, 2, 3]").get("message").asText()).contains("JSON object");
    completionError(400, "");
    completionError(400, "null");
    byte[] invalidUtf8 = {'{', '"', 'p', 'r', 'o', 'm', 'p', 't', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
    JsonNode utf8 = h.postBytes("/v1/completions", invalidUtf8, AUTH).error(400);
    assertThat(utf8.get("message").asText()).contains("UTF-8");
    ByteArrayOutputStream big = new ByteArrayOutputStream();
    big.writeBytes("{\"prompt\": \"".getBytes(StandardCharsets.UTF_8));
    big.writeBytes("a".repeat(70 * 1024).getBytes(StandardCharsets.UTF_8));
    big.writeBytes("\"}".getBytes(StandardCharsets.UTF_8));
    JsonNode tooBig = h.postBytes("/v1/completions", big.toByteArray(), AUTH).error(413);
    assertThat(tooBig.get("message").asText()).contains("65536");
    String deep = "[".repeat(5000) + "]".repeat(5000);
    completionError(400, "{\"prompt\": " + deep + "}");
  }

  @Test
  void unexpectedFailureInAHandler_is500_withoutInternals() throws Exception {
    // A route that fails like a bug would, on the server's own routing and error handling.
    WebServer web = WebServer.builder().host("127.0.0.1").port(0).routing(r -> {
      r.get("/boom", (req, res) -> {
        throw new IllegalStateException("secret at /home/gantry/internal.db");
      });
      h.server.routing(r);
    }).build().start();
    try {
      HttpResponse<String> r = h.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + web.port() + "/boom"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(500);
      JsonNode e = ServerHarness.JSON.readTree(r.body()).get("error");
      assertThat(e.get("type").asText()).isEqualTo("server_error");
      assertThat(r.body()).doesNotContain("secret", "IllegalStateException", "internal.db");
    } finally {
      web.stop();
    }
  }
}
