package dev.gantry.policies.rules.edge;

import static dev.gantry.policies.rules.Category.EDGE;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-EDGE-002: requests are rate limited at the ingress or the gateway. */
public final class RateLimited extends StackRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-EDGE-002", "Rate limiting is configured at the ingress or gateway",
      EDGE, Severity.HIGH, Enforcement.MANDATORY, List.of("PRE-07"),
      "One client in a retry loop fills every engine's queue; GPU capacity cannot be added in seconds, so limits are"
          + " the only protection of everybody else's latency.",
      "Add `nginx.ingress.kubernetes.io/limit-rps` (or `limit-rpm`/`limit-connections`) to the gateway's Ingress, or"
          + " per-key `rpm`/`tpm` limits to the gateway config (model `gateway.rpm`/`gateway.tpm` in `stacks/models/*.yaml`).");
  private static final List<String> ANNOTATIONS = List.of("nginx.ingress.kubernetes.io/limit-rps",
      "nginx.ingress.kubernetes.io/limit-rpm", "nginx.ingress.kubernetes.io/limit-connections");
  private static final java.util.regex.Pattern GATEWAY_LIMIT = java.util.regex.Pattern.compile("(?m)\\b(rpm|tpm|rpm_limit|tpm_limit)\\s*:\\s*[1-9]");

  public RateLimited() {
    super(INFO);
  }

  @Override
  public void check(RuleContext ctx, Findings out) {
    for (Resource ingress : ctx.ofType(K8s.INGRESS)) {
      JsonNode annotations = ingress.input("metadata.annotations");
      if (ANNOTATIONS.stream().anyMatch(a -> annotations.path(a).isValueNode() && !annotations.path(a).asText().isBlank())) {
        return;
      }
    }
    for (Resource cm : ctx.ofType(K8s.CONFIG_MAP)) {
      if (K8s.GATEWAY.equals(K8s.labels(cm.input("metadata.labels")).get(K8s.COMPONENT))) {
        for (JsonNode value : cm.input("data")) {
          if (value.isTextual() && GATEWAY_LIMIT.matcher(value.asText()).find()) {
            return;
          }
        }
      }
    }
    boolean exposed = !ctx.ofType(K8s.INGRESS).isEmpty() || !ctx.component(K8s.GATEWAY).isEmpty();
    if (exposed) {
      out.reportStack("stack " + ctx.graph().stack(), "no rate limit: no Ingress has " + ANNOTATIONS
          + " and no gateway ConfigMap (label " + K8s.COMPONENT + "=gateway) sets rpm/tpm limits", null);
    }
  }
}
