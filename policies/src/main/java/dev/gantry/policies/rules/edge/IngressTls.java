package dev.gantry.policies.rules.edge;

import static dev.gantry.policies.rules.Category.EDGE;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-EDGE-001: Ingresses terminate TLS for every host they route. */
public final class IngressTls extends ResourceRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-EDGE-001", "Ingresses have TLS covering every host",
      EDGE, Severity.HIGH, Enforcement.MANDATORY, List.of("PRE-05"),
      "API keys and prompts travel in every request; a host served without TLS sends them in clear text, and a TLS"
          + " block whose hosts do not match the rules serves the wrong certificate.",
      "Add `spec.tls` with `secretName` (issued by cert-manager) and `hosts` listing every `spec.rules[].host`.");

  public IngressTls() {
    super(INFO);
  }

  @Override
  public boolean appliesTo(Resource r) {
    return r.type().equals(K8s.INGRESS);
  }

  static boolean covers(String pattern, String host) {
    if (pattern.startsWith("*.")) {
      String suffix = pattern.substring(1);
      return host.endsWith(suffix) && host.indexOf('.') == host.length() - suffix.length();
    }
    return pattern.equalsIgnoreCase(host);
  }

  @Override
  public void check(Resource ingress, RuleContext ctx, Findings out) {
    String name = "Ingress '" + K8s.objectName(ingress) + "'";
    List<JsonNode> tls = K8s.list(ingress.input("spec.tls"));
    if (tls.isEmpty()) {
      out.report(ingress, name + " has no TLS section");
      return;
    }
    List<String> tlsHosts = new ArrayList<>();
    for (JsonNode t : tls) {
      if (!t.path("secretName").isTextual() && !Values.isUnknown(t.path("secretName"))) {
        out.report(ingress, name + " has a TLS entry without secretName");
      }
      t.path("hosts").forEach(h -> tlsHosts.add(h.asText()));
    }
    for (JsonNode rule : K8s.list(ingress.input("spec.rules"))) {
      JsonNode host = rule.path("host");
      if (!host.isTextual()) {
        if (!Values.isUnknown(host)) {
          out.report(ingress, name + " has a rule without host: it answers any Host header, and no certificate matches it");
        }
        continue;
      }
      if (tlsHosts.stream().noneMatch(p -> covers(p, host.asText()))) {
        out.report(ingress, name + " routes host '" + host.asText() + "' but its TLS hosts are " + tlsHosts);
      }
    }
  }
}
