package dev.gantry.stacks.cli;

import dev.gantry.stacks.plan.PlanPrinter;
import dev.gantry.stacks.plan.Planner;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code gantry plan STACK}: runs the stack's Pulumi program offline, prints the resource
 * tree and a summary, writes {@code build/gantry/<stack>/plan.json}.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
    header = "Plan a stack offline and print what it would deploy.",
    description = {"Runs the stack's Pulumi program under Pulumi's mock monitor (no cloud",
        "account, no Pulumi CLI), prints what it would deploy as a tree, and writes",
        "build/gantry/STACK/plan.json."})
final class PlanCommand implements Callable<Integer> {
  @ParentCommand
  GantryCli parent;

  @Parameters(index = "0", paramLabel = "STACK", description = "Stack name, e.g. aws-prod (see 'gantry stacks').")
  String stack;

  @Option(names = "--quiet", description = "Print only the summary line, not the tree.")
  boolean quiet;

  @Override
  public Integer call() {
    Planner planner = new Planner(parent.catalog());
    Planner.Plan plan = planner.planAndWrite(stack);
    PrintWriter out = parent.spec.commandLine().getOut();
    if (!quiet) {
      out.print(PlanPrinter.tree(plan.graph()));
      out.println();
    }
    out.println(PlanPrinter.summary(plan.graph()));
    Path file = planner.planFile(stack);
    Path shown = parent.catalog().repoRoot().relativize(file);
    out.println("Plan written to " + shown + " (" + plan.millis() + " ms)");
    return GantryCli.OK;
  }
}
