package dev.gantry.policies.rules.k8s;

import static dev.gantry.policies.rules.Category.KUBERNETES;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-K8S-013: containers run as a non-root user. */
public final class RunAsNonRoot extends ContainerRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-K8S-013", "Containers run as non-root",
      KUBERNETES, Severity.HIGH, Enforcement.MANDATORY, List.of("PRE-04"),
      "A root process that escapes its container (a parser bug in a model file, a template injection) is root on"
          + " the GPU node, next to every other tenant's weights.",
      "Set `securityContext.runAsNonRoot: true` (pod or container) and a non-zero `runAsUser`; Gantry's images"
          + " already run as a non-root user.");

  public RunAsNonRoot() {
    super(INFO);
  }

  @Override
  protected String violation(Workload w, JsonNode c, RuleContext ctx) {
    JsonNode pod = w.podSpec().path("securityContext");
    JsonNode sc = c.path("securityContext");
    if (sc.path("runAsUser").isNumber() && sc.path("runAsUser").asInt() == 0) {
      return "runs as user 0 (root)";
    }
    boolean nonRoot = sc.path("runAsNonRoot").asBoolean(pod.path("runAsNonRoot").asBoolean(false))
        || sc.path("runAsUser").asInt(pod.path("runAsUser").asInt(0)) > 0;
    return nonRoot ? null : "runAsNonRoot is not set (pod or container securityContext)";
  }
}
