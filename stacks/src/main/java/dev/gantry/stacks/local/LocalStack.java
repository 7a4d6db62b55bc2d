package dev.gantry.stacks.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.stacks.local.LocalState.Started;
import dev.gantry.stacks.local.Progress.StepResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code gantry local up|down|status}: the engine (CPU backend) and the gateway (embedded H2)
 * as detached processes on this machine, started through the checkout's launcher scripts
 * ({@code engine/gantry-engine}, {@code gateway/gantry-gateway}), which find a JDK and build
 * their module on first use. Everything lives in one state directory:
 *
 * <pre>
 *   STATE/local.json, engine.pid, gateway.pid   what up started (read by down and status)
 *   STATE/engine.log, gateway.log               process output (the previous run's in *.log.1)
 *   STATE/master.key                            the gateway's master key, mode 0600
 *   STATE/gateway/config.yaml, gateway/data/    generated LiteLLM-style config, H2 database
 *   STATE/demo-model/                           the random-weights demo model (without --model)
 * </pre>
 */
public final class LocalStack {
  public static final String LOOPBACK = "127.0.0.1";
  static final String MASTER_KEY_FILE = "master.key";
  static final String MASTER_KEY_ENV = "GANTRY_MASTER_KEY";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path root;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** A local stack run from the checkout at {@code root} (where the launcher scripts are). */
  public LocalStack(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  /** What {@code local up} is asked for; a port of 0 means "any free port". */
  public record UpOptions(Path stateDir, Path model, int enginePort, int gatewayPort, Duration waitTimeout) {
    public UpOptions {
      stateDir = stateDir.toAbsolutePath().normalize();
      checkPort("--port-engine", enginePort);
      checkPort("--port-gateway", gatewayPort);
      if (enginePort != 0 && enginePort == gatewayPort) {
        throw LocalException.badInput("--port-engine and --port-gateway are both " + enginePort
            + "; give them different ports, e.g. --port-engine 8000 --port-gateway 4000");
      }
      if (waitTimeout.isNegative() || waitTimeout.isZero()) {
        throw LocalException.badInput("--wait-timeout must be a number of seconds > 0, got " + waitTimeout.toSeconds());
      }
    }

    private static void checkPort(String flag, int port) {
      if (port < 0 || port > 65535) {
        throw LocalException.badInput(flag + " must be within [0, 65535] (0 picks a free port), got " + port);
      }
    }
  }

  /** What {@code local up} started; {@code masterKey} is null when an earlier run's key was reused. */
  public record UpResult(Path stateDir, String servedModelName, boolean demo, Path model, int enginePort, int gatewayPort,
      long enginePid, long gatewayPid, String masterKey, Path masterKeyFile, String virtualKey) {
    public String gatewayUrl() {
      return "http://" + LOOPBACK + ":" + gatewayPort;
    }
  }

  /** How {@code local down} ended one process. */
  public enum Stopped { NOT_RUNNING, TERMINATED, KILLED }

  /** One process as {@code local down} left it. */
  public record StopOutcome(Component component, long pid, Stopped stopped) {}

  /** One row of {@code local status}; pid is empty when the process is not running. */
  public record Status(Component component, Optional<Long> pid, int port, String health, Optional<Duration> uptime,
      Path log) {
    public boolean healthy() {
      return health.equals("healthy");
    }
  }

  // ---------------------------------------------------------------------------------------- up

  public UpResult up(UpOptions o, Progress progress) {
    Path state = o.stateDir();
    refuseIfRunning(state);
    Path model = o.model() == null ? null : checkModel(o.model());
    int enginePort = claimPort("--port-engine", o.enginePort());
    int gatewayPort = claimPort("--port-gateway", o.gatewayPort());
    if (enginePort == gatewayPort) {
      gatewayPort = claimPort("--port-gateway", 0);
    }
    try {
      Files.createDirectories(state.resolve("gateway/data"));
    } catch (IOException e) {
      throw LocalException.badInput("Cannot create the state directory '" + state + "' (" + e.getMessage()
          + "); pass a writable one with --state-dir DIR");
    }
    boolean demo = model == null;
    Path modelPath = demo ? state.resolve("demo-model") : model;
    String served = demo ? DemoModel.SERVED_NAME : servedName(model);
    if (demo) {
      progress.step("demo model", () -> {
        boolean reused = DemoModel.present(modelPath);
        if (!reused) {
          DemoModel.write(modelPath, 1);
        }
        return StepResult.done(String.format("RANDOM weights, Llama-shaped, %,d parameters, %s %s (for trying the "
            + "plumbing; answers are gibberish)", DemoModel.numParameters(), reused ? "reused" : "written to", modelPath));
      });
    }
    for (Component c : Component.values()) {
      progress.step(c.label() + " build", () -> StepResult.done(ensureBuilt(c, state)));
    }
    Path keyFile = state.resolve(MASTER_KEY_FILE);
    String newMasterKey = Files.exists(keyFile) ? null : createMasterKey(keyFile);
    String masterKey = readKey(keyFile);

    LocalState record = new LocalState(modelPath.toString(), demo, served, List.of());
    List<Started> started = new ArrayList<>();
    Thread cleanup = new Thread(() -> started.forEach(s -> LocalProcesses.stop(s, Duration.ofSeconds(5))), "gantry-local-abort");
    Runtime.getRuntime().addShutdownHook(cleanup); // Ctrl-C during up: leave nothing half-started behind
    try {
      int ep = enginePort;
      Started engine = progress.step("engine", () -> {
        Started s = startEngine(state, modelPath, served, ep, demo);
        started.add(s);
        new LocalState(record.model(), demo, served, started).write(state);
        waitHealthy(s, o.waitTimeout());
        return new StepResult<>(s, "healthy at http://" + LOOPBACK + ":" + ep + " serving '" + served + "' (pid "
            + s.pid() + ", log " + s.log() + ")");
      });
      int gp = gatewayPort;
      Started gateway = progress.step("gateway", () -> {
        Path config = writeGatewayConfig(state, served, ep);
        Started s = startGateway(state, config, gp, masterKey);
        started.add(s);
        new LocalState(record.model(), demo, served, started).write(state);
        waitHealthy(s, o.waitTimeout());
        return new StepResult<>(s, "ready at http://" + LOOPBACK + ":" + gp + " (pid " + s.pid() + ", H2 in "
            + state.resolve("gateway/data") + ", log " + s.log() + ")");
      });
      String virtualKey = progress.step("virtual key", () -> new StepResult<>(createVirtualKey(gp, masterKey, served),
          "created for model '" + served + "' (alias gantry-local)"));
      return new UpResult(state, served, demo, modelPath, ep, gp, engine.pid(), gateway.pid(), newMasterKey, keyFile,
          virtualKey);
    } catch (RuntimeException e) {
      started.forEach(s -> LocalProcesses.stop(s, Duration.ofSeconds(10)));
      LocalState.clear(state);
      throw e;
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(cleanup);
      } catch (IllegalStateException e) {
        // the JVM is already shutting down; the hook runs
      }
    }
  }

  private void refuseIfRunning(Path state) {
    Optional<LocalState> previous = LocalState.read(state);
    if (previous.isEmpty()) {
      return;
    }
    List<String> running = previous.get().processes().stream().filter(s -> LocalProcesses.owned(s).isPresent())
        .map(s -> s.component() + " pid " + s.pid() + " on port " + s.port()).toList();
    if (!running.isEmpty()) {
      throw LocalException.badInput("gantry local is already running in '" + state + "' (" + String.join(", ", running)
          + "); stop it with 'gantry local down" + stateFlag(state) + "', or start another one with --state-dir DIR "
          + "and other ports");
    }
    LocalState.clear(state); // the processes are gone: a stale record
  }

  static Path checkModel(Path model) {
    Path m = model.toAbsolutePath().normalize();
    if (!Files.exists(m)) {
      throw LocalException.badInput("--model '" + model + "' does not exist; pass a Hugging Face model directory "
          + "(config.json, tokenizer.json, *.safetensors) or a .gguf file, or leave --model out for the demo model");
    }
    if (Files.isDirectory(m)) {
      if (!Files.isRegularFile(m.resolve("config.json"))) {
        throw LocalException.badInput("--model '" + model + "' is a directory without config.json; pass a Hugging "
            + "Face model directory (config.json, tokenizer.json, *.safetensors) or a .gguf file");
      }
      return m;
    }
    if (!m.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".gguf")) {
      throw LocalException.badInput("--model '" + model + "' is a file but not a .gguf file; pass a GGUF file or a "
          + "Hugging Face model directory");
    }
    return m;
  }

  /** The directory's name, or the GGUF file's name without its extension. */
  static String servedName(Path model) {
    String name = model.getFileName().toString();
    return name.toLowerCase(java.util.Locale.ROOT).endsWith(".gguf") ? name.substring(0, name.length() - 5) : name;
  }

  /** Checks that {@code port} is free on the loopback address (0: picks a free one) and returns it. */
  static int claimPort(String flag, int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), port));
      return s.getLocalPort();
    } catch (IOException e) {
      throw LocalException.badInput(flag + " " + port + ": port " + port + " is already in use on " + LOOPBACK
          + "; stop what listens there (see 'ss -ltnp sport = :" + port + "') or pick another port with " + flag + " N");
    }
  }

  /**
   * Runs the launcher once with a no-op flag so that it builds its module now (first run, or
   * sources changed), with a step of its own, rather than inside the health wait.
   */
  private String ensureBuilt(Component c, Path state) {
    Path launcher = root.resolve(c.launcher());
    if (!Files.isExecutable(launcher)) {
      throw LocalException.failed("No launcher '" + launcher + "'; run gantry from a complete Gantry checkout");
    }
    Path log = state.resolve(c.label() + "-build.log");
    List<String> command = List.of(launcher.toString(), c == Component.ENGINE ? "--version" : "--help");
    try {
      Process p = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      p.getOutputStream().close();
      if (!p.waitFor(30, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw LocalException.failed(c.label() + " build took longer than 30 minutes; see " + log);
      }
      if (p.exitValue() != 0) {
        throw LocalException.failed(c.label() + " build failed (exit " + p.exitValue() + "); last lines of " + log + ":\n"
            + tail(log, 20));
      }
      String text = Files.readString(log);
      return text.contains("building") ? "built (" + c.launcher() + ")" : "up to date (" + c.launcher() + ")";
    } catch (IOException e) {
      throw LocalException.failed("Cannot run '" + launcher + "': " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw LocalException.failed("interrupted while building " + c.label());
    }
  }

  private Started startEngine(Path state, Path model, String served, int port, boolean demo) {
    List<String> command = new ArrayList<>(List.of(root.resolve(Component.ENGINE.launcher()).toString(), "serve",
        model.toString(), "--host", LOOPBACK, "--port", Integer.toString(port), "--served-model-name", served,
        "--drain-timeout", "10"));
    Map<String, String> env = new HashMap<>();
    if (demo) {
      // The demo model is 2 MB: a small KV cache and heap keep a laptop (or a CI box) light.
      command.addAll(List.of("--gpu-memory-utilization", "64MiB"));
      if (System.getenv("GANTRY_ENGINE_JAVA_OPTS") == null) {
        env.put("GANTRY_ENGINE_JAVA_OPTS", "-Xmx512m");
      }
    }
    return launch(Component.ENGINE, state, command, env, port, List.of("--port", Integer.toString(port)));
  }

  private Started startGateway(Path state, Path config, int port, String masterKey) {
    List<String> command = List.of(root.resolve(Component.GATEWAY.launcher()).toString(), "--config", config.toString(),
        "--host", LOOPBACK, "--port", Integer.toString(port), "--data-dir", state.resolve("gateway/data").toString());
    // The key reaches the gateway through its environment, so the config file holds no secret.
    return launch(Component.GATEWAY, state, command, Map.of(MASTER_KEY_ENV, masterKey), port,
        List.of("--config", config.toString()));
  }

  private Started launch(Component c, Path state, List<String> command, Map<String, String> env, int port,
      List<String> requiredArgs) {
    Path log = state.resolve(c.label() + ".log");
    try {
      if (Files.exists(log)) {
        Files.move(log, state.resolve(c.label() + ".log.1"), StandardCopyOption.REPLACE_EXISTING);
      }
      Files.writeString(log, "# gantry local up, " + Instant.now() + ": " + String.join(" ", command) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Process p = LocalProcesses.launch(command, root, env, log);
    return new Started(c.label(), p.pid(), LocalProcesses.startMillis(p.toHandle()), port, log.toString(), requiredArgs);
  }

  /** Polls the health path until it answers 200, the process exits, or the timeout passes. */
  private void waitHealthy(Started s, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Path log = Path.of(s.log());
    while (true) {
      if (ProcessHandle.of(s.pid()).filter(ProcessHandle::isAlive).isEmpty()) {
        throw LocalException.failed(s.component() + " exited while starting; last lines of " + log + ":\n" + tail(log, 25));
      }
      if (health(s.kind(), s.port()).equals("healthy")) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw LocalException.failed(s.component() + " did not become healthy at http://" + LOOPBACK + ":" + s.port()
            + s.kind().healthPath() + " within " + timeout.toSeconds() + " s; see " + log
            + " (a slow machine may need a longer --wait-timeout); last lines:\n" + tail(log, 25));
      }
      sleep(250);
    }
  }

  /** "healthy", "unhealthy (HTTP n)" or "not answering". */
  String health(Component c, int port) {
    try {
      HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://" + LOOPBACK + ":" + port + c.healthPath()))
          .timeout(Duration.ofSeconds(3)).GET().build(), HttpResponse.BodyHandlers.discarding());
      return r.statusCode() == 200 ? "healthy" : "unhealthy (HTTP " + r.statusCode() + ")";
    } catch (ConnectException e) {
      return "not answering";
    } catch (IOException e) {
      return "not answering";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "not answering";
    }
  }

  /** The generated LiteLLM-style config: one deployment, the engine; master key from the environment. */
  static Path writeGatewayConfig(Path state, String served, int enginePort) {
    Path config = state.resolve("gateway/config.yaml");
    String yaml = """
        # Generated by `gantry local up` on every start; edits are overwritten.
        # The master key comes from the environment (its value is in ../master.key, mode 0600).
        model_list:
          - model_name: %1$s
            litellm_params:
              model: openai/%1$s
              api_base: http://%2$s:%3$d/v1
        general_settings:
          master_key: os.environ/%4$s
        gantry_settings:
          health_check_interval: 5
        """.formatted(yamlScalar(served), LOOPBACK, enginePort, MASTER_KEY_ENV);
    try {
      Files.createDirectories(config.getParent());
      Files.writeString(config, yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return config;
  }

  /** A model name as a YAML scalar: quoted unless it is plainly safe. */
  static String yamlScalar(String s) {
    return s.matches("[A-Za-z0-9][A-Za-z0-9._/-]*") ? s : "'" + s.replace("'", "''") + "'";
  }

  /** Writes a fresh master key with owner-only permissions (0600) from the start; returns it. */
  static String createMasterKey(Path file) {
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    String key = "sk-gantry-" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    try {
      Files.createDirectories(file.getParent());
      try {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        Files.createFile(file); // not a POSIX file system
      }
      Files.writeString(file, key + "\n");
      return key;
    } catch (FileAlreadyExistsException e) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the master key to '" + file + "': " + e.getMessage(), e);
    }
  }

  private static String readKey(Path file) {
    try {
      String key = Files.readString(file).trim();
      if (key.length() < 8) {
        throw LocalException.badInput("The master key in '" + file + "' is shorter than 8 characters; delete the file "
            + "and run 'gantry local up' again to generate a new one");
      }
      return key;
    } catch (IOException e) {
      throw LocalException.badInput("Cannot read the master key '" + file + "' (" + e.getMessage() + ")");
    }
  }

  private String createVirtualKey(int gatewayPort, String masterKey, String served) {
    String body = JSON.createObjectNode().put("key_alias", "gantry-local")
        .set("models", JSON.createArrayNode().add(served)).toString();
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + LOOPBACK + ":" + gatewayPort
              + "/key/generate")).timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + masterKey)
              .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      JsonNode answer = r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
      if (answer == null || !answer.path("key").isTextual()) {
        throw LocalException.failed("The gateway refused to create a virtual key (HTTP " + r.statusCode() + ": "
            + r.body() + ")");
      }
      return answer.get("key").asText();
    } catch (IOException e) {
      throw LocalException.failed("Cannot reach the gateway admin API on port " + gatewayPort + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw LocalException.failed("interrupted while creating the virtual key");
    }
  }

  // -------------------------------------------------------------------------------------- down

  /** Stops the recorded processes that are still ours, gateway first; forgets the record. */
  public List<StopOutcome> down(Path stateDir, Duration grace) {
    Optional<LocalState> state = LocalState.read(stateDir);
    if (state.isEmpty()) {
      return List.of();
    }
    List<StopOutcome> out = new ArrayList<>();
    List<Component> order = new ArrayList<>(List.of(Component.values()));
    java.util.Collections.reverse(order);
    for (Component c : order) {
      state.get().process(c).ifPresent(s -> out.add(new StopOutcome(c, s.pid(), LocalProcesses.stop(s, grace))));
    }
    LocalState.clear(stateDir);
    return out;
  }

  // ------------------------------------------------------------------------------------ status

  /** One row per recorded process; empty when nothing was started in {@code stateDir}. */
  public List<Status> status(Path stateDir) {
    Optional<LocalState> state = LocalState.read(stateDir);
    if (state.isEmpty()) {
      return List.of();
    }
    List<Status> rows = new ArrayList<>();
    for (Component c : Component.values()) {
      state.get().process(c).ifPresent(s -> {
        Optional<ProcessHandle> p = LocalProcesses.owned(s);
        Optional<Duration> uptime = p.isPresent() && s.startMillis() != null
            ? Optional.of(Duration.ofMillis(System.currentTimeMillis() - s.startMillis())) : Optional.empty();
        rows.add(new Status(c, p.map(ProcessHandle::pid), s.port(), p.isPresent() ? health(c, s.port()) : "stopped",
            uptime, Path.of(s.log())));
      });
    }
    return rows;
  }

  // ----------------------------------------------------------------------------------- helpers

  /** The lines to try the stack: curl, the OpenAI Python SDK and the OpenAI Node SDK. */
  public static List<String> tryIt(UpResult r) {
    String url = r.gatewayUrl() + "/v1";
    String key = r.virtualKey();
    String m = r.servedModelName();
    return List.of(
        "curl " + url + "/chat/completions -H 'Authorization: Bearer " + key + "' -H 'Content-Type: application/json' "
            + "-d '{\"model\": \"" + m + "\", \"messages\": [{\"role\": \"user\", \"content\": \"Hello!\"}], "
            + "\"max_tokens\": 32}'",
        "python3 -c 'from openai import OpenAI; c = OpenAI(base_url=\"" + url + "\", api_key=\"" + key + "\"); "
            + "print(c.chat.completions.create(model=\"" + m + "\", messages=[{\"role\": \"user\", \"content\": "
            + "\"Hello!\"}], max_tokens=32).choices[0].message.content)'",
        "node --input-type=module -e 'import OpenAI from \"openai\"; const c = new OpenAI({baseURL: \"" + url
            + "\", apiKey: \"" + key + "\"}); const r = await c.chat.completions.create({model: \"" + m
            + "\", messages: [{role: \"user\", content: \"Hello!\"}], max_tokens: 32}); "
            + "console.log(r.choices[0].message.content)'");
  }

  /** " --state-dir DIR" unless {@code state} is the default of this checkout. */
  public String stateFlag(Path state) {
    return state.equals(defaultStateDir()) ? "" : " --state-dir " + state;
  }

  /** {@code build/gantry/local} under the checkout. */
  public Path defaultStateDir() {
    return root.resolve("build/gantry/local");
  }

  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(cannot read " + file + ": " + e.getMessage() + ")";
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw LocalException.failed("interrupted while waiting");
    }
  }
}
