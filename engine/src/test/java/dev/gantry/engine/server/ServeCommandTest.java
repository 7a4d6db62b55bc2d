package dev.gantry.engine.server;

import static dev.gantry.engine.server.ServerHarness.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code gantry-engine serve}: vLLM's flags, clear failures for what this build cannot do, and a
 * real process that drains on SIGTERM (in-flight stream finishes, new requests get 503 with
 * Connection: close) and exits 0.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ServeCommandTest {
  @TempDir static Path dir;
  static Path model;

  @BeforeAll
  static void writeModel() {
    model = ServerHarness.writeModel(dir);
  }

  record Run(int exitCode, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cmd = Main.commandLine();
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    // Flag validation happens before any model is loaded: these never start a server.
    int code = cmd.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void help_explainsEveryVllmFlag() {
    Run r = run("serve", "--help");
    assertThat(r.exitCode()).isZero();
    for (String flag : List.of("--host", "--port", "--served-model-name", "--max-model-len", "--max-num-seqs",
        "--max-num-batched-tokens", "--block-size", "--gpu-memory-utilization", "--[no-]enable-prefix-caching",
        "--[no-]enable-chunked-prefill", "--dtype", "--quantization", "--tensor-parallel-size", "--api-key", "--seed",
        "--device", "--max-num-queued-requests", "--queue-timeout", "--drain-timeout", "--watchdog-timeout")) {
      assertThat(r.out()).as(flag).contains(flag);
    }
  }

  @Test
  void tensorParallelOtherThanOne_failsClearly() {
    Run r = run("serve", model.toString(), "--tensor-parallel-size", "2");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--tensor-parallel-size 2 is not supported", "--tensor-parallel-size 1");
  }

  @Test
  void deviceCuda_withoutUsableGpu_failsClearly_unknownDevice_too() {
    org.assertj.core.api.Assumptions.assumeThat(dev.gantry.engine.backend.cuda.CudaProbe.probe())
        .as("this machine has a usable GPU").isInstanceOf(dev.gantry.engine.backend.cuda.CudaProbe.Unavailable.class);
    Run cuda = run("serve", model.toString(), "--device", "cuda");
    assertThat(cuda.exitCode()).isEqualTo(2);
    assertThat(cuda.err()).contains("--device cuda", "no usable CUDA GPU", "--device cpu");
    assertThat(run("serve", model.toString(), "--device", "tpu").err()).contains("--device must be auto, cpu or cuda", "tpu");
  }

  @Test
  void unsupportedDtypeQuantizationAndBadSizes_failNamingTheFlag() {
    assertThat(run("serve", model.toString(), "--dtype", "fp4").err())
        .contains("--dtype must be one of auto, half, float16, bfloat16, float, float32", "'fp4'");
    assertThat(run("serve", model.toString(), "--quantization", "awq").err())
        .contains("--quantization awq is not supported", "none, q8_0 or q4_0");
    assertThat(run("serve", model.toString(), "--quantization", "gguf").err()).contains("--quantization gguf needs a .gguf MODEL");
    assertThat(run("serve", model.toString(), "--gpu-memory-utilization", "lots").err())
        .contains("--gpu-memory-utilization", "'lots'");
    assertThat(run("serve", model.toString(), "--gpu-memory-utilization", "0").err())
        .contains("--gpu-memory-utilization must be within (0, 1]");
    assertThat(run("serve", model.toString(), "--block-size", "0").err()).contains("--block-size");
    assertThat(run("serve", model.toString(), "--queue-timeout", "0").err()).contains("--queue-timeout");
    assertThat(run("serve", dir.resolve("missing").toString()).err()).contains("does not exist");
  }

  @Test
  void checkServeArguments_acceptsVllmDtypes_withoutModelOnDisk_orGpuProbe() {
    for (String dtype : List.of("auto", "half", "float16", "bfloat16", "float", "float32", "BFloat16")) {
      Main.checkServeArguments(List.of("serve", "/models/not-here", "--dtype=" + dtype, "--device=cuda"));
    }
    for (String quantization : List.of("none", "q8_0", "Q4_0")) {
      Main.checkServeArguments(List.of("serve", "/models/not-here", "--quantization=" + quantization));
    }
  }

  @Test
  void checkServeArguments_rejectsWhatServeWould_withTheEnginesMessage() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Main.checkServeArguments(List.of("serve", "/m", "--model=/m")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--model=/m");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Main.checkServeArguments(List.of("serve", "/m", "--dtype=fp8")))
        .hasMessageContaining("--dtype must be one of", "'fp8'");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Main.checkServeArguments(List.of("serve", "/m", "--port=x")))
        .hasMessageContaining("--port");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Main.checkServeArguments(List.of("/m", "--port=8000")))
        .hasMessageContaining("/m");
  }

  @Test
  void sizes_parseLikeVllmUsersWriteThem() {
    assertThat(ServeCommand.parseBytes("--x", "4GiB")).isEqualTo(4L << 30);
    assertThat(ServeCommand.parseBytes("--x", "512MiB")).isEqualTo(512L << 20);
    assertThat(ServeCommand.parseBytes("--x", "2G")).isEqualTo(2L << 30);
    assertThat(ServeCommand.parseBytes("--x", "1073741824")).isEqualTo(1L << 30);
    assertThat(ServeCommand.parseFraction("0.9")).isEqualTo(0.9);
    assertThat(ServeCommand.parseFraction("64MiB")).isNaN();
  }

  @Test
  void sigterm_drainsInFlightStreams_refusesNewRequests_andExitsZero() throws Exception {
    try (ServeProcess serve = ServeProcess.start(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()),
        model, "--served-model-name", ServerHarness.MODEL, "--max-model-len", "2048", "--gpu-memory-utilization", "32MiB",
        "--threads", "1", "--drain-timeout", "60")) {
      Process p = serve.process();
      int port = serve.port();
      HttpClient http = HttpClient.newHttpClient();
      RawStream inFlight = new RawStream(port, json("prompt", "Hello", "max_tokens", 1500, "ignore_eos", true,
          "stream", true));
      p.destroy(); // SIGTERM
      HttpResponse<String> refused = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (System.nanoTime() < deadline) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/completions"))
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofString(json("prompt", "Hi", "max_tokens", 1))).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 503) {
          refused = r;
          break;
        }
        Thread.sleep(20);
      }
      assertThat(refused).as("a request during the drain is refused").isNotNull();
      assertThat(refused.body()).contains("shutting_down");
      assertThat(refused.headers().firstValue("connection")).hasValue("close");
      assertThat(inFlight.readToDone()).as("the in-flight stream finishes").isTrue();
      inFlight.close();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(serve.log().toString()).isZero();
    }
  }
}
