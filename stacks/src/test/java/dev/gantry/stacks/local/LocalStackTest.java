package dev.gantry.stacks.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gantry.stacks.local.LocalState.Started;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * up/down/status without the real engine and gateway: stand-in processes carry the command-line
 * tokens of the real ones, so ownership checks, signalling and refusals are tested for real.
 * (The e2e module runs the real processes.)
 */
class LocalStackTest {
  @TempDir
  Path state;
  @TempDir
  Path root;
  final List<Process> spawned = new ArrayList<>();
  final Progress progress = new Progress(new PrintWriter(new StringWriter()), false);

  @AfterEach
  void killStandIns() {
    spawned.forEach(Process::destroyForcibly);
  }

  /** A long-running bash whose command line carries {@code token} and {@code args}, like a launcher would. */
  Process standIn(String script, String token, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("bash", "-c", script, token));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    spawned.add(p);
    return p;
  }

  Process engineStandIn(int port) throws IOException {
    return standIn("sleep 60; true", "dev.gantry.engine.server.Main", "serve", "--port", Integer.toString(port));
  }

  static Started record(Component c, Process p, int port, List<String> required) {
    return new Started(c.label(), p.pid(), LocalProcesses.startMillis(p.toHandle()), port,
        "/tmp/" + c.label() + ".log", required);
  }

  void recordState(Started... processes) {
    new LocalState("/models/demo", true, "gantry-demo", List.of(processes)).write(state);
  }

  @Test
  void down_stopsTheRecordedProcessWithSigterm_andForgetsTheState() throws Exception {
    Process engine = engineStandIn(18000);
    recordState(record(Component.ENGINE, engine, 18000, List.of("--port", "18000")));
    assertThat(state.resolve("engine.pid")).hasContent(engine.pid() + "\n");

    List<LocalStack.StopOutcome> out = new LocalStack(root).down(state, Duration.ofSeconds(10));

    assertThat(out).containsExactly(new LocalStack.StopOutcome(Component.ENGINE, engine.pid(), LocalStack.Stopped.TERMINATED));
    assertThat(engine.waitFor()).isEqualTo(143); // SIGTERM, not SIGKILL (137)
    assertThat(state.resolve(LocalState.FILE)).doesNotExist();
    assertThat(state.resolve("engine.pid")).doesNotExist();
  }

  @Test
  void down_neverSignalsAProcessThatIsNotOurs() throws Exception {
    // A live PID whose command line lacks the gateway's token (a reused PID), and one with our
    // command line but another start time: both are left alone.
    Process stranger = standIn("sleep 60; true", "some-other-program", "--config", "/x.yaml");
    Process restarted = engineStandIn(18001);
    Started wrongStart = new Started("engine", restarted.pid(), LocalProcesses.startMillis(restarted.toHandle()) - 5000,
        18001, "/tmp/engine.log", List.of("--port", "18001"));
    recordState(wrongStart, record(Component.GATEWAY, stranger, 14000, List.of("--config", "/x.yaml")));

    List<LocalStack.StopOutcome> out = new LocalStack(root).down(state, Duration.ofSeconds(1));

    assertThat(out).extracting(LocalStack.StopOutcome::stopped)
        .containsExactly(LocalStack.Stopped.NOT_RUNNING, LocalStack.Stopped.NOT_RUNNING);
    assertThat(stranger.isAlive()).isTrue();
    assertThat(restarted.isAlive()).isTrue();
  }

  @Test
  void down_whenSigtermIsIgnored_sendsSigkillAfterTheTimeout() throws Exception {
    Process stubborn = standIn("trap '' TERM; while :; do sleep 0.1; done", "dev.gantry.engine.server.Main",
        "--port", "18002");
    Thread.sleep(300); // let bash install the trap
    recordState(record(Component.ENGINE, stubborn, 18002, List.of("--port", "18002")));

    List<LocalStack.StopOutcome> out = new LocalStack(root).down(state, Duration.ofSeconds(1));

    assertThat(out).extracting(LocalStack.StopOutcome::stopped).containsExactly(LocalStack.Stopped.KILLED);
    assertThat(stubborn.waitFor()).isEqualTo(137);
  }

  @Test
  void down_whenNothingWasStarted_returnsNothing() {
    assertThat(new LocalStack(root).down(state, Duration.ofSeconds(1))).isEmpty();
  }

  @Test
  void status_reportsPidPortAndHealth_andStoppedForAProcessThatIsGone() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort(); // nobody listens there once closed
    }
    Process engine = engineStandIn(port);
    Process gone = standIn("exit 0", "gantry-gateway");
    gone.waitFor();
    recordState(record(Component.ENGINE, engine, port, List.of("--port", Integer.toString(port))),
        new Started("gateway", gone.pid(), null, 14001, "/tmp/gateway.log", List.of()));

    List<LocalStack.Status> rows = new LocalStack(root).status(state);

    assertThat(rows).hasSize(2);
    assertThat(rows.get(0).component()).isEqualTo(Component.ENGINE);
    assertThat(rows.get(0).pid()).contains(engine.pid());
    assertThat(rows.get(0).health()).isEqualTo("not answering");
    assertThat(rows.get(0).uptime()).isPresent();
    assertThat(rows.get(1).pid()).isEmpty();
    assertThat(rows.get(1).health()).isEqualTo("stopped");
    assertThat(rows).noneMatch(LocalStack.Status::healthy);
  }

  @Test
  void up_whenAlreadyRunning_isBadInputNamingThePidAndTheFix() throws Exception {
    Process engine = engineStandIn(18003);
    recordState(record(Component.ENGINE, engine, 18003, List.of("--port", "18003")));

    assertThatThrownBy(() -> new LocalStack(root).up(options(null, 0, 0), progress))
        .isInstanceOf(LocalException.class).matches(e -> ((LocalException) e).badInput())
        .hasMessageContaining("already running in '" + state + "'")
        .hasMessageContaining("engine pid " + engine.pid() + " on port 18003")
        .hasMessageContaining("gantry local down --state-dir " + state);
    assertThat(engine.isAlive()).isTrue();
  }

  @Test
  void up_whenTheModelDoesNotExist_isBadInputNamingIt() {
    Path missing = root.resolve("no-such-model");
    assertThatThrownBy(() -> new LocalStack(root).up(options(missing, 0, 0), progress))
        .isInstanceOf(LocalException.class).matches(e -> ((LocalException) e).badInput())
        .hasMessageContaining("--model '" + missing + "' does not exist")
        .hasMessageContaining("Hugging Face model directory");
  }

  @Test
  void checkModel_acceptsHfDirectoriesAndGgufFiles_andNamesWhatIsWrongOtherwise() throws IOException {
    Path hf = Files.createDirectories(root.resolve("Qwen2.5-0.5B"));
    assertThatThrownBy(() -> LocalStack.checkModel(hf)).hasMessageContaining("without config.json");
    Files.writeString(hf.resolve("config.json"), "{}");
    assertThat(LocalStack.checkModel(hf)).isEqualTo(hf);
    Path gguf = Files.writeString(root.resolve("llama-1b-Q8_0.gguf"), "GGUF");
    assertThat(LocalStack.checkModel(gguf)).isEqualTo(gguf);
    Path other = Files.writeString(root.resolve("weights.bin"), "x");
    assertThatThrownBy(() -> LocalStack.checkModel(other)).hasMessageContaining("'" + other + "' is a file but not a .gguf");
    assertThat(LocalStack.servedName(hf)).isEqualTo("Qwen2.5-0.5B");
    assertThat(LocalStack.servedName(gguf)).isEqualTo("llama-1b-Q8_0");
  }

  @Test
  void up_whenTheEnginePortIsInUse_isBadInputNamingThePortAndTheFlag() throws IOException {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName(LocalStack.LOOPBACK))) {
      int port = busy.getLocalPort();
      assertThatThrownBy(() -> new LocalStack(root).up(options(null, port, 0), progress))
          .isInstanceOf(LocalException.class).matches(e -> ((LocalException) e).badInput())
          .hasMessageContaining("--port-engine " + port + ": port " + port + " is already in use")
          .hasMessageContaining("pick another port with --port-engine N");
    }
    assertThat(state.resolve(LocalState.FILE)).doesNotExist();
  }

  @Test
  void upOptions_rejectBadPortsAndTimeouts() {
    assertThatThrownBy(() -> new LocalStack.UpOptions(state, null, 4000, 4000, Duration.ofSeconds(1)))
        .hasMessageContaining("--port-engine and --port-gateway are both 4000");
    assertThatThrownBy(() -> new LocalStack.UpOptions(state, null, 70000, 0, Duration.ofSeconds(1)))
        .hasMessageContaining("--port-engine must be within [0, 65535] (0 picks a free port), got 70000");
    assertThatThrownBy(() -> new LocalStack.UpOptions(state, null, 0, 0, Duration.ZERO))
        .hasMessageContaining("--wait-timeout must be a number of seconds > 0");
  }

  @Test
  void createMasterKey_isOwnerOnlyFromTheStart_andNeverOverwritten() throws IOException {
    Path file = state.resolve("master.key");
    String key = LocalStack.createMasterKey(file);
    assertThat(key).startsWith("sk-gantry-").hasSizeGreaterThan(30);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(LocalStack.createMasterKey(file)).isNull();
    assertThat(Files.readString(file).trim()).isEqualTo(key);
  }

  @Test
  void writeGatewayConfig_pointsAtTheEngineAndReadsTheMasterKeyFromTheEnvironment() throws IOException {
    Path config = LocalStack.writeGatewayConfig(state, "gantry-demo", 18004);
    assertThat(Files.readString(config)).contains("- model_name: gantry-demo", "model: openai/gantry-demo",
        "api_base: http://127.0.0.1:18004/v1", "master_key: os.environ/GANTRY_MASTER_KEY").doesNotContain("sk-");
    assertThat(LocalStack.yamlScalar("my model: v2")).isEqualTo("'my model: v2'");
  }

  @Test
  void carries_needsAComponentTokenAndTheArgumentsInOrder_inEveryFormTheLauncherTakes() {
    List<String> port = List.of("--port", "8000");
    List<String> tokens = Component.ENGINE.commandTokens();
    List<String> launcher = List.of("bash", "/r/engine/gantry-engine", "serve", "/m", "--port", "8000");
    List<String> jar = List.of("/jdk/bin/java", "--add-modules", "jdk.incubator.vector", "-jar",
        "/r/engine/target/gantry-engine.jar", "serve", "/m", "--port", "8000");
    List<String> classes = List.of("java", "-cp", "/r/engine/target/classes:/a.jar", "dev.gantry.engine.server.Main",
        "serve", "/m", "--port", "8000");
    assertThat(List.of(launcher, jar, classes)).allMatch(args -> LocalProcesses.carries(args, tokens, port));
    assertThat(LocalProcesses.carries(jar, tokens, List.of("--port", "8001"))).isFalse();
    assertThat(LocalProcesses.carries(jar, Component.GATEWAY.commandTokens(), port)).isFalse();
  }

  @Test
  void tryIt_printsCurlPythonAndNodeLinesWithTheGatewayUrlAndKey() {
    var r = new LocalStack.UpResult(state, "gantry-demo", true, state, 8000, 4000, 1, 2, null, state, "sk-abc");
    assertThat(LocalStack.tryIt(r)).satisfiesExactly(
        curl -> assertThat(curl).startsWith("curl http://127.0.0.1:4000/v1/chat/completions -H 'Authorization: Bearer sk-abc'"),
        py -> assertThat(py).contains("OpenAI(base_url=\"http://127.0.0.1:4000/v1\", api_key=\"sk-abc\")"),
        node -> assertThat(node).contains("new OpenAI({baseURL: \"http://127.0.0.1:4000/v1\", apiKey: \"sk-abc\"})"));
  }

  LocalStack.UpOptions options(Path model, int enginePort, int gatewayPort) {
    return new LocalStack.UpOptions(state, model, enginePort, gatewayPort, Duration.ofSeconds(5));
  }

}
