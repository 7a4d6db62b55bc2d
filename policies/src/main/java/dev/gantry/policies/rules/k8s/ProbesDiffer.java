package dev.gantry.policies.rules.k8s;

import static dev.gantry.policies.rules.Category.KUBERNETES;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-K8S-002: readiness and liveness probes differ. */
public final class ProbesDiffer extends ContainerRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-K8S-002", "Readiness and liveness probes are different",
      KUBERNETES, Severity.MEDIUM, Enforcement.MANDATORY, List.of("DEP-02"),
      "A liveness probe identical to the readiness probe restarts a pod that is merely busy: under load the"
          + " engine answers slowly, fails readiness (fine: it stops getting traffic) and then liveness too, and"
          + " the restart throws away a loaded model and all in-flight requests.",
      "Make liveness cheaper and more tolerant than readiness: a different endpoint (gateway `/health/liveliness`"
          + " vs `/health/readiness`) or at least a higher `failureThreshold`/`periodSeconds`.");

  public ProbesDiffer() {
    super(INFO);
  }

  @Override
  protected boolean includeInit() {
    return false;
  }

  @Override
  protected String violation(Workload w, JsonNode c, RuleContext ctx) {
    JsonNode readiness = c.path("readinessProbe");
    return readiness.isObject() && readiness.equals(c.path("livenessProbe"))
        ? "liveness probe is identical to the readiness probe" : null;
  }
}
