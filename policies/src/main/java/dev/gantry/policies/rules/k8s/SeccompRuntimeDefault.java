package dev.gantry.policies.rules.k8s;

import static dev.gantry.policies.rules.Category.KUBERNETES;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-K8S-017: seccomp profile RuntimeDefault. */
public final class SeccompRuntimeDefault extends ContainerRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-K8S-017", "Pods use the RuntimeDefault seccomp profile",
      KUBERNETES, Severity.MEDIUM, Enforcement.MANDATORY, List.of("PRE-04"),
      "Without a seccomp profile a container may call every syscall the kernel offers, including the ones behind"
          + " most container escapes.",
      "Set `securityContext.seccompProfile.type: RuntimeDefault` on the pod (or every container).");

  public SeccompRuntimeDefault() {
    super(INFO);
  }

  @Override
  protected String violation(Workload w, JsonNode c, RuleContext ctx) {
    String container = c.path("securityContext").path("seccompProfile").path("type").asText("");
    String pod = w.podSpec().path("securityContext").path("seccompProfile").path("type").asText("");
    String type = container.isEmpty() ? pod : container;
    if (type.equals("RuntimeDefault") || type.equals("Localhost")) {
      return null;
    }
    return type.isEmpty() ? "no seccomp profile" : "seccomp profile is " + type;
  }
}
