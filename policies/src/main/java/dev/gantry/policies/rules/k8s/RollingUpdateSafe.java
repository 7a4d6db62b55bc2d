package dev.gantry.policies.rules.k8s;

import static dev.gantry.policies.rules.Category.KUBERNETES;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-K8S-012: rolling updates never take serving capacity away. */
public final class RollingUpdateSafe extends WorkloadRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-K8S-012", "Deployments roll out with maxUnavailable 0",
      KUBERNETES, Severity.MEDIUM, Enforcement.MANDATORY, List.of("DEP-01"),
      "The default rolling update stops 25 % of the pods before their replacements are ready; for an engine that"
          + " needs minutes to load weights that is minutes of reduced capacity on every release. `Recreate` is an outage.",
      "Set `spec.strategy.type: RollingUpdate` with `rollingUpdate.maxUnavailable: 0` and `maxSurge: 1` (keep one"
          + " node's worth of GPU headroom in the pool for the surge pod).");

  public RollingUpdateSafe() {
    super(INFO);
  }

  @Override
  public boolean appliesTo(Resource r) {
    return r.type().equals(K8s.DEPLOYMENT);
  }

  @Override
  protected void check(Workload w, RuleContext ctx, Findings out) {
    JsonNode strategy = w.resource().input("spec.strategy");
    String type = strategy.path("type").asText("RollingUpdate");
    if (type.equals("Recreate")) {
      out.report(w.resource(), "Deployment '" + w.name() + "' uses the Recreate strategy: every rollout is an outage");
      return;
    }
    JsonNode maxUnavailable = strategy.path("rollingUpdate").path("maxUnavailable");
    String value = maxUnavailable.isMissingNode() ? "25% (default)" : maxUnavailable.asText();
    if (!value.equals("0") && !value.equals("0%")) {
      out.report(w.resource(), "Deployment '" + w.name() + "' rolls out with maxUnavailable " + value);
    }
  }
}
