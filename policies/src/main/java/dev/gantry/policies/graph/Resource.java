package dev.gantry.policies.graph;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Objects;

/**
 * One resource of a plan: a Pulumi custom resource (something a provider creates) or a
 * component (a grouping node). Inputs are plain JSON; values unknown at plan time and
 * secrets are represented by {@link Values#UNKNOWN} and {@link Values#SECRET} markers.
 *
 * @param urn          Pulumi URN, unique in the graph
 * @param type         type token, e.g. {@code aws:eks/cluster:Cluster} or {@code gantry:aws:GpuCluster}
 * @param name         the logical name given in the program
 * @param custom       true for provider-managed resources, false for components
 * @param parent       URN of the parent, or null for the stack's direct children
 * @param dependencies URNs this resource depends on, sorted
 * @param provider     URN of the explicit provider resource, or null for the default provider
 * @param inputs       the resource's input properties (an object node, never null)
 */
public record Resource(
    String urn,
    String type,
    String name,
    boolean custom,
    String parent,
    List<String> dependencies,
    String provider,
    ObjectNode inputs) {

  public Resource {
    Objects.requireNonNull(urn, "urn");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(name, "name");
    dependencies = dependencies == null ? List.of() : List.copyOf(dependencies.stream().sorted().distinct().toList());
    inputs = inputs == null ? JsonNodeFactory.instance.objectNode() : inputs;
  }

  /** The input at a dotted path such as {@code spec.template.spec.containers}; a missing node when absent. */
  public JsonNode input(String dottedPath) {
    return Values.at(inputs, dottedPath);
  }

  /** The package of the type token: {@code kubernetes}, {@code aws}, {@code gantry}, {@code pulumi}. */
  public String typePackage() {
    int colon = type.indexOf(':');
    return colon < 0 ? type : type.substring(0, colon);
  }

  /** True when this is a Kubernetes resource of the given kind, e.g. {@code apps/v1:Deployment}. */
  public boolean isKubernetes(String apiVersionAndKind) {
    return type.equals("kubernetes:" + apiVersionAndKind);
  }
}
