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
