package dev.gantry.policies.rules.k8s;

import static dev.gantry.policies.rules.Category.KUBERNETES;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-K8S-001: every container has a readiness and a liveness probe. */
public final class ProbesPresent extends ContainerRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-K8S-001", "Containers have readiness and liveness probes",
      KUBERNETES, Severity.HIGH, Enforcement.MANDATORY, List.of("DEP-02"),
      "Without a readiness probe a pod receives traffic before the model is loaded; without a liveness probe a hung"
          + " engine (e.g. a stuck CUDA context) is never restarted.",
      "Add `readinessProbe` (e.g. `GET /health/readiness` on the gateway, `GET /health` on the engine) and a"
          + " `livenessProbe` to every container.");

  public ProbesPresent() {
    super(INFO);
  }

  @Override
  protected boolean includeInit() {
    return false;
  }

  @Override
  protected String violation(Workload w, JsonNode c, RuleContext ctx) {
    boolean readiness = c.path("readinessProbe").isObject();
    boolean liveness = c.path("livenessProbe").isObject();
    if (readiness && liveness) {
      return null;
    }
    return (!readiness && !liveness ? "no readiness and no liveness probe" : !readiness ? "no readiness probe" : "no liveness probe");
  }
}
