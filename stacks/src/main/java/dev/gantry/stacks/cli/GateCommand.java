package dev.gantry.stacks.cli;

import dev.gantry.policies.checklist.Attestations;
import dev.gantry.policies.checklist.Checklist;
import dev.gantry.policies.gate.Gate;
import dev.gantry.policies.gate.GateReport;
import dev.gantry.policies.graph.GraphFormatException;
import dev.gantry.policies.graph.PulumiJson;
import dev.gantry.policies.graph.ResourceGraph;
import dev.gantry.policies.report.ReportFormat;
import dev.gantry.stacks.config.StackCatalog;
import dev.gantry.stacks.config.StackConfigException;
import dev.gantry.stacks.plan.PlanException;
import dev.gantry.stacks.plan.Planner;
import java.io.IOException;
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
 * {@code gantry gate [STACK] [--preview-json F | --stack-export F | --plan-json F]}: judges a
 * stack's plan (made offline, or read from Pulumi's own output) with the production-readiness
 * rules, checklists, attestations and waivers. Exit 0 ready, 1 not ready, 2 bad input.
 */
@Command(name = "gate", mixinStandardHelpOptions = true,
    description = {"Judge a stack with the production-readiness gate: rules, checklists, attestations, waivers.",
        "Plans the stack offline unless a graph file is given. Exit 0 ready, 1 not ready, 2 bad input."},
    footer = {"", "Examples:", "  gantry gate aws-prod",
        "  gantry gate --preview-json preview.json --format sarif --out build/gate",
        "  pulumi stack export -s aws-prod > state.json && gantry gate --stack-export state.json"})
final class GateCommand implements Callable<Integer> {
  @ParentCommand
  GantryCli parent;

  @Parameters(index = "0", arity = "0..1", paramLabel = "STACK",
      description = "Stack name (see 'gantry stacks'); optional when a graph file is given.")
  String stack;

  @ArgGroup(exclusive = true)
  GraphFile graphFile;

  static final class GraphFile {
    @Option(names = "--preview-json", paramLabel = "FILE", description = "Output of 'pulumi preview --json'.")
    Path preview;

    @Option(names = "--stack-export", paramLabel = "FILE", description = "Output of 'pulumi stack export'.")
    Path export;

    @Option(names = "--plan-json", paramLabel = "FILE", description = "A plan written by 'gantry plan'.")
    Path plan;

    /**
     * Reads the given file in its format; when {@code stack} is given it must be the file's
     * stack. {@code verb} completes the hint, e.g. "gate" -> "leave STACK out to gate the
     * file's own stack".
     */
    ResourceGraph read(String stack, String verb) {
      Path file = preview != null ? preview : export != null ? export : plan;
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException("graph file '" + file + "' does not exist or is not a file");
      }
      ResourceGraph graph = preview != null ? PulumiJson.readPreview(file)
          : export != null ? PulumiJson.readStackExport(file) : PulumiJson.read(file);
      if (stack != null && !stack.equals(graph.stack())) {
        throw new IllegalArgumentException("'" + file + "' is a graph of stack '" + graph.stack() + "', not '" + stack
            + "'; leave STACK out to " + verb + " the file's own stack");
      }
      return graph;
    }
  }

  @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
      description = "Report printed on stdout: text, json, sarif or junit (default: ${DEFAULT-VALUE}).")
  String format;

  @Option(names = "--out", paramLabel = "DIR",
      description = "Also write all four reports (gate-report.txt, .json, .sarif, .junit.xml) into DIR.")
  Path outDir;

  @Option(names = "--policy", paramLabel = "FILE",
      description = "Policy file (enforcement overrides, tunables), applied on top of the stack's gantry:policy.")
  Path policyFile;

  @Option(names = "--attestations", paramLabel = "FILE",
      description = "Attestations and waivers; default: stacks/attestations/STACK.yaml.")
  Path attestationsFile;

  @Option(names = "--checklists", paramLabel = "DIR", description = "Checklist directory; default: the built-in checklists.")
  Path checklistsDir;

  @Override
  public Integer call() {
    PrintWriter out = parent.spec.commandLine().getOut();
    PrintWriter err = parent.spec.commandLine().getErr();
    try {
      GateRun run = evaluate();
      ReportFormat chosen = ReportFormat.parse(format);
      out.print(chosen.render(run.report(), run::locate));
      out.flush();
      if (outDir != null) {
        Files.createDirectories(outDir);
        for (ReportFormat f : ReportFormat.values()) {
          Files.writeString(outDir.resolve(f.fileName()), f.render(run.report(), run::locate));
        }
        err.println("gantry gate: reports written to " + outDir);
      }
      return run.report().exitCode();
    } catch (GraphFormatException | StackConfigException | PlanException | IllegalArgumentException e) {
      err.println("gantry gate: " + e.getMessage());
      return GantryCli.BAD_INPUT;
    } catch (IOException | UncheckedIOException e) {
      err.println("gantry gate: cannot write reports to '" + outDir + "': " + e.getMessage());
      return GantryCli.BAD_INPUT;
    }
  }

  /**
   * The gate's report and where its findings point in the repository: a finding about one
   * model at {@code stacks/models/<model>.yaml} when that file exists, everything else at
   * the stack file.
   */
  record GateRun(GateReport report, String stackFileUri, Path modelsDir) {
    String locate(dev.gantry.policies.rules.Finding f) {
      if (modelsDir != null && f.resourceUrn() == null && f.subject().startsWith("model ")) {
        String model = f.subject().substring("model ".length());
        if (Files.isRegularFile(modelsDir.resolve(model + ".yaml"))) {
          return "stacks/models/" + model + ".yaml";
        }
      }
      return stackFileUri;
    }
  }

  /** Reads or plans the graph and judges it; bad input throws with a message naming the problem. */
  GateRun evaluate() {
    ResourceGraph graph;
    StackCatalog catalog = null;
    if (graphFile != null) {
      graph = graphFile.read(stack, "gate");
      catalog = parent.catalogIfPresent();
    } else {
      if (stack == null) {
        throw new IllegalArgumentException("give a STACK to plan and gate (see 'gantry stacks'), or a graph file with"
            + " --preview-json, --stack-export or --plan-json");
      }
      catalog = parent.catalog();
      graph = new Planner(catalog).plan(stack).graph();
    }
    Attestations attestations;
    if (attestationsFile != null) {
      if (!Files.isRegularFile(attestationsFile)) {
        throw new IllegalArgumentException("attestation file '" + attestationsFile + "' does not exist");
      }
      attestations = Attestations.load(attestationsFile, graph.stack());
    } else if (catalog != null) {
      attestations = Attestations.load(catalog.stacksDir().resolve("attestations").resolve(graph.stack() + ".yaml"), graph.stack());
    } else {
      attestations = Attestations.none(graph.stack());
    }
    Gate.Builder gate = Gate.builder().attestations(attestations).policyFile(policyFile);
    if (checklistsDir != null) {
      gate.checklists(Checklist.load(checklistsDir));
    }
    return new GateRun(gate.build().evaluate(graph), "stacks/Pulumi." + graph.stack() + ".yaml",
        catalog == null ? null : catalog.modelsDir());
  }
}
