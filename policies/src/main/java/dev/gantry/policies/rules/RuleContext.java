package dev.gantry.policies.rules;

import dev.gantry.policies.catalog.GpuCatalog;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.ResourceGraph;
import dev.gantry.policies.graph.ServingSpec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What a rule may look at: the graph, the stack's serving facts (from the
 * {@code servingSpec} output), the GPU catalog and the stack's policy settings, plus
 * indexes built once per evaluation (resources by type, workloads).
 */
public final class RuleContext {
  private final ResourceGraph graph;
  private final Optional<ServingSpec> spec;
  private final GpuCatalog catalog;
  private final PolicyConfig policy;
  private final Map<String, List<Resource>> byType;
  private final List<Workload> workloads;
  private final Map<String, List<Resource>> hpasByTarget;

  public RuleContext(ResourceGraph graph, GpuCatalog catalog, PolicyConfig policy) {
    this.graph = Objects.requireNonNull(graph, "graph");
    this.catalog = Objects.requireNonNull(catalog, "catalog");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.spec = graph.servingSpec();
    this.byType = graph.resources().stream().collect(Collectors.groupingBy(Resource::type, HashMap::new, Collectors.toList()));
    this.workloads = graph.resources().stream().map(Workload::of).filter(Objects::nonNull).toList();
    // Cross-resource rules ask "which HPAs scale this workload" per workload: index once.
    this.hpasByTarget = ofType(K8s.HPA).stream().collect(Collectors.groupingBy(
        h -> target(h.input("spec.scaleTargetRef.kind").asText(), K8s.namespace(h), h.input("spec.scaleTargetRef.name").asText())));
  }

  private static String target(String kind, String namespace, String name) {
    return kind + "/" + namespace + "/" + name;
  }

  public ResourceGraph graph() {
    return graph;
  }

  public Optional<ServingSpec> spec() {
    return spec;
  }

  public GpuCatalog catalog() {
    return catalog;
  }

  public PolicyConfig policy() {
    return policy;
  }

  /** The cloud of the stack: the serving spec's, else the {@code gantry:cloud} config, else empty. */
  public String cloud() {
    return spec.map(ServingSpec::cloud).orElse(graph.configValue("gantry:cloud").asText(""));
  }

  /** Resources of one type token. */
  public List<Resource> ofType(String type) {
    return byType.getOrDefault(type, List.of());
  }

  /** Resources of any of the type tokens. */
  public List<Resource> ofTypes(String... types) {
    return java.util.Arrays.stream(types).flatMap(t -> ofType(t).stream()).toList();
  }

  public List<Workload> workloads() {
    return workloads;
  }

  /** Engine workloads serving {@code model} (label contract). */
  public List<Workload> enginesFor(String model) {
    return workloads.stream().filter(w -> w.isEngine() && model.equals(w.model())).toList();
  }

  /** Workloads with the given component label. */
  public List<Workload> component(String component) {
    return workloads.stream().filter(w -> component.equals(w.component())).toList();
  }

  /** The serving spec's GPU pool by name. */
  public Optional<ServingSpec.GpuPool> pool(String name) {
    return spec.flatMap(s -> s.gpuPools().stream().filter(p -> p.name().equals(name)).findFirst());
  }

  /**
   * The fewest replicas a workload runs: {@code spec.replicas} when set, else the largest
   * {@code minReplicas} of its HPAs (a Deployment whose HPA owns the count leaves
   * replicas unset), else 1 (the API default); -1 when unknown at plan time.
   */
  public int minReplicas(Workload w) {
    if (!w.resource().input("spec.replicas").isMissingNode()) {
      return w.replicas();
    }
    return hpasFor(w).stream().mapToInt(h -> h.input("spec.minReplicas").asInt(1)).max().orElse(1);
  }

  /** The most replicas a workload may run: the largest HPA maxReplicas, else {@link #minReplicas}. */
  public int maxReplicas(Workload w) {
    return Math.max(minReplicas(w), hpasFor(w).stream().mapToInt(h -> h.input("spec.maxReplicas").asInt(0)).max().orElse(0));
  }

  /** HPAs whose {@code scaleTargetRef} names this workload (same namespace). */
  public List<Resource> hpasFor(Workload w) {
    return hpasByTarget.getOrDefault(target(w.kind(), K8s.namespace(w.resource()), w.name()), List.of());
  }
}
