package dev.gantry.policies.rules.k8s;

import static dev.gantry.policies.rules.Category.KUBERNETES;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-K8S-019: every workload is covered by a NetworkPolicy. */
public final class NetworkPolicyPresent extends StackRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-K8S-019", "Every workload is selected by a NetworkPolicy",
      KUBERNETES, Severity.HIGH, Enforcement.MANDATORY, List.of("DEP-04", "PRE-04"),
      "Without a NetworkPolicy every pod in the cluster can call the engines directly, bypassing the gateway's keys,"
          + " limits and usage ledger.",
      "Add NetworkPolicies per namespace: default-deny ingress, then allow gateway → engine, ingress controller →"
          + " gateway, Prometheus → metrics ports.");

  public NetworkPolicyPresent() {
    super(INFO);
  }

  @Override
  public void check(RuleContext ctx, Findings out) {
    for (Workload w : ctx.workloads()) {
      boolean covered = ctx.ofType(K8s.NETWORK_POLICY).stream().anyMatch(np -> {
        if (!K8s.namespace(np).equals(K8s.namespace(w.resource()))) {
          return false;
        }
        JsonNode selector = np.input("spec.podSelector");
        // In a NetworkPolicy an empty podSelector selects every pod of the namespace.
        return (selector.isObject() && selector.isEmpty()) || K8s.selects(selector, w.podLabels());
      });
      if (!covered) {
        out.report(w.resource(), w.kind() + " '" + w.name() + "' in namespace '" + K8s.namespace(w.resource())
            + "' is not selected by any NetworkPolicy");
      }
    }
  }
}
