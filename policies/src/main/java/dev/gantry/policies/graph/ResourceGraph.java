package dev.gantry.policies.graph;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Everything a stack would deploy, independent of where the plan came from: resources
 * (sorted by URN so the same stack always serializes to the same bytes), the provider
 * functions invoked, the stack's configuration with secrets redacted, and the stack
 * outputs.
 *
 * <p>Configuration keys are fully qualified ({@code gantry:cloud}, {@code aws:region});
 * values that were JSON objects or arrays in the stack file are kept as JSON, scalars as
 * strings. The resolved serving facts (GPU pools, models) are also in the stack output
 * {@value #SERVING_SPEC_OUTPUT}, so graphs read from {@code pulumi stack export} carry them too;
 * see {@link ServingSpec}.
 *
 * @param schema    always {@value #SCHEMA}
 * @param project   Pulumi project name
 * @param stack     stack name, e.g. {@code aws-prod}
 * @param source    where the graph came from
 * @param config    stack configuration, secrets redacted
 * @param outputs   stack outputs
 * @param resources all resources, sorted by URN
 * @param invokes   provider functions called while planning, sorted by token
 */
public record ResourceGraph(
    String schema,
    String project,
    String stack,
    GraphSource source,
    ObjectNode config,
    ObjectNode outputs,
    List<Resource> resources,
    List<Invoke> invokes) {

  public static final String SCHEMA = "gantry.dev/resource-graph/v1";
  public static final String SERVING_SPEC_OUTPUT = "servingSpec";

  public ResourceGraph {
    schema = schema == null ? SCHEMA : schema;
    Objects.requireNonNull(stack, "stack");
    Objects.requireNonNull(source, "source");
    config = config == null ? JsonNodeFactory.instance.objectNode() : config;
    outputs = outputs == null ? JsonNodeFactory.instance.objectNode() : outputs;
    resources = resources == null ? List.of()
        : resources.stream().sorted(Comparator.comparing(Resource::urn)).toList();
    invokes = invokes == null ? List.of()
        : invokes.stream().sorted(Comparator.comparing(Invoke::token)
            .thenComparing(i -> i.args().toString())).toList();
  }

  /** Resources by URN. */
  public Map<String, Resource> byUrn() {
    return resources.stream().collect(Collectors.toMap(Resource::urn, Function.identity(), (a, b) -> a));
  }

  /** Resources whose type token equals {@code type}. */
  public List<Resource> ofType(String type) {
    return resources.stream().filter(r -> r.type().equals(type)).toList();
  }

  /** Direct children of the given parent URN (null for top-level resources). */
  public List<Resource> childrenOf(String parentUrn) {
    return resources.stream().filter(r -> Objects.equals(r.parent(), parentUrn)).toList();
  }

  /** A configuration value by fully qualified key; a missing node when absent. */
  public JsonNode configValue(String key) {
    return config.path(key);
  }

  /** The serving facts exported by the stack, when present. */
  public Optional<ServingSpec> servingSpec() {
    JsonNode node = outputs.path(SERVING_SPEC_OUTPUT);
    if (node.isMissingNode() || node.isNull() || Values.isUnknown(node)) {
      return Optional.empty();
    }
    return Optional.of(GraphJson.servingSpec(node));
  }
}
