package dev.gantry.policies.rules.k8s;

import static dev.gantry.policies.rules.Category.KUBERNETES;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-K8S-011: replicas spread over zones. */
public final class ZoneSpread extends WorkloadRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-K8S-011", "Replicas are spread across zones",
      KUBERNETES, Severity.MEDIUM, Enforcement.MANDATORY, List.of("DEP-01"),
      "Replicas that land in one availability zone go down together with it.",
      "Add `topologySpreadConstraints` with `topologyKey: topology.kubernetes.io/zone` (maxSkew 1), or a pod"
          + " anti-affinity on that key.");

  public ZoneSpread() {
    super(INFO);
  }

  @Override
  public boolean appliesTo(Resource r) {
    return r.type().equals(K8s.DEPLOYMENT) || r.type().equals(K8s.STATEFUL_SET);
  }

  @Override
  protected void check(Workload w, RuleContext ctx, Findings out) {
    for (JsonNode c : K8s.list(w.podSpec().path("topologySpreadConstraints"))) {
      if (K8s.ZONE_KEY.equals(c.path("topologyKey").asText())) {
        return;
      }
    }
    JsonNode anti = w.podSpec().path("affinity").path("podAntiAffinity");
    for (String field : List.of("requiredDuringSchedulingIgnoredDuringExecution", "preferredDuringSchedulingIgnoredDuringExecution")) {
      for (JsonNode term : K8s.list(anti.path(field))) {
        JsonNode t = term.has("podAffinityTerm") ? term.path("podAffinityTerm") : term;
        if (K8s.ZONE_KEY.equals(t.path("topologyKey").asText())) {
          return;
        }
      }
    }
    out.report(w.resource(), w.kind() + " '" + w.name() + "' has no topology spread or anti-affinity over "
        + K8s.ZONE_KEY);
  }
}
