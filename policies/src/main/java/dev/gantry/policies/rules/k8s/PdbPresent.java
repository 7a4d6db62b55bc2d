package dev.gantry.policies.rules.k8s;

import static dev.gantry.policies.rules.Category.KUBERNETES;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-K8S-007: every Deployment/StatefulSet is covered by a PodDisruptionBudget. */
public final class PdbPresent extends StackRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-K8S-007", "Every Deployment has a PodDisruptionBudget that selects it",
      KUBERNETES, Severity.HIGH, Enforcement.MANDATORY, List.of("DEP-01"),
      "Node upgrades and autoscaler scale-downs evict pods; without a PDB they may evict all replicas of a model at"
          + " once.",
      "Add a `policy/v1` PodDisruptionBudget in the same namespace whose `spec.selector` matches the pod template"
          + " labels, e.g. `maxUnavailable: 1`.");

  public PdbPresent() {
    super(INFO);
  }

  @Override
  public void check(RuleContext ctx, Findings out) {
    for (Workload w : ctx.workloads()) {
      if (w.kind().equals("DaemonSet")) {
        continue;
      }
      boolean covered = ctx.ofType(K8s.PDB).stream().anyMatch(p -> K8s.namespace(p).equals(K8s.namespace(w.resource()))
          && K8s.selects(p.input("spec.selector"), w.podLabels()));
      if (!covered) {
        out.report(w.resource(), w.kind() + " '" + w.name() + "' (labels " + w.podLabels() + ") has no PodDisruptionBudget selecting it");
      }
    }
  }
}
