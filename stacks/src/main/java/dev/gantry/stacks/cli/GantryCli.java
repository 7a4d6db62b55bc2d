package dev.gantry.stacks.cli;

import dev.gantry.stacks.config.StackCatalog;
import dev.gantry.stacks.config.StackConfigException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code gantry} command line. Subcommands are registered in {@link #commandLine}, one
 * line each; they reach the checkout through {@link #catalog()}. Exit codes: 0 ok,
 * 1 failure (e.g. the gate blocks), 2 bad input (unknown stack, bad stack file) with a
 * message naming the key and the fix.
 */
@Command(name = "gantry", mixinStandardHelpOptions = true, version = "gantry 0.1.0",
    description = "Platform-as-code for self-hosted LLM serving: plan, gate and deploy GPU serving stacks.",
    footer = {"", "Examples:", "  gantry stacks", "  gantry plan aws-prod"})
public final class GantryCli implements Runnable {
  public static final int OK = 0;
  public static final int FAILED = 1;
  public static final int BAD_INPUT = 2;

  @Spec
  CommandSpec spec;

  @Option(names = "--stacks-dir", paramLabel = "DIR",
      description = "Stacks directory (holds Pulumi.yaml); default: stacks/ of the enclosing checkout.")
  Path stacksDir;

  /** Runs the CLI and exits with its code; sets the ForkJoinPool parallelism Pulumi Java needs first. */
  public static void main(String[] args) {
    if (System.getProperty("java.util.concurrent.ForkJoinPool.common.parallelism") == null) {
      System.setProperty("java.util.concurrent.ForkJoinPool.common.parallelism", "4");
    }
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    int code = run(out, err, args);
    // Autoflush covers println only; a table drawn with print() must not be lost on exit.
    out.flush();
    err.flush();
    System.exit(code);
  }

  /** Runs the CLI with the given streams; returns the exit code. */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    return commandLine(out, err).execute(args);
  }

  /** The command line with every subcommand; add new subcommands here, one line each. */
  public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new GantryCli());
    cli.addSubcommand(new PlanCommand());
    cli.addSubcommand(new StacksCommand());
    cli.addSubcommand(new GateCommand()).addSubcommand(new UpCommand());
    cli.addSubcommand(new RunbookCommand());
    cli.addSubcommand(new ImagesCommand());
    cli.addSubcommand(new ComposeCommand());
    cli.addSubcommand(new LocalCommand());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof StackConfigException) {
        cmd.getErr().println("gantry: " + e.getMessage());
        return BAD_INPUT;
      }
      cmd.getErr().println("gantry: " + e.getMessage());
      return FAILED;
    });
    return cli;
  }

  /** The stacks of this checkout (or of {@code --stacks-dir}). */
  public StackCatalog catalog() {
    return stacksDir != null ? StackCatalog.at(stacksDir) : StackCatalog.locate();
  }

  /** The checkout's stacks, or null when the command runs outside one (a graph file may come from anywhere). */
  StackCatalog catalogIfPresent() {
    try {
      return catalog();
    } catch (RuntimeException e) {
      return null;
    }
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
