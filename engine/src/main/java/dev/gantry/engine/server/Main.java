package dev.gantry.engine.server;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code gantry-engine} launcher: {@code gantry-engine serve MODEL [flags]}
 * with flags named like {@code vllm serve}. Exit codes: 0 after a clean shutdown (including a
 * drained SIGTERM), 1 when serving failed, 2 for bad flags.
 */
@Command(name = "gantry-engine", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    subcommands = {ServeCommand.class, CommandLine.HelpCommand.class},
    description = "Gantry's inference engine: serves a Llama-family model over an OpenAI-compatible API.")
public final class Main implements Runnable {
  /** Liveness and readiness: 200 while the engine steps, 503 when stuck or draining. */
  public static final String HEALTH_PATH = "/health";
  /** Prometheus metrics with vLLM's names. */
  public static final String METRICS_PATH = "/metrics";

  /**
   * What a checked {@code serve} command line would serve.
   *
   * @param port              the port the API, {@link #HEALTH_PATH} and {@link #METRICS_PATH} listen on
   * @param servedModelNames  the names clients send as "model"
   */
  public record Serve(String host, int port, java.util.List<String> servedModelNames) {}

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    useSystemThreadPollers();
    int code = commandLine().execute(args);
    if (code != 0 || args.length == 0 || !"serve".equals(args[0])) {
      System.exit(code);
    }
    // serve returned 0: its shutdown hook already drained; nothing else to do.
  }

  /**
   * Virtual threads blocked on sockets (every connection and its handler) are woken by the JDK's
   * pollers. Since JDK 22 the default on Linux is virtual-thread sub-pollers under a platform
   * master poller, one more hand-off per wake-up than platform poller threads (mode 1); on a busy
   * host each hand-off waits for a CPU, and mode 1 measured 1-7 ms less added TTFT p50
   * (docs/PERFORMANCE.md). {@code jdk.pollerMode} is a JDK-internal property, read once when the
   * first such I/O happens, so it is set here first; a value given with -D wins, and a JDK that
   * does not know it ignores it.
   */
  static void useSystemThreadPollers() {
    if (System.getProperty("jdk.pollerMode") == null) {
      System.setProperty("jdk.pollerMode", "1");
    }
  }

  /**
   * Checks a {@code serve MODEL [flags]} command line the way {@code gantry-engine} would
   * before loading anything: picocli's parse (unknown flags, bad numbers, missing MODEL) and
   * every flag check that needs neither the model on disk nor a GPU (the device is parsed,
   * not probed). For deployments' arguments, which must pass this before they reach a pod.
   *
   * @throws IllegalArgumentException with the message the engine would print and exit 2 with
   */
  public static Serve checkServeArguments(java.util.List<String> args) {
    CommandLine.ParseResult result;
    try {
      result = commandLine().parseArgs(args.toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    if (!(result.subcommand() != null && result.subcommand().commandSpec().userObject() instanceof ServeCommand serve)) {
      throw new IllegalArgumentException("expected 'serve MODEL [flags]', got " + args);
    }
    try {
      serve.checkedEngineBuilder();
      ServerConfig config = serve.serverConfig();
      return new Serve(config.host(), config.port(), config.servedModelNames());
    } catch (CommandLine.ParameterException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  static CommandLine commandLine() {
    return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** The version from the jar manifest, or the build's when run from classes. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"gantry-engine " + OpenAiServer.version()};
    }
  }
}
