package dev.gantry.policies.rules.k8s;

import static dev.gantry.policies.rules.Category.KUBERNETES;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-K8S-009: every HPA targets a workload that exists. */
public final class HpaTargetExists extends ResourceRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-K8S-009", "HPAs target an existing Deployment with sane bounds",
      KUBERNETES, Severity.HIGH, Enforcement.MANDATORY, List.of("DEP-01"),
      "An HPA whose `scaleTargetRef` names a Deployment that is not in the stack (a typo, a renamed model) silently"
          + " scales nothing.",
      "Point `spec.scaleTargetRef` (apiVersion apps/v1, kind, name) at a Deployment of the stack in the same"
          + " namespace and keep `minReplicas` ≤ `maxReplicas`.");

  public HpaTargetExists() {
    super(INFO);
  }

  @Override
  public boolean appliesTo(Resource r) {
    return r.type().equals(K8s.HPA);
  }

  @Override
  public void check(Resource hpa, RuleContext ctx, Findings out) {
    String kind = hpa.input("spec.scaleTargetRef.kind").asText("");
    JsonNode nameNode = hpa.input("spec.scaleTargetRef.name");
    if (Values.isUnknown(nameNode)) {
      return;
    }
    String target = nameNode.asText("");
    boolean exists = ctx.workloads().stream().anyMatch(w -> w.kind().equals(kind) && w.name().equals(target)
        && K8s.namespace(w.resource()).equals(K8s.namespace(hpa)));
    if (!exists) {
      out.report(hpa, "HPA '" + K8s.objectName(hpa) + "' targets " + kind + " '" + target + "' in namespace '"
          + K8s.namespace(hpa) + "', which is not in the stack");
    }
    int min = hpa.input("spec.minReplicas").asInt(1);
    int max = hpa.input("spec.maxReplicas").asInt(0);
    if (max < min) {
      out.report(hpa, "HPA '" + K8s.objectName(hpa) + "' has maxReplicas " + max + " < minReplicas " + min);
    }
  }
}
