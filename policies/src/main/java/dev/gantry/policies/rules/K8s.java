package dev.gantry.policies.rules;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Kubernetes vocabulary shared by the rules: resource kinds, the label contract with the
 * workloads in {@code infra/k8s} (component, model, pool labels), label selectors.
 */
public final class K8s {
  public static final String COMPONENT = "app.kubernetes.io/component";
  public static final String MODEL = "gantry.dev/model";
  public static final String POOL = "gantry.dev/pool";
  public static final String ENGINE = "engine";
  public static final String GATEWAY = "gateway";
  public static final String ZONE_KEY = "topology.kubernetes.io/zone";
  public static final String HOSTNAME_KEY = "kubernetes.io/hostname";
  public static final String GPU_RESOURCE = "nvidia.com/gpu";

  public static final String DEPLOYMENT = "kubernetes:apps/v1:Deployment";
  public static final String STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
  public static final String DAEMON_SET = "kubernetes:apps/v1:DaemonSet";
  public static final String SERVICE = "kubernetes:core/v1:Service";
  public static final String SECRET = "kubernetes:core/v1:Secret";
  public static final String CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
  public static final String NAMESPACE = "kubernetes:core/v1:Namespace";
  public static final String PDB = "kubernetes:policy/v1:PodDisruptionBudget";
  public static final String HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
  public static final String NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
  public static final String INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
  public static final String SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";
  public static final String POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor";
  public static final String PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
  public static final String HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
  public static final Set<String> WORKLOAD_TYPES = Set.of(DEPLOYMENT, STATEFUL_SET, DAEMON_SET);

  /** Kinds that live in no namespace, so "not in default" does not apply. */
  private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "Node", "PersistentVolume", "ClusterRole",
      "ClusterRoleBinding", "CustomResourceDefinition", "StorageClass", "PriorityClass", "ClusterIssuer",
      "IngressClass", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "RuntimeClass",
      "APIService", "CSIDriver", "ConfigFile", "ConfigGroup", "Release", "Chart", "Provider");

  /** Labels of an object node ({@code metadata.labels}-shaped) as a map; unknown values are dropped. */
  public static Map<String, String> labels(JsonNode labels) {
    Map<String, String> out = new TreeMap<>();
    if (labels != null && labels.isObject() && !Values.isUnknown(labels)) {
      labels.fields().forEachRemaining(e -> {
        if (e.getValue().isValueNode()) {
          out.put(e.getKey(), e.getValue().asText());
        }
      });
    }
    return out;
  }

  /** True for a Kubernetes resource type token. */
  public static boolean isKubernetes(Resource r) {
    return r.type().startsWith("kubernetes:") && !r.type().startsWith("kubernetes:helm.sh")
        && !r.type().startsWith("kubernetes:yaml");
  }

  /** The kind: last part of the type token. */
  public static String kind(Resource r) {
    return r.type().substring(r.type().lastIndexOf(':') + 1);
  }

  /** True when the resource is namespaced (so it should not be in {@code default}). */
  public static boolean isNamespaced(Resource r) {
    // By convention cluster-scoped CRD kinds are named Cluster* (ClusterIssuer, ClusterSecretStore, ...).
    return isKubernetes(r) && !CLUSTER_SCOPED.contains(kind(r)) && !kind(r).startsWith("Cluster");
  }

  /** The namespace; {@code default} when none is set (what the API server would use). */
  public static String namespace(Resource r) {
    JsonNode ns = r.input("metadata.namespace");
    return ns.isTextual() && !ns.asText().isBlank() ? ns.asText() : Values.isUnknown(ns) ? "<unknown>" : "default";
  }

  /** The object name in the cluster ({@code metadata.name}), else the Pulumi name. */
  public static String objectName(Resource r) {
    JsonNode n = r.input("metadata.name");
    return n.isTextual() ? n.asText() : r.name();
  }

  /**
   * Whether a label selector ({@code {matchLabels, matchExpressions}} or, for Services, a
   * plain map) selects an object with {@code labels}. An empty selector selects nothing
   * here: for PDBs and policies an empty selector is almost always a mistake we want flagged.
   */
  public static boolean selects(JsonNode selector, Map<String, String> labels) {
    if (selector == null || !selector.isObject() || selector.isEmpty() || Values.isUnknown(selector)) {
      return false;
    }
    boolean structured = selector.has("matchLabels") || selector.has("matchExpressions");
    JsonNode matchLabels = structured ? selector.path("matchLabels") : selector;
    boolean any = false;
    // Walks the selector's fields directly: this runs workloads × PDBs/policies/services times.
    for (var it = matchLabels.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isValueNode()) {
        continue;
      }
      any = true;
      if (!e.getValue().asText().equals(labels.get(e.getKey()))) {
        return false;
      }
    }
    for (JsonNode expr : selector.path("matchExpressions")) {
      any = true;
      String key = expr.path("key").asText();
      Set<String> values = new HashSet<>();
      expr.path("values").forEach(v -> values.add(v.asText()));
      boolean ok = switch (expr.path("operator").asText()) {
        case "In" -> labels.containsKey(key) && values.contains(labels.get(key));
        case "NotIn" -> !labels.containsKey(key) || !values.contains(labels.get(key));
        case "Exists" -> labels.containsKey(key);
        case "DoesNotExist" -> !labels.containsKey(key);
        default -> false;
      };
      if (!ok) {
        return false;
      }
    }
    return any;
  }

  /** Elements of an array node (empty for anything else). */
  public static List<JsonNode> list(JsonNode node) {
    List<JsonNode> out = new ArrayList<>();
    if (node != null && node.isArray()) {
      node.forEach(out::add);
    }
    return out;
  }

  /** Parses a Kubernetes quantity of GPUs/CPUs etc. leniently as a number; NaN when unknown. */
  public static double quantity(JsonNode node) {
    if (node == null || node.isMissingNode() || node.isNull() || Values.isUnknown(node)) {
      return Double.NaN;
    }
    if (node.isNumber()) {
      return node.asDouble();
    }
    String s = node.asText().trim();
    try {
      if (s.endsWith("m")) {
        return Double.parseDouble(s.substring(0, s.length() - 1)) / 1000;
      }
      return Double.parseDouble(s);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  /**
   * Parses a Kubernetes memory quantity ({@code 4Gi}, {@code 512Mi}, {@code 1G}, {@code 1073741824})
   * into bytes; NaN when absent, unknown at plan time or not a quantity.
   */
  public static double bytes(JsonNode node) {
    if (node == null || node.isMissingNode() || node.isNull() || Values.isUnknown(node)) {
      return Double.NaN;
    }
    if (node.isNumber()) {
      return node.asDouble();
    }
    var m = java.util.regex.Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|T|m)?").matcher(node.asText().trim());
    if (!m.matches()) {
      return Double.NaN;
    }
    double value = Double.parseDouble(m.group(1));
    String suffix = m.group(2) == null ? "" : m.group(2);
    return value * switch (suffix) {
      case "Ki" -> 1024.0;
      case "Mi" -> 1024.0 * 1024;
      case "Gi" -> 1024.0 * 1024 * 1024;
      case "Ti" -> 1024.0 * 1024 * 1024 * 1024;
      case "k" -> 1e3;
      case "M" -> 1e6;
      case "G" -> 1e9;
      case "T" -> 1e12;
      case "m" -> 1e-3;
      default -> 1.0;
    };
  }

  private K8s() {}
}
