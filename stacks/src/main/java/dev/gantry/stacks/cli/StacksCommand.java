package dev.gantry.stacks.cli;

import dev.gantry.stacks.config.StackCatalog;
import dev.gantry.stacks.config.StackConfig;
import dev.gantry.stacks.config.StackConfigException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code gantry stacks}: a table of the stacks with cloud, region, GPU pools and models. */
@Command(name = "stacks", mixinStandardHelpOptions = true, description = "List the stacks with cloud, region, GPU pools and models.")
final class StacksCommand implements Callable<Integer> {
  @ParentCommand
  GantryCli parent;

  @Override
  public Integer call() {
    StackCatalog catalog = parent.catalog();
    PrintWriter out = parent.spec.commandLine().getOut();
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"STACK", "CLOUD", "REGION", "GPU POOLS", "MODELS"});
    boolean broken = false;
    for (String name : catalog.stackNames()) {
      try {
        StackConfig c = catalog.load(name).config();
        rows.add(new String[] {name, c.cloud(), c.region(),
            c.cluster().gpuPools().isEmpty() ? "none (CPU engines on an existing cluster)"
                : c.cluster().gpuPools().stream().map(p -> p.name() + ": " + p.minNodes() + ".." + p.maxNodes() + " x "
                    + p.instanceType().name() + " (" + p.instanceType().gpuCount() + "x " + p.instanceType().gpuModel() + ")")
                .collect(Collectors.joining(", ")),
            c.models().stream().map(m -> m.name() + "@" + (m.onCpu() ? "cpu" : m.pool())).collect(Collectors.joining(", "))});
      } catch (StackConfigException e) {
        broken = true;
        rows.add(new String[] {name, "?", "?", "?", "invalid: " + e.getMessage()});
      }
    }
    if (rows.size() == 1) {
      out.println("No stacks in " + catalog.stacksDir() + " (add Pulumi.<stack>.yaml files).");
      return GantryCli.OK;
    }
    out.print(Table.draw(rows));
    return broken ? GantryCli.BAD_INPUT : GantryCli.OK;
  }
}
