package dev.gantry.policies.rules.k8s;

import static dev.gantry.policies.rules.Category.KUBERNETES;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-K8S-008: PodDisruptionBudgets allow at least one disruption and select something. */
public final class PdbSane extends ResourceRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-K8S-008", "PodDisruptionBudgets are satisfiable",
      KUBERNETES, Severity.MEDIUM, Enforcement.MANDATORY, List.of("DEP-01"),
      "A PDB that allows no disruption (`maxUnavailable: 0`, or `minAvailable` ≥ replicas) blocks node drains"
          + " forever, so cluster upgrades hang; a PDB that selects no pod protects nothing.",
      "Use `maxUnavailable: 1` (or `minAvailable` below the replica count) and a selector matching the workload's pod labels.");

  public PdbSane() {
    super(INFO);
  }

  @Override
  public boolean appliesTo(Resource r) {
    return r.type().equals(K8s.PDB);
  }

  @Override
  public void check(Resource pdb, RuleContext ctx, Findings out) {
    String name = "PodDisruptionBudget '" + K8s.objectName(pdb) + "'";
    List<Workload> selected = ctx.workloads().stream()
        .filter(w -> K8s.namespace(w.resource()).equals(K8s.namespace(pdb)) && K8s.selects(pdb.input("spec.selector"), w.podLabels()))
        .toList();
    if (selected.isEmpty()) {
      out.report(pdb, name + " selects no workload in namespace '" + K8s.namespace(pdb) + "'");
      return;
    }
    JsonNode maxUnavailable = pdb.input("spec.maxUnavailable");
    JsonNode minAvailable = pdb.input("spec.minAvailable");
    if (maxUnavailable.isMissingNode() && minAvailable.isMissingNode()) {
      out.report(pdb, name + " sets neither minAvailable nor maxUnavailable");
    }
    if (!maxUnavailable.isMissingNode() && (maxUnavailable.asText().equals("0") || maxUnavailable.asText().equals("0%"))) {
      out.report(pdb, name + " has maxUnavailable " + maxUnavailable.asText() + ": no pod may ever be evicted, node drains hang");
    }
    if (minAvailable.isIntegralNumber() || minAvailable.asText().matches("\\d+")) {
      int min = minAvailable.asInt();
      for (Workload w : selected) {
        int replicas = ctx.minReplicas(w);
        if (replicas >= 0 && min >= replicas) {
          out.report(pdb, name + " requires minAvailable " + min + " but " + w.kind() + " '" + w.name() + "' has only "
              + replicas + " replica(s): no eviction is ever allowed");
        }
      }
    }
    if (minAvailable.asText().equals("100%")) {
      out.report(pdb, name + " requires minAvailable 100%: no eviction is ever allowed");
    }
  }
}
