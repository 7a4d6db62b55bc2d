package dev.gantry.engine.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.engine.api.Engine;
import dev.gantry.engine.api.EngineBuilder;
import dev.gantry.engine.model.Architecture;
import dev.gantry.engine.testing.TestModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real engine on a small random Llama model written as files, served by {@link OpenAiServer}
 * on loopback, and an HTTP client for it. Tests talk HTTP only (plus the engine's stats, to check
 * what a request left behind).
 */
final class ServerHarness implements AutoCloseable {
  static final String MODEL = "tiny-llama";
  static final ObjectMapper JSON = new ObjectMapper();

  final Engine engine;
  final OpenAiServer server;
  final String base;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private ServerHarness(Engine engine, OpenAiServer server) {
    this.engine = engine;
    this.server = server;
    this.base = "http://127.0.0.1:" + server.port();
  }

  /** Writes the default tiny model (vocab 512, 2 layers) under {@code dir}. */
  static Path writeModel(Path dir) {
    return TestModels.write(dir, TestModels.spec(Architecture.LLAMA)).path();
  }

  static ServerHarness start(Path model, UnaryOperator<EngineBuilder> engineConfig, UnaryOperator<ServerConfig> serverConfig) {
    EngineBuilder b = Engine.builder().model(model).threads(2).maxModelLen(256).kvCacheBytes(16L << 20).maxNumSeqs(8);
    Engine engine = engineConfig.apply(b).build();
    ServerConfig config = serverConfig.apply(ServerConfig.defaults(MODEL, 8));
    return new ServerHarness(engine, OpenAiServer.start(engine, config));
  }

  static ServerHarness start(Path model) {
    return start(model, b -> b, c -> c);
  }

  @Override
  public void close() {
    server.close();
    engine.close();
  }

  /** A response: status, headers, body text (and the body as JSON when it is JSON). */
  record Reply(int status, HttpResponse<String> raw) {
    String body() {
      return raw.body();
    }

    JsonNode json() {
      try {
        return JSON.readTree(raw.body());
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + raw.body(), e);
      }
    }

    String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }

    /** Asserts an OpenAI-shaped error with this status and returns the error object. */
    JsonNode error(int expectedStatus) {
      assertThat(status).as("status of %s", raw.body()).isEqualTo(expectedStatus);
      JsonNode error = json().get("error");
      assertThat(error).as("error object in %s", raw.body()).isNotNull();
      assertThat(error.has("message") && error.has("type") && error.has("param") && error.has("code")).isTrue();
      return error;
    }
  }

  Reply post(String path, String body, String... headers) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.ofString(body)), headers);
  }

  Reply postBytes(String path, byte[] body, String... headers) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.ofByteArray(body)), headers);
  }

  Reply get(String path, String... headers) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET(), headers);
  }

  private Reply send(HttpRequest.Builder b, String... headers) {
    b.header("Content-Type", "application/json").timeout(Duration.ofSeconds(60));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * Posts a streaming request and returns its SSE data payloads as JSON, asserting the wire
   * format: every event is {@code data: ...} followed by a blank line, and the last is
   * {@code data: [DONE]}.
   */
  List<JsonNode> stream(String path, String body) {
    Reply r = post(path, body);
    assertThat(r.status()).as("status of %s", r.body()).isEqualTo(200);
    assertThat(r.header("content-type")).startsWith("text/event-stream");
    return parseSse(r.body());
  }

  static List<JsonNode> parseSse(String text) {
    assertThat(text).endsWith("data: [DONE]\n\n");
    List<JsonNode> events = new ArrayList<>();
    for (String event : text.split("\n\n")) {
      assertThat(event).startsWith("data: ");
      String data = event.substring(6);
      if (data.equals("[DONE]")) {
        continue;
      }
      try {
        events.add(JSON.readTree(data));
      } catch (IOException e) {
        throw new AssertionError("bad SSE payload: " + data, e);
      }
    }
    return events;
  }

  /** The value of one sample in /metrics, e.g. {@code metric("vllm:prompt_tokens_total", "")}. */
  double metric(String name, String extraLabel) {
    String text = get("/metrics").body();
    Pattern p = Pattern.compile("^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE);
    Matcher m = p.matcher(text);
    while (m.find()) {
      if (m.group(1).contains("model_name=\"" + MODEL + "\"") && m.group(1).contains(extraLabel)) {
        return Double.parseDouble(m.group(2));
      }
    }
    throw new AssertionError("no sample " + name + "{" + extraLabel + "} in /metrics:\n" + text);
  }

  static String json(Object... kv) {
    var node = JSON.createObjectNode();
    for (int i = 0; i < kv.length; i += 2) {
      node.set((String) kv[i], JSON.valueToTree(kv[i + 1]));
    }
    return node.toString();
  }
}
