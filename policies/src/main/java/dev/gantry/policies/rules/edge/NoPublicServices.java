package dev.gantry.policies.rules.edge;

import static dev.gantry.policies.rules.Category.EDGE;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-EDGE-003: only the ingress controller is exposed publicly. */
public final class NoPublicServices extends ResourceRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-EDGE-003", "Only the ingress controller has a public LoadBalancer or NodePort",
      EDGE, Severity.HIGH, Enforcement.MANDATORY, List.of("DEP-03", "DEP-04"),
      "A public LoadBalancer on an engine or the gateway bypasses TLS termination, the WAF and rate limits on the ingress;"
          + " a NodePort opens the port on every node.",
      "Use `type: ClusterIP` behind the Ingress, or make the load balancer internal"
          + " (`service.beta.kubernetes.io/aws-load-balancer-scheme: internal`, `networking.gke.io/load-balancer-type: Internal`,"
          + " `service.beta.kubernetes.io/azure-load-balancer-internal: \"true\"`).");
  private static final Map<String, String> INTERNAL = Map.of(
      "service.beta.kubernetes.io/aws-load-balancer-scheme", "internal",
      "service.beta.kubernetes.io/aws-load-balancer-internal", "true",
      "networking.gke.io/load-balancer-type", "Internal",
      "service.beta.kubernetes.io/azure-load-balancer-internal", "true");

  public NoPublicServices() {
    super(INFO);
  }

  @Override
  public boolean appliesTo(Resource r) {
    return r.type().equals(K8s.SERVICE);
  }

  static boolean isIngressController(Map<String, String> labels) {
    return "ingress-nginx".equals(labels.get("app.kubernetes.io/name"))
        || "ingress-controller".equals(labels.get(K8s.COMPONENT));
  }

  @Override
  public void check(Resource svc, RuleContext ctx, Findings out) {
    String type = svc.input("spec.type").asText("ClusterIP");
    if (!type.equals("LoadBalancer") && !type.equals("NodePort")) {
      return;
    }
    Map<String, String> labels = K8s.labels(svc.input("metadata.labels"));
    if (isIngressController(labels)) {
      return;
    }
    JsonNode annotations = svc.input("metadata.annotations");
    if (type.equals("LoadBalancer")
        && INTERNAL.entrySet().stream().anyMatch(e -> annotations.path(e.getKey()).asText().equalsIgnoreCase(e.getValue()))) {
      return;
    }
    out.report(svc, "Service '" + K8s.objectName(svc) + "' is of type " + type + " and is not the ingress controller");
  }
}
