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
    int code = commandLine().execute(args);
    if (code != 0 || args.length == 0 || !"serve".equals(args[0])) {
      System.exit(code);
    }
    // serve returned 0: its shutdown hook already drained; nothing else to do.
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
