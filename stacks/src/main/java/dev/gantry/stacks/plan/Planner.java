package dev.gantry.stacks.plan;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.pulumi.test.TestOptions;
import com.pulumi.test.TestResult;
import com.pulumi.test.internal.PulumiTestInternal;
import dev.gantry.policies.graph.GraphJson;
import dev.gantry.policies.graph.GraphSource;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.ResourceGraph;
import dev.gantry.policies.graph.Values;
import dev.gantry.stacks.config.StackCatalog;
import dev.gantry.stacks.config.StackConfigException;
import dev.gantry.stacks.config.StackFile;
import dev.gantry.stacks.program.GantryProgram;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The offline planner: runs the real Pulumi program in-process under Pulumi's mock monitor
 * (fed the stack's config, outputs mocked by {@link PlanMocks}) and records what it would
 * deploy as a {@link ResourceGraph}. No cloud account, no Pulumi CLI.
 *
 * <p>Pulumi's {@code Deployment} is a JVM-wide singleton, so plans run one at a time
 * (this class serializes them) and the deployment is destroyed after each.
 */
public final class Planner {
  /** Value the program sees for a {@code secure:} key; the real value is never decrypted offline. */
  static final String SECRET_PLACEHOLDER = "[secret]";
  private static final Object LOCK = new Object();

  private final StackCatalog catalog;

  public Planner(StackCatalog catalog) {
    this.catalog = catalog;
  }

  /**
   * A finished plan.
   *
   * @param stack  the stack as loaded
   * @param graph  what the stack would deploy
   * @param millis wall time of the program run
   */
  public record Plan(StackCatalog.LoadedStack stack, ResourceGraph graph, long millis) {}

  /** Loads, validates and plans a stack; bad config throws {@link StackConfigException}. */
  public Plan plan(String stackName) {
    return plan(catalog.load(stackName));
  }

  /** Plans an already loaded stack. */
  public Plan plan(StackCatalog.LoadedStack stack) {
    synchronized (LOCK) {
      long start = System.nanoTime();
      StackFile file = stack.file();
      Map<String, String> pulumiConfig = new TreeMap<>(file.values());
      file.secretKeys().forEach(k -> pulumiConfig.put(k, SECRET_PLACEHOLDER));
      var mocks = new PlanMocks(stack.config().region());
      Logger logger = PulumiTestInternal.logger(Level.WARNING);
      RecordingMonitor[] monitor = new RecordingMonitor[1];
      try {
        var test = PulumiTestInternal.builder()
            .options(TestOptions.builder()
                .projectName(stack.config().project())
                .stackName(stack.config().stack())
                .preview(true)
                .build())
            .standardLogger(logger)
            .config(pulumiConfig, file.secretKeys())
            .mocks(mocks)
            .monitorDecorator(m -> monitor[0] = new RecordingMonitor(mocks, PulumiTestInternal.mockLog(logger)))
            .build();
        TestResult result = test.runTest(new GantryProgram(stack.config())::define);
        if (!result.exceptions().isEmpty() || !result.errors().isEmpty() || result.exitCode() != 0) {
          throw failure(stack.config().stack(), result);
        }
        ResourceGraph graph = graph(stack, monitor[0]);
        return new Plan(stack, graph, (System.nanoTime() - start) / 1_000_000);
      } finally {
        PulumiTestInternal.cleanup();
      }
    }
  }

  /** Where {@code gantry plan} writes the graph: {@code build/gantry/<stack>/plan.json} under the repository root. */
  public Path planFile(String stackName) {
    return catalog.repoRoot().resolve("build").resolve("gantry").resolve(stackName).resolve("plan.json");
  }

  /** Plans and writes the JSON; returns the plan. */
  public Plan planAndWrite(String stackName) {
    Plan plan = plan(stackName);
    GraphJson.write(plan.graph(), planFile(stackName));
    return plan;
  }

  private static RuntimeException failure(String stack, TestResult result) {
    for (Exception e : result.exceptions()) {
      Throwable t = e;
      while (t != null) {
        if (t instanceof StackConfigException sce) {
          return sce;
        }
        t = t.getCause();
      }
    }
    List<String> messages = new ArrayList<>(result.errors());
    result.exceptions().forEach(e -> messages.add(rootMessage(e)));
    return new PlanException("The program of stack '" + stack + "' failed while planning: " + String.join("; ", messages),
        result.exceptions().isEmpty() ? null : result.exceptions().get(0));
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName() + ": " + t.getMessage();
  }

  static ResourceGraph graph(StackCatalog.LoadedStack stack, RecordingMonitor monitor) {
    String stackUrn = monitor.stackUrn();
    List<Resource> resources = new ArrayList<>();
    for (RecordingMonitor.Registration r : monitor.registrations()) {
      String parent = r.parent().isEmpty() || r.parent().equals(stackUrn) ? null : r.parent();
      List<String> deps = r.dependencies().stream().filter(d -> !d.equals(stackUrn)).toList();
      resources.add(new Resource(r.urn(), r.type(), r.name(), r.custom(), parent, deps, providerUrn(r.provider()), r.inputs()));
    }
    ObjectNode config = JsonNodeFactory.instance.objectNode();
    StackFile file = stack.file();
    new TreeMap<>(file.values()).forEach((k, v) ->
        config.set(k, file.secretKeys().contains(k) ? Values.secret() : StackFile.parseValue(v)));
    ObjectNode outputs = monitor.stackOutputs() == null ? JsonNodeFactory.instance.objectNode() : monitor.stackOutputs();
    return new ResourceGraph(ResourceGraph.SCHEMA, stack.config().project(), stack.config().stack(), GraphSource.PLAN,
        config, outputs, resources, monitor.invokes());
  }

  /** A provider reference is {@code <urn>::<id>}; URNs contain {@code ::} too, so cut at the last one. */
  static String providerUrn(String reference) {
    if (reference == null || reference.isEmpty()) {
      return null;
    }
    int cut = reference.lastIndexOf("::");
    return cut < 0 ? reference : reference.substring(0, cut);
  }
}
