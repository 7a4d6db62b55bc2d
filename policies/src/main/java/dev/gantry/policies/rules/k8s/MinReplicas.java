package dev.gantry.policies.rules.k8s;

import static dev.gantry.policies.rules.Category.KUBERNETES;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-K8S-006: at least two replicas. */
public final class MinReplicas extends WorkloadRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-K8S-006", "Deployments run at least 2 replicas",
      KUBERNETES, Severity.HIGH, Enforcement.MANDATORY, List.of("DEP-01"),
      "One replica means every node drain, rollout or crash is an outage.",
      "Set `spec.replicas` ≥ 2 (or an HPA with `minReplicas` ≥ 2).");

  public MinReplicas() {
    super(INFO);
  }

  @Override
  public boolean appliesTo(Resource r) {
    return r.type().equals(K8s.DEPLOYMENT) || r.type().equals(K8s.STATEFUL_SET);
  }

  @Override
  protected void check(Workload w, RuleContext ctx, Findings out) {
    int replicas = w.replicas();
    if (replicas < 0 || replicas >= 2) {
      return;
    }
    boolean hpaAtLeastTwo = ctx.hpasFor(w).stream().anyMatch(h -> h.input("spec.minReplicas").asInt(1) >= 2);
    if (!hpaAtLeastTwo) {
      out.report(w.resource(), w.kind() + " '" + w.name() + "' runs " + replicas + " replica(s)"
          + (w.resource().input("spec.replicas").isMissingNode() ? " (replicas unset)" : "") + " and no HPA keeps it at ≥ 2");
    }
  }
}
