package dev.gantry.infra.k8s;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The namespaces Gantry creates. They are separate because their Pod Security levels differ:
 * serving runs only our hardened engine and gateway pods ({@code restricted}); the ingress
 * controller needs {@code baseline}; the GPU device plugin, cert-manager and the secret sync
 * live in system, which must be {@code privileged} for the device plugin's host paths; the
 * node exporter of monitoring needs host networking.
 *
 * @param serving    engines and gateway
 * @param system     device plugin, cert-manager, External Secrets, prometheus-adapter
 * @param monitoring kube-prometheus-stack and dashboards
 * @param ingress    ingress-nginx (the only public LoadBalancer)
 */
public record NamespaceNames(String serving, String system, String monitoring, String ingress) {

  public NamespaceNames {
    Check.dnsLabel("namespaces.serving", serving, 63);
    Check.dnsLabel("namespaces.system", system, 63);
    Check.dnsLabel("namespaces.monitoring", monitoring, 63);
    Check.dnsLabel("namespaces.ingress", ingress, 63);
    Set<String> seen = new HashSet<>();
    for (String ns : List.of(serving, system, monitoring, ingress)) {
      if (ns.equals("default") || ns.startsWith("kube-")) {
        throw new IllegalArgumentException("namespaces: '" + ns
            + "' is reserved by Kubernetes; pick a namespace of Gantry's own, e.g. 'gantry-serving'");
      }
      if (!seen.add(ns)) {
        throw new IllegalArgumentException("namespaces: '" + ns
            + "' is used twice; serving, system, monitoring and ingress need distinct namespaces");
      }
    }
  }

  /** gantry-serving, gantry-system, monitoring, ingress-nginx. */
  public static NamespaceNames defaults() {
    return new NamespaceNames("gantry-serving", "gantry-system", "monitoring", "ingress-nginx");
  }
}
