package dev.gantry.stacks.cli;

import com.pulumi.automation.AutomationException;
import com.pulumi.automation.LocalWorkspace;
import com.pulumi.automation.UpOptions;
import com.pulumi.automation.UpResult;
import com.pulumi.automation.WorkspaceStack;
import dev.gantry.policies.graph.GraphFormatException;
import dev.gantry.policies.report.TextReport;
import dev.gantry.stacks.config.StackConfigException;
import dev.gantry.stacks.plan.PlanException;
import java.io.File;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code gantry up STACK}: gates the stack's offline plan and, only when it is ready, runs
 * the real {@code pulumi up} for that stack through the Pulumi Automation API
 * ({@link LocalWorkspace}/{@link WorkspaceStack}), streaming Pulumi's output. The
 * Automation API drives the Pulumi CLI, so without one this stops with exit 2 and says
 * what to install.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
    description = {"Gate a stack, then deploy it with 'pulumi up' (Pulumi Automation API).",
        "Exit 0 deployed, 1 gate not ready or deployment failed, 2 bad input or no Pulumi CLI."})
final class UpCommand implements Callable<Integer> {
  static final String INSTALL_HINT = "install the Pulumi CLI (https://www.pulumi.com/docs/install/: "
      + "'curl -fsSL https://get.pulumi.com | sh' or 'brew install pulumi/tap/pulumi'), make sure 'pulumi' is on PATH,"
      + " run 'pulumi login', then re-run 'gantry up'";

  @ParentCommand
  GantryCli parent;

  @Parameters(index = "0", paramLabel = "STACK", description = "Stack name, e.g. aws-prod (see 'gantry stacks').")
  String stack;

  @Option(names = "--policy", paramLabel = "FILE", description = "Policy file for the gate (see 'gantry gate --help').")
  Path policyFile;

  /** Environment lookup; tests replace it to simulate a machine without the Pulumi CLI. */
  UnaryOperator<String> env = System::getenv;

  @Override
  public Integer call() {
    PrintWriter out = parent.spec.commandLine().getOut();
    PrintWriter err = parent.spec.commandLine().getErr();
    GateCommand gate = new GateCommand();
    gate.parent = parent;
    gate.stack = stack;
    gate.policyFile = policyFile;
    GateCommand.GateRun run;
    try {
      run = gate.evaluate();
    } catch (GraphFormatException | StackConfigException | PlanException | IllegalArgumentException e) {
      err.println("gantry up: " + e.getMessage());
      return GantryCli.BAD_INPUT;
    }
    out.print(TextReport.render(run.report()));
    if (!run.report().ready()) {
      err.println("gantry up: stack '" + stack + "' is not ready; nothing was deployed");
      return GantryCli.FAILED;
    }
    Optional<Path> pulumi = findPulumi();
    if (pulumi.isEmpty()) {
      err.println("gantry up: the gate passed, but no Pulumi CLI was found (not on PATH, not in ~/.pulumi/bin); "
          + INSTALL_HINT + ". Nothing was deployed.");
      return GantryCli.BAD_INPUT;
    }
    Path workDir = parent.catalog().stacksDir();
    Optional<Path> missingJar = missingProgramJar(workDir);
    if (missingJar.isPresent()) {
      err.println("gantry up: the gate passed, but the program jar '" + missingJar.get() + "' that Pulumi.yaml runs"
          + " (runtime.options.binary) does not exist; build it with './mvnw -B -q package -pl stacks -am -DskipTests'"
          + " from the repository root, then re-run. Nothing was deployed.");
      return GantryCli.BAD_INPUT;
    }
    out.println("gantry up: gate passed; running 'pulumi up' for stack '" + stack + "' in " + workDir + " (" + pulumi.get() + ")");
    out.flush();
    try {
      WorkspaceStack ws = LocalWorkspace.createOrSelectStack(stack, workDir);
      UpResult result = ws.up(UpOptions.builder()
          .message("gantry up " + stack + " (gate passed)")
          .onStandardOutput(line -> {
            out.println(line);
            out.flush();
          })
          .onStandardError(err::println)
          .build());
      out.println("gantry up: " + result.summary().result() + ", changes " + result.summary().resourceChanges());
      return GantryCli.OK;
    } catch (AutomationException e) {
      err.println("gantry up: 'pulumi up' failed: " + e.getMessage());
      return GantryCli.FAILED;
    }
  }

  /** The {@code runtime.options.binary} of Pulumi.yaml when it names a file that does not exist. */
  static Optional<Path> missingProgramJar(Path stacksDir) {
    try {
      var yaml = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
          .readTree(stacksDir.resolve("Pulumi.yaml").toFile());
      String binary = yaml.path("runtime").path("options").path("binary").asText("");
      if (binary.isEmpty()) {
        return Optional.empty(); // Pulumi builds the program itself (Maven/Gradle runtime)
      }
      Path jar = stacksDir.resolve(binary);
      return Files.isRegularFile(jar) ? Optional.empty() : Optional.of(jar);
    } catch (java.io.IOException e) {
      return Optional.empty(); // let Pulumi report an unreadable project file itself
    }
  }

  /** The Pulumi CLI the Automation API would run: {@code pulumi} on PATH, else {@code ~/.pulumi/bin/pulumi}. */
  Optional<Path> findPulumi() {
    String path = env.apply("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        if (!dir.isBlank()) {
          Path candidate = Path.of(dir, "pulumi");
          if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
            return Optional.of(candidate);
          }
        }
      }
    }
    String home = env.apply("PULUMI_HOME");
    if (home == null && env.apply("HOME") != null) {
      home = Path.of(env.apply("HOME"), ".pulumi").toString();
    }
    if (home != null) {
      Path candidate = Path.of(home, "bin", "pulumi");
      if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
