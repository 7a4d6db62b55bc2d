package dev.gantry.policies.rules;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.gantry.policies.graph.Values;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Per-stack policy settings: enforcement overrides by rule id and the few tunables the
 * rules need. Read from the stack config key {@code gantry:policy} and/or a policy file
 * with the same shape; a file's values win over the stack config's.
 *
 * <pre>
 * enforcement: {GNT-K8S-014: advisory, GNT-COST-001: mandatory}
 * allowedRegistries: ["123456789012.dkr.ecr.*.amazonaws.com", "registry.k8s.io"]
 * modelLoadMiBps: 250          # assumed disk/network throughput when loading weights
 * modelLoadOverheadSeconds: 60 # engine start-up besides reading weights (CUDA init, graphs)
 * activationHeadroomGiB: 1.5   # per GPU, on top of weights and KV cache
 * monthlyBudgetUsd: 60000      # GPU spend ceiling at max nodes
 * </pre>
 *
 * @param enforcement              overrides by rule id
 * @param allowedRegistries        registry host globs images may come from; empty means the defaults
 * @param modelLoadMiBps           assumed weight loading throughput, MiB/s
 * @param modelLoadOverheadSeconds fixed engine start-up time besides loading weights
 * @param activationHeadroomGiB    per-GPU memory reserved for activations, CUDA context and graphs
 * @param monthlyBudgetUsd         monthly GPU budget, or null when none is set
 */
public record PolicyConfig(
    Map<String, Enforcement> enforcement,
    List<String> allowedRegistries,
    double modelLoadMiBps,
    double modelLoadOverheadSeconds,
    double activationHeadroomGiB,
    Double monthlyBudgetUsd) {

  public static final double DEFAULT_LOAD_MIBPS = 250;
  public static final double DEFAULT_LOAD_OVERHEAD_SECONDS = 60;
  public static final double DEFAULT_ACTIVATION_HEADROOM_GIB = 1.5;
  /** Registries allowed when the stack names none: the clouds' private registries and the upstream Kubernetes ones. */
  public static final List<String> DEFAULT_REGISTRIES = List.of(
      "*.dkr.ecr.*.amazonaws.com", "*-docker.pkg.dev", "gcr.io", "*.azurecr.io",
      "registry.k8s.io", "quay.io", "ghcr.io");
  private static final Set<String> KEYS = Set.of("enforcement", "allowedRegistries", "modelLoadMiBps",
      "modelLoadOverheadSeconds", "activationHeadroomGiB", "monthlyBudgetUsd");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  public PolicyConfig {
    enforcement = Map.copyOf(enforcement);
    allowedRegistries = List.copyOf(allowedRegistries);
    if (!(modelLoadMiBps > 0)) {
      throw new IllegalArgumentException("modelLoadMiBps must be > 0, got " + modelLoadMiBps);
    }
    if (modelLoadOverheadSeconds < 0) {
      throw new IllegalArgumentException("modelLoadOverheadSeconds must be >= 0, got " + modelLoadOverheadSeconds);
    }
    if (activationHeadroomGiB < 0) {
      throw new IllegalArgumentException("activationHeadroomGiB must be >= 0, got " + activationHeadroomGiB);
    }
    if (monthlyBudgetUsd != null && !(monthlyBudgetUsd > 0)) {
      throw new IllegalArgumentException("monthlyBudgetUsd must be > 0, got " + monthlyBudgetUsd);
    }
  }

  public static PolicyConfig defaults() {
    return new PolicyConfig(Map.of(), List.of(), DEFAULT_LOAD_MIBPS, DEFAULT_LOAD_OVERHEAD_SECONDS,
        DEFAULT_ACTIVATION_HEADROOM_GIB, null);
  }

  /** The registries images may come from. */
  public List<String> effectiveRegistries() {
    return allowedRegistries.isEmpty() ? DEFAULT_REGISTRIES : allowedRegistries;
  }

  /**
   * Applies the settings in {@code node} (the {@code gantry:policy} value or a parsed policy
   * file) on top of this config. {@code where} names the source in error messages.
   */
  public PolicyConfig with(JsonNode node, String where) {
    if (node == null || node.isMissingNode() || node.isNull()) {
      return this;
    }
    if (node.isTextual()) { // a stack config value given as a JSON string
      try {
        node = YAML.readTree(node.asText());
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException(where + ": not a YAML/JSON object: " + e.getOriginalMessage(), e);
      }
    }
    if (!node.isObject() || Values.isSecret(node)) {
      throw new IllegalArgumentException(where + ": expected an object with keys " + KEYS + ", got " + node);
    }
    Map<String, Enforcement> overrides = new LinkedHashMap<>(enforcement);
    List<String> registries = allowedRegistries;
    double mibps = modelLoadMiBps;
    double overhead = modelLoadOverheadSeconds;
    double headroom = activationHeadroomGiB;
    Double budget = monthlyBudgetUsd;
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      switch (e.getKey()) {
        case "enforcement" -> {
          if (!v.isObject()) {
            throw new IllegalArgumentException(where + ": 'enforcement' must map rule ids to advisory|mandatory|disabled");
          }
          v.fields().forEachRemaining(o -> overrides.put(o.getKey(),
              Enforcement.parse(o.getValue().asText(), where + ": enforcement of " + o.getKey())));
        }
        case "allowedRegistries" -> {
          if (!v.isArray()) {
            throw new IllegalArgumentException(where + ": 'allowedRegistries' must be a list of registry hosts (globs allowed)");
          }
          List<String> list = new ArrayList<>();
          v.forEach(r -> list.add(r.asText()));
          registries = list;
        }
        case "modelLoadMiBps" -> mibps = number(v, where, e.getKey());
        case "modelLoadOverheadSeconds" -> overhead = number(v, where, e.getKey());
        case "activationHeadroomGiB" -> headroom = number(v, where, e.getKey());
        case "monthlyBudgetUsd" -> budget = number(v, where, e.getKey());
        default -> throw new IllegalArgumentException(where + ": unknown policy key '" + e.getKey()
            + "'; known keys: " + KEYS.stream().sorted().toList());
      }
    }
    try {
      return new PolicyConfig(overrides, registries, mibps, overhead, headroom, budget);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
  }

  /** Applies a YAML or JSON policy file on top of this config. */
  public PolicyConfig withFile(Path file) {
    try {
      return with(YAML.readTree(Files.readString(file)), "policy file '" + file + "'");
    } catch (IOException e) {
      throw new IllegalArgumentException("Cannot read policy file '" + file + "': " + e.getMessage(), e);
    }
  }

  /** The effective enforcement of a rule in this stack. */
  public Enforcement enforcementOf(RuleInfo rule) {
    return enforcement.getOrDefault(rule.id(), rule.enforcement());
  }

  private static double number(JsonNode v, String where, String key) {
    if (v.isNumber()) {
      return v.asDouble();
    }
    if (v.isTextual()) {
      try {
        return Double.parseDouble(v.asText().trim());
      } catch (NumberFormatException ignored) {
        // fall through to the error below
      }
    }
    throw new IllegalArgumentException(where + ": '" + key + "' must be a number, got " + v);
  }
}
