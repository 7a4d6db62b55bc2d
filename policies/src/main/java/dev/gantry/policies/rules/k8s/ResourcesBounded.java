package dev.gantry.policies.rules.k8s;

import static dev.gantry.policies.rules.Category.KUBERNETES;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-K8S-004: CPU and memory requests and limits are set. */
public final class ResourcesBounded extends ContainerRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-K8S-004", "Containers set CPU and memory requests and limits",
      KUBERNETES, Severity.MEDIUM, Enforcement.MANDATORY, List.of("DEP-01"),
      "Without requests the scheduler packs pods blindly; without limits one leaking pod (a tokenizer cache, a"
          + " runaway batch) takes the node's memory and the kubelet evicts its neighbours.",
      "Set `resources.requests.cpu`, `resources.requests.memory`, `resources.limits.cpu` and"
          + " `resources.limits.memory` on every container.");

  public ResourcesBounded() {
    super(INFO);
  }

  @Override
  protected String violation(Workload w, JsonNode c, RuleContext ctx) {
    List<String> missing = new ArrayList<>();
    for (String kind : List.of("requests", "limits")) {
      for (String res : List.of("cpu", "memory")) {
        if (c.path("resources").path(kind).path(res).isMissingNode()) {
          missing.add(kind + "." + res);
        }
      }
    }
    return missing.isEmpty() ? null : "missing resources." + String.join(", resources.", missing);
  }
}
