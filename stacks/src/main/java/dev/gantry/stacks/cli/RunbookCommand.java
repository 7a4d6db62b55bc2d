package dev.gantry.stacks.cli;

import dev.gantry.policies.checklist.Attestations;
import dev.gantry.policies.gate.Gate;
import dev.gantry.policies.gate.GateReport;
import dev.gantry.policies.graph.ResourceGraph;
import dev.gantry.runbooks.Runbook;
import dev.gantry.runbooks.RunbookGenerator;
import dev.gantry.stacks.config.StackCatalog;
import dev.gantry.stacks.config.StackConfigException;
import dev.gantry.stacks.plan.PlanException;
import dev.gantry.stacks.plan.Planner;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code gantry runbook STACK [--out DIR]}: plans the stack offline, gates it with its
 * attestations, and writes the stack's runbook (Markdown, {@code index.md} first) generated
 * from that plan and verdict. Exit 0 written (whatever the gate's verdict: the checklist
 * page says what is owed), 2 bad input.
 */
@Command(name = "runbook", mixinStandardHelpOptions = true,
    description = {"Generate the stack's runbooks (Markdown) from its offline plan and the gate's verdict:",
        "overview with architecture diagram and cost, deploy, rollback, alerts, troubleshooting, scaling,",
        "backup/DR, checklist status. Default output: build/gantry/STACK/runbooks/."},
    footer = {"", "Examples:", "  gantry runbook aws-prod", "  gantry runbook aws-prod --out docs/examples/aws-prod"})
final class RunbookCommand implements Callable<Integer> {
  @ParentCommand
  GantryCli parent;

  @Parameters(index = "0", paramLabel = "STACK", description = "Stack name, e.g. aws-prod (see 'gantry stacks').")
  String stack;

  @Option(names = "--out", paramLabel = "DIR", description = "Directory to write the pages into; default: build/gantry/STACK/runbooks/.")
  Path outDir;

  @Option(names = "--attestations", paramLabel = "FILE",
      description = "Attestations and waivers for the checklist page; default: stacks/attestations/STACK.yaml.")
  Path attestationsFile;

  @Override
  public Integer call() {
    PrintWriter out = parent.spec.commandLine().getOut();
    PrintWriter err = parent.spec.commandLine().getErr();
    try {
      // bad options fail before the plan, which takes seconds
      if (attestationsFile != null && !Files.isRegularFile(attestationsFile)) {
        throw new IllegalArgumentException("attestation file '" + attestationsFile + "' does not exist");
      }
      if (outDir != null && Files.exists(outDir) && !Files.isDirectory(outDir)) {
        throw new IllegalArgumentException("--out '" + outDir + "' is a file, not a directory; give a directory for the pages");
      }
      StackCatalog catalog = parent.catalog();
      ResourceGraph graph = new Planner(catalog).plan(stack).graph();
      Path attestations = attestationsFile != null ? attestationsFile
          : catalog.stacksDir().resolve("attestations").resolve(stack + ".yaml");
      GateReport report = Gate.builder().attestations(Attestations.load(attestations, stack)).build().evaluate(graph);
      Runbook runbook = RunbookGenerator.builder().build().generate(graph, report);
      Path dir = outDir != null ? outDir : catalog.repoRoot().resolve("build").resolve("gantry").resolve(stack).resolve("runbooks");
      runbook.writeTo(dir);
      out.println("Runbook of " + stack + " written to " + dir.resolve(RunbookGenerator.INDEX) + " (" + runbook.pages().size()
          + " pages; gate " + (report.ready() ? "ready" : "NOT ready: see checklist.md") + ")");
      return GantryCli.OK;
    } catch (StackConfigException | PlanException | IllegalArgumentException | UncheckedIOException e) {
      err.println("gantry runbook: " + e.getMessage());
      return GantryCli.BAD_INPUT;
    }
  }
}
