package dev.gantry.policies.rules;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Deployment, StatefulSet or DaemonSet seen through its pod template: the shape most
 * Kubernetes rules need. Labels are the union of the object's and the pod template's,
 * the pod's winning, so the label contract may be carried on either.
 *
 * @param resource  the workload resource
 * @param podSpec   {@code spec.template.spec} (missing node when absent)
 * @param podLabels {@code spec.template.metadata.labels}
 * @param labels    object and pod labels merged
 */
public record Workload(Resource resource, JsonNode podSpec, Map<String, String> podLabels, Map<String, String> labels) {

  /** The workload view of a resource, or null when it is not a workload type. */
  public static Workload of(Resource r) {
    if (!K8s.WORKLOAD_TYPES.contains(r.type())) {
      return null;
    }
    Map<String, String> pod = K8s.labels(r.input("spec.template.metadata.labels"));
    Map<String, String> all = new TreeMap<>(K8s.labels(r.input("metadata.labels")));
    all.putAll(pod);
    return new Workload(r, r.input("spec.template.spec"), pod, all);
  }

  public String kind() {
    return K8s.kind(resource);
  }

  public String name() {
    return K8s.objectName(resource);
  }

  public String component() {
    return labels.getOrDefault(K8s.COMPONENT, "");
  }

  public boolean isEngine() {
    return K8s.ENGINE.equals(component());
  }

  public boolean isGateway() {
    return K8s.GATEWAY.equals(component());
  }

  /** The served model ({@code gantry.dev/model}), or null. */
  public String model() {
    return labels.get(K8s.MODEL);
  }

  /** Main containers. */
  public List<JsonNode> containers() {
    return K8s.list(podSpec.path("containers"));
  }

  /** Init containers and main containers. */
  public List<JsonNode> allContainers() {
    List<JsonNode> all = new ArrayList<>(K8s.list(podSpec.path("initContainers")));
    all.addAll(containers());
    return all;
  }

  /** Declared replicas; 1 when unset (the API default), -1 when unknown at plan time. */
  public int replicas() {
    JsonNode r = resource.input("spec.replicas");
    if (Values.isUnknown(r)) {
      return -1;
    }
    return r.isMissingNode() || r.isNull() ? 1 : r.asInt(1);
  }

  /** GPUs one pod asks for (limit, else request); 0 when none. */
  public int gpus() {
    int total = 0;
    for (JsonNode c : containers()) {
      double limit = K8s.quantity(c.path("resources").path("limits").path(K8s.GPU_RESOURCE));
      double request = K8s.quantity(c.path("resources").path("requests").path(K8s.GPU_RESOURCE));
      double n = !Double.isNaN(limit) ? limit : request;
      total += Double.isNaN(n) ? 0 : (int) n;
    }
    return total;
  }

  /** The container that runs the engine or gateway: named like the component, else the first one. */
  public JsonNode mainContainer() {
    List<JsonNode> cs = containers();
    for (JsonNode c : cs) {
      if (c.path("name").asText().equals(component())) {
        return c;
      }
    }
    return cs.isEmpty() ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : cs.get(0);
  }

  public String containerName(JsonNode container) {
    return container.path("name").asText("<unnamed>");
  }
}
