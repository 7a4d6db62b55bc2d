package dev.gantry.stacks.cli;

import dev.gantry.policies.checklist.Attestations;
import dev.gantry.policies.gate.Gate;
import dev.gantry.policies.gate.GateReport;
import dev.gantry.policies.graph.GraphFormatException;
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
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code gantry runbook STACK [--out DIR]}: plans the stack offline (or reads a graph written
 * by {@code gantry plan} or Pulumi), gates it with its attestations, and writes the stack's
 * runbook (Markdown, {@code index.md} first) generated from that graph and verdict. Exit 0
 * written, whatever the gate's verdict (the checklist page says what is owed); 2 bad input.
 */
@Command(name = "runbook", mixinStandardHelpOptions = true,
    header = "Generate the stack's runbooks (Markdown) from its plan and the gate's verdict.",
    description = {"Overview with architecture diagrams and cost, deploy, rollback, alerts,",
        "troubleshooting, scaling, backup/DR, checklist status.",
        "Default output: build/gantry/STACK/runbooks/."},
    footer = {"", "Examples:", "  gantry runbook aws-prod", "  gantry runbook aws-prod --out docs/examples/aws-prod",
        "  pulumi stack export -s aws-prod > state.json && gantry runbook --stack-export state.json"})
final class RunbookCommand implements Callable<Integer> {
  @ParentCommand
  GantryCli parent;

  @Parameters(index = "0", arity = "0..1", paramLabel = "STACK",
      description = "Stack name (see 'gantry stacks'); optional when a graph file is given.")
  String stack;

  @ArgGroup(exclusive = true)
  GateCommand.GraphFile graphFile;

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
      StackCatalog catalog = graphFile == null ? parent.catalog() : parent.catalogIfPresent();
      ResourceGraph graph = graph(catalog);
      Path attestations = attestationsFile != null ? attestationsFile
          : catalog == null ? null : catalog.stacksDir().resolve("attestations").resolve(graph.stack() + ".yaml");
      GateReport report = Gate.builder()
          .attestations(attestations == null ? Attestations.none(graph.stack()) : Attestations.load(attestations, graph.stack()))
          .build().evaluate(graph);
      Runbook runbook = RunbookGenerator.builder().build().generate(graph, report);
      Path dir = outDir != null ? outDir
          : (catalog == null ? Path.of("") : catalog.repoRoot()).resolve("build/gantry").resolve(graph.stack()).resolve("runbooks");
      runbook.writeTo(dir);
      out.println("Runbook of " + graph.stack() + " written to " + dir.resolve(RunbookGenerator.INDEX) + " ("
          + runbook.pages().size() + " pages; gate " + (report.ready() ? "ready" : "NOT ready: see checklist.md") + ")");
      return GantryCli.OK;
    } catch (GraphFormatException | StackConfigException | PlanException | IllegalArgumentException | UncheckedIOException e) {
      err.println("gantry runbook: " + e.getMessage());
      return GantryCli.BAD_INPUT;
    }
  }

  private ResourceGraph graph(StackCatalog catalog) {
    if (graphFile == null) {
      if (stack == null) {
        throw new IllegalArgumentException("give a STACK (see 'gantry stacks'), or a graph file with --plan-json,"
            + " --preview-json or --stack-export");
      }
      return new Planner(catalog).plan(stack).graph();
    }
    return graphFile.read(stack, "use");
  }
}
