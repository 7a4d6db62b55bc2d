package dev.gantry.policies.rules.k8s;

import static dev.gantry.policies.rules.Category.KUBERNETES;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-K8S-016: all capabilities dropped. */
public final class CapabilitiesDropped extends ContainerRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-K8S-016", "Containers drop all Linux capabilities",
      KUBERNETES, Severity.MEDIUM, Enforcement.MANDATORY, List.of("PRE-04"),
      "The default capability set (NET_RAW, CHOWN, SETUID, ...) is more than an HTTP server needs.",
      "Set `securityContext.capabilities.drop: [ALL]` and add back only what is needed (nothing, for engine and gateway).");
  private static final Set<String> DANGEROUS = Set.of("SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE", "ALL");

  public CapabilitiesDropped() {
    super(INFO);
  }

  @Override
  protected String violation(Workload w, JsonNode c, RuleContext ctx) {
    JsonNode caps = c.path("securityContext").path("capabilities");
    boolean dropsAll = K8s.list(caps.path("drop")).stream().anyMatch(d -> d.asText().equalsIgnoreCase("ALL"));
    List<String> added = K8s.list(caps.path("add")).stream().map(JsonNode::asText)
        .filter(a -> DANGEROUS.contains(a.toUpperCase(Locale.ROOT).replace("CAP_", ""))).toList();
    if (!added.isEmpty()) {
      return "adds capabilities " + added;
    }
    return dropsAll ? null : "does not drop ALL capabilities";
  }
}
