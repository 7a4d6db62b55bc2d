package dev.gantry.policies.rules.k8s;

import static dev.gantry.policies.rules.Category.KUBERNETES;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-K8S-015: no privilege escalation, not privileged. */
public final class NoPrivilegeEscalation extends ContainerRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-K8S-015", "Containers cannot escalate privileges",
      KUBERNETES, Severity.HIGH, Enforcement.MANDATORY, List.of("PRE-04"),
      "`allowPrivilegeEscalation` defaults to true: setuid binaries in the image can gain root. Privileged containers"
          + " are root on the node. GPU access does not need either: the NVIDIA device plugin hands devices in.",
      "Set `securityContext.allowPrivilegeEscalation: false` and never `privileged: true`.");

  public NoPrivilegeEscalation() {
    super(INFO);
  }

  @Override
  protected String violation(Workload w, JsonNode c, RuleContext ctx) {
    JsonNode sc = c.path("securityContext");
    if (sc.path("privileged").asBoolean(false)) {
      return "runs privileged";
    }
    JsonNode ape = sc.path("allowPrivilegeEscalation");
    return ape.isBoolean() && !ape.asBoolean() ? null : "allowPrivilegeEscalation is not false";
  }
}
