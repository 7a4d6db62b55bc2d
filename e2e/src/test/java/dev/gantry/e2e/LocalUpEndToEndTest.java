package dev.gantry.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.stacks.cli.GantryCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gantry local up} for real: the CLI starts the engine and the gateway through their
 * launcher scripts as separate processes on free ports, with the demo model; the test then
 * calls the gateway over HTTP exactly as the printed curl line does (same URL, same key),
 * checks {@code local status}, and checks that {@code local down} leaves none of the started
 * processes alive. Waits are generous (a loaded 2-core machine); nothing asserts on time.
 */
class LocalUpEndToEndTest {
  static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final Pattern CURL = Pattern.compile("curl (http://127\\.0\\.0\\.1:\\d+/v1)/chat/completions "
      + "-H 'Authorization: Bearer (sk-[A-Za-z0-9_-]+)'");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path state;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  final List<Long> startedPids = new ArrayList<>();

  record Result(int code, String out, String err) {}

  Result gantry(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = Stream.concat(Stream.of("--stacks-dir", ROOT.resolve("stacks").toString()), Stream.of(args))
        .toArray(String[]::new);
    int code = GantryCli.run(new PrintWriter(out, true), new PrintWriter(err, true), all);
    return new Result(code, out.toString(), err.toString());
  }

  @AfterEach
  void neverLeaveProcessesBehind() {
    if (Files.exists(state.resolve("local.json"))) {
      gantry("local", "down", "--state-dir", state.toString(), "--timeout", "5");
    }
    for (long pid : startedPids) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  @Test
  void localUp_withTheDemoModel_servesAChatCompletionThroughTheGateway_andDownLeavesNoProcess() throws Exception {
    Result up = gantry("local", "up", "--state-dir", state.toString(), "--port-engine", "0", "--port-gateway", "0",
        "--wait-timeout", "240");
    System.out.println(up.out()); // the progress lines, with their timings, in the surefire report
    JsonNode recorded = Files.exists(state.resolve("local.json")) ? JSON.readTree(state.resolve("local.json").toFile())
        : JSON.createObjectNode();
    recorded.path("processes").forEach(p -> startedPids.add(p.path("pid").asLong()));
    assertThat(up.code()).as("local up failed:\n%s\n%s", up.out(), up.err()).isZero();
    assertThat(up.out()).contains("✓ engine: healthy", "✓ gateway: ready", "RANDOM weights", "Master key",
        "python3 -c 'from openai import OpenAI", "node --input-type=module");
    assertThat(startedPids).hasSize(2);

    // The printed curl line, sent as it is printed: URL and virtual key from the output.
    Matcher curl = CURL.matcher(up.out());
    assertThat(curl.find()).as("no curl line in:\n%s", up.out()).isTrue();
    String base = curl.group(1);
    String key = curl.group(2);
    String body = "{\"model\": \"gantry-demo\", \"messages\": [{\"role\": \"user\", \"content\": \"Hello!\"}], "
        + "\"max_tokens\": 8}";
    HttpResponse<String> chat = http.send(HttpRequest.newBuilder(URI.create(base + "/chat/completions"))
        .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(120)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
    JsonNode answer = JSON.readTree(chat.body());
    assertThat(answer.path("object").asText()).isEqualTo("chat.completion");
    assertThat(answer.path("model").asText()).isEqualTo("gantry-demo");
    assertThat(answer.path("choices").get(0).path("message").path("role").asText()).isEqualTo("assistant");
    assertThat(answer.path("usage").path("completion_tokens").asInt()).isBetween(1, 8);
    assertThat(answer.path("usage").path("prompt_tokens").asInt()).isPositive();

    // The gateway really checks keys: the same request without one is refused.
    HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(URI.create(base + "/chat/completions"))
        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(anonymous.statusCode()).isEqualTo(401);

    Result status = gantry("local", "status", "--state-dir", state.toString());
    assertThat(status.code()).as(status.out() + status.err()).isZero();
    assertThat(status.out()).contains("│ engine ", "│ gateway ").containsPattern("engine .*healthy")
        .containsPattern("gateway .*healthy").contains(state.resolve("engine.log").toString());

    Result down = gantry("local", "down", "--state-dir", state.toString());
    assertThat(down.code()).as(down.out() + down.err()).isZero();
    assertThat(down.out()).contains("✓ gateway (pid " + startedPids.get(1) + ") stopped",
        "✓ engine (pid " + startedPids.get(0) + ") stopped");
    for (long pid : startedPids) {
      Optional<ProcessHandle> p = ProcessHandle.of(pid);
      if (p.isPresent()) {
        p.get().onExit().get(30, TimeUnit.SECONDS);
      }
      assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as("pid %d still alive", pid).isEmpty();
    }
    assertThat(state.resolve("local.json")).doesNotExist();
    assertThat(state.resolve("engine.pid")).doesNotExist();

    Result after = gantry("local", "status", "--state-dir", state.toString());
    assertThat(after.code()).isEqualTo(1);
    assertThat(after.out()).contains("not running");
  }

  @Test
  void localUp_whenTheEngineCannotLoadTheModel_exits1WithItsLog_andLeavesNothingRunning() throws Exception {
    Path model = Files.createDirectories(state.resolveSibling(state.getFileName() + "-broken-model"));
    Files.writeString(model.resolve("config.json"), "{\"model_type\": \"llama\"}");
    try {
      Result up = gantry("local", "up", "--state-dir", state.toString(), "--model", model.toString(),
          "--port-engine", "0", "--port-gateway", "0", "--wait-timeout", "240");

      assertThat(up.code()).as(up.out() + up.err()).isEqualTo(1);
      assertThat(up.out()).contains("✗ engine");
      assertThat(up.err()).contains("engine exited while starting; last lines of " + state.resolve("engine.log"));
      assertThat(Files.readString(state.resolve("engine.log"))).contains(model.toString());
      assertThat(state.resolve("local.json")).doesNotExist();
      assertThat(gantry("local", "status", "--state-dir", state.toString()).out()).contains("not running");
    } finally {
      Files.walk(model).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
