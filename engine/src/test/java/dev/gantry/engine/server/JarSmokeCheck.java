package dev.gantry.engine.server;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The runnable jar works on its own: {@code java --add-modules jdk.incubator.vector -jar
 * target/gantry-engine.jar serve MODEL} starts, answers {@code /health} and a completion, and
 * exits 0 on SIGTERM. Run by the engine module's verify phase after the jar is built (a unit
 * test runs before packaging); exits non-zero with the server's log on any failure.
 */
public final class JarSmokeCheck {
  private JarSmokeCheck() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1 || !Files.isRegularFile(Path.of(args[0]))) {
      throw new IllegalArgumentException("usage: JarSmokeCheck PATH_TO_gantry-engine.jar (built by mvn package), got "
          + List.of(args));
    }
    Path model = ServerHarness.writeModel(Files.createTempDirectory("gantry-jar-check"));
    long t0 = System.nanoTime();
    try (ServeProcess p = ServeProcess.start(List.of("-jar", args[0]), model, "--served-model-name", "tiny",
        "--max-model-len", "256", "--gpu-memory-utilization", "16MiB", "--threads", "1")) {
      HttpClient http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + p.port();
      check(p, "GET /health", http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
          HttpResponse.BodyHandlers.ofString()), "");
      check(p, "POST /v1/completions", http.send(HttpRequest.newBuilder(URI.create(base + "/v1/completions"))
          .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
          .POST(HttpRequest.BodyPublishers.ofString("{\"model\": \"tiny\", \"prompt\": \"Hello\", \"max_tokens\": 2}")).build(),
          HttpResponse.BodyHandlers.ofString()), "\"text_completion\"");
      p.process().destroy(); // SIGTERM: drains and exits 0
      if (!p.process().waitFor(30, TimeUnit.SECONDS) || p.process().exitValue() != 0) {
        fail(p, "did not exit 0 within 30 s of SIGTERM");
      }
    }
    System.out.printf("JarSmokeCheck: %s serves /health and completions and exits 0 on SIGTERM (%.1f s)%n", args[0],
        (System.nanoTime() - t0) / 1e9);
  }

  private static void check(ServeProcess p, String what, HttpResponse<String> r, String bodyContains) {
    if (r.statusCode() != 200 || !r.body().contains(bodyContains)) {
      fail(p, what + " answered " + r.statusCode() + ": " + r.body());
    }
  }

  private static void fail(ServeProcess p, String why) {
    System.err.println("JarSmokeCheck FAILED: the runnable jar " + why + "\n--- server log ---\n" + p.log());
    p.close();
    System.exit(1);
  }
}
