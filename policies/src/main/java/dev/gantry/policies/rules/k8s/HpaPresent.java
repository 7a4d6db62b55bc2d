package dev.gantry.policies.rules.k8s;

import static dev.gantry.policies.rules.Category.KUBERNETES;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-K8S-010: engine and gateway Deployments are autoscaled. */
public final class HpaPresent extends StackRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-K8S-010", "Engine and gateway Deployments have an HPA",
      KUBERNETES, Severity.MEDIUM, Enforcement.MANDATORY, List.of("DEP-01", "POST-03"),
      "LLM traffic is bursty; a fixed replica count is either idle GPUs or a queue that grows until requests time out.",
      "Add an `autoscaling/v2` HorizontalPodAutoscaler for each engine and gateway Deployment (engines on queue"
          + " depth or KV cache usage, see GNT-LLM-007).");

  public HpaPresent() {
    super(INFO);
  }

  @Override
  public void check(RuleContext ctx, Findings out) {
    for (Workload w : ctx.workloads()) {
      if ((w.isEngine() || w.isGateway()) && ctx.hpasFor(w).isEmpty()) {
        out.report(w.resource(), w.component() + " " + w.kind() + " '" + w.name() + "' has no HorizontalPodAutoscaler");
      }
    }
  }
}
