package dev.gantry.policies.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.policies.checklist.Attestations;
import dev.gantry.policies.gate.Gate;
import dev.gantry.policies.gate.GateReport;
import dev.gantry.policies.graph.GraphJson;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.ResourceGraph;
import dev.gantry.policies.report.ReportFormat;
import dev.gantry.policies.rules.Stacks;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How long the gate takes on a generated graph of about 500 resources (target: under 1 s
 * after the plan). Not a test: run it by hand, numbers go in docs/PERFORMANCE.md.
 *
 * <p>The graph is the compliant fixture stack with extra models, each adding an engine
 * Deployment, Service, PDB and HPA and a model entry in the serving spec: the shape that
 * exercises the cross-resource rules (PDB/HPA/Service matching is workloads × others).
 * Baseline: building the rule context alone (indexes, serving spec parse), so the rules'
 * own cost is the difference. Pitfalls avoided: JIT warm-up (warm-up rounds first), dead
 * code (finding counts and report lengths are summed and printed), one noisy sample
 * (median and p90 of many rounds are reported).
 *
 * <p>Usage: {@code GateBench [resources=500] [warmup=30] [rounds=60]}
 */
public final class GateBench {
  public static void main(String[] args) {
    int target = args.length > 0 ? Integer.parseInt(args[0]) : 500;
    int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 60;
    ResourceGraph graph = generate(target);
    Gate gate = Gate.builder().attestations(Attestations.none(graph.stack())).today(LocalDate.of(2026, 11, 23)).build();
    String json = GraphJson.write(graph);
    System.out.printf(Locale.ROOT, "graph: %d resources, %d models, plan JSON %d KiB; %d warm-up + %d measured rounds%n",
        graph.resources().size(), graph.servingSpec().orElseThrow().models().size(), json.length() / 1024, warmup, rounds);

    long sink = 0;
    sink += measure("baseline: rule context only", warmup, rounds, () ->
        new dev.gantry.policies.rules.RuleContext(graph, dev.gantry.policies.catalog.GpuCatalog.defaultCatalog(),
            gate.policyFor(graph)).workloads().size());
    sink += measure("gate: 48 rules + checklists", warmup, rounds, () -> gate.evaluate(graph).findings().size());
    sink += measure("read plan JSON + gate + all 4 reports", warmup, rounds, () -> {
      GateReport r = gate.evaluate(GraphJson.read(json));
      long n = 0;
      for (ReportFormat f : ReportFormat.values()) {
        n += f.render(r, "stacks/Pulumi.aws-prod.yaml").length();
      }
      return n;
    });
    System.out.println("(sink " + sink + ")");
  }

  private static long measure(String name, int warmup, int rounds, java.util.function.LongSupplier work) {
    long sink = 0;
    for (int i = 0; i < warmup; i++) {
      sink += work.getAsLong();
    }
    double[] ms = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      long t0 = System.nanoTime();
      sink += work.getAsLong();
      ms[i] = (System.nanoTime() - t0) / 1e6;
    }
    Arrays.sort(ms);
    System.out.printf(Locale.ROOT, "%-40s median %8.2f ms   p90 %8.2f ms   max %8.2f ms%n", name, ms[rounds / 2],
        ms[(int) (rounds * 0.9)], ms[rounds - 1]);
    return sink;
  }

  /** The compliant fixture grown to about {@code target} resources by adding models. */
  static ResourceGraph generate(int target) {
    Stacks base = Stacks.compliant();
    ResourceGraph g = base.graph();
    List<Resource> resources = new ArrayList<>(g.resources());
    ObjectNode outputs = g.outputs().deepCopy();
    ArrayNode models = (ArrayNode) outputs.path("servingSpec").path("models");
    JsonNode template = base.model("llama-8b");
    List<Resource> engine = g.resources().stream().filter(r -> r.name().equals("engine-llama-8b")).toList();
    for (int i = 0; resources.size() + engine.size() <= target; i++) {
      String model = "m" + i;
      for (Resource r : engine) {
        String text = r.inputs().toString().replace("engine-llama-8b", "engine-" + model).replace("\"llama-8b\"", "\"" + model + "\"");
        try {
          ObjectNode inputs = (ObjectNode) GraphJson.mapper().readTree(text);
          resources.add(new Resource(r.urn().replace("engine-llama-8b", "engine-" + model), r.type(), "engine-" + model,
              true, null, List.of(), null, inputs));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          throw new IllegalStateException(e);
        }
      }
      models.add(((ObjectNode) template.deepCopy()).put("name", model));
    }
    return new ResourceGraph(g.schema(), g.project(), g.stack(), g.source(), g.config(), outputs, resources, g.invokes());
  }
}
