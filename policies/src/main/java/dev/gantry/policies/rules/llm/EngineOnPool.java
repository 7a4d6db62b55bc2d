package dev.gantry.policies.rules.llm;

import static dev.gantry.policies.rules.Category.LLM;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.ServingSpec;
import dev.gantry.policies.graph.ServingSpec.GpuPool;
import dev.gantry.policies.graph.ServingSpec.Model;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-LLM-009: every model has engines scheduled onto its GPU pool. */
public final class EngineOnPool extends StackRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-LLM-009", "Every model has an engine Deployment pinned to its GPU pool",
      LLM, Severity.HIGH, Enforcement.MANDATORY, List.of("DEP-01", "PRE-02"),
      "A model without an engine is a route to nowhere; an engine without a pool selector lands on whichever GPU node"
          + " has room, possibly one whose GPUs are too small for it.",
      "Each model needs a Deployment labelled `app.kubernetes.io/component: engine` and `gantry.dev/model: <model>`,"
          + " with `nodeSelector: {gantry.dev/pool: <pool>}` (or a required node affinity on that label), and its"
          + " pool must exist in `gantry:gpuPools`.");

  public EngineOnPool() {
    super(INFO);
  }

  @Override
  public void check(RuleContext ctx, Findings out) {
    if (ctx.spec().isEmpty()) {
      return;
    }
    for (Model m : ctx.spec().get().models()) {
      if (!m.onCpu() && ctx.pool(m.pool()).isEmpty()) {
        out.reportStack("model " + m.name(), "model '" + m.name() + "' runs on pool '" + m.pool()
            + "', which is not one of the stack's GPU pools "
            + ctx.spec().get().gpuPools().stream().map(GpuPool::name).toList(), null);
      }
      List<Workload> engines = ctx.enginesFor(m.name());
      if (engines.isEmpty()) {
        out.reportStack("model " + m.name(), "model '" + m.name() + "' has no engine workload labelled "
            + K8s.COMPONENT + "=engine, " + K8s.MODEL + "=" + m.name(), null);
      }
      for (Workload w : engines) {
        if (m.onCpu()) {
          continue; // a CPU engine runs on any node of the existing cluster; GNT-LLM-002 checks it asks for no GPU
        }
        if (!pinned(w, m.pool())) {
          out.report(w.resource(), "engine '" + w.name() + "' for model '" + m.name() + "' is not pinned to pool '"
              + m.pool() + "' (no nodeSelector or required node affinity on " + K8s.POOL + ")");
        }
      }
    }
  }

  static boolean pinned(Workload w, String pool) {
    if (pool.equals(w.podSpec().path("nodeSelector").path(K8s.POOL).asText(null))) {
      return true;
    }
    JsonNode terms = w.podSpec().path("affinity").path("nodeAffinity")
        .path("requiredDuringSchedulingIgnoredDuringExecution").path("nodeSelectorTerms");
    for (JsonNode term : K8s.list(terms)) {
      for (JsonNode expr : K8s.list(term.path("matchExpressions"))) {
        if (expr.path("key").asText().equals(K8s.POOL) && expr.path("operator").asText().equals("In")
            && K8s.list(expr.path("values")).stream().anyMatch(v -> v.asText().equals(pool))) {
          return true;
        }
      }
    }
    return false;
  }
}
