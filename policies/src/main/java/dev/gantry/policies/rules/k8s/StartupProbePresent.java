package dev.gantry.policies.rules.k8s;

import static dev.gantry.policies.rules.Category.KUBERNETES;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-K8S-003: containers have a startup probe. */
public final class StartupProbePresent extends ContainerRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-K8S-003", "Containers have a startup probe",
      KUBERNETES, Severity.MEDIUM, Enforcement.ADVISORY, List.of("DEP-02"),
      "Slow starters without a startup probe are killed by their liveness probe before they are up, and restart"
          + " forever. Engines need one (see GNT-LLM-005, which is mandatory for them); for other containers it is advice.",
      "Add a `startupProbe` whose `failureThreshold × periodSeconds` covers the worst start-up time.");

  public StartupProbePresent() {
    super(INFO);
  }

  @Override
  protected boolean includeInit() {
    return false;
  }

  @Override
  protected String violation(Workload w, JsonNode c, RuleContext ctx) {
    return c.path("startupProbe").isObject() ? null : "no startup probe";
  }
}
