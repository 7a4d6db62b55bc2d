package dev.gantry.stacks.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.gantry.policies.catalog.GpuCatalog;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Typed, validating reads from one JSON object of configuration. Every read names the
 * field it wants; {@link #finish()} then rejects fields nobody read, suggesting the closest
 * known one. Errors name the key as the user wrote it (via {@code namer}, which maps a
 * path relative to this section to a display key such as
 * {@code gantry:cluster.gpuPools[0].instanceType} or {@code models/llama.yaml: engine.dtype}).
 */
final class Section {
  private final JsonNode node;
  private final String path;
  private final Function<String, String> namer;
  private final Set<String> known = new LinkedHashSet<>();

  private Section(JsonNode node, String path, Function<String, String> namer) {
    this.node = node;
    this.path = path;
    this.namer = namer;
  }

  /** A root section; {@code namer} turns a relative dotted path into a display key. */
  static Section root(JsonNode node, Function<String, String> namer, String displayName) {
    if (node != null && !node.isMissingNode() && !node.isNull() && !node.isObject()) {
      throw new StackConfigException(displayName + ": expected a map of settings, got " + describe(node));
    }
    return new Section(node == null || node.isNull() ? JsonNodeFactory.instance.objectNode() : node, "", namer);
  }

  /** Display key of a field of this section. */
  String key(String field) {
    return namer.apply(join(field));
  }

  /** Display key of this section itself. */
  String key() {
    return namer.apply(path);
  }

  private String join(String field) {
    if (field.isEmpty()) {
      return path;
    }
    return path.isEmpty() ? field : path + "." + field;
  }

  boolean has(String field) {
    known.add(field);
    JsonNode v = node.get(field);
    return v != null && !v.isNull();
  }

  private Optional<JsonNode> value(String field) {
    known.add(field);
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? Optional.empty() : Optional.of(v);
  }

  StackConfigException error(String field, String problem) {
    return new StackConfigException(key(field) + ": " + problem);
  }

  StackConfigException invalid(String field, String problem) {
    JsonNode v = node.get(field);
    return new StackConfigException(key(field) + ": " + quote(v) + " " + problem);
  }

  String string(String field, String fallback) {
    return value(field).map(v -> {
      if (!v.isValueNode()) {
        throw invalid(field, "must be a string");
      }
      return v.asText();
    }).orElse(fallback);
  }

  String requiredString(String field, String example) {
    String v = string(field, null);
    if (v == null || v.isBlank()) {
      throw error(field, "is required, e.g. '" + example + "'");
    }
    return v;
  }

  /** A string that must be one of {@code allowed}; suggests the closest on a typo. */
  String oneOf(String field, String fallback, List<String> allowed) {
    String v = string(field, fallback);
    if (v != null && !allowed.contains(v)) {
      throw invalid(field, "is not allowed; use one of " + allowed + didYouMean(v, allowed));
    }
    return v;
  }

  int integer(String field, int fallback, int min, int max) {
    return (int) longValue(field, fallback, min, max);
  }

  long longValue(String field, long fallback, long min, long max) {
    Optional<JsonNode> v = value(field);
    if (v.isEmpty()) {
      return fallback;
    }
    long parsed = parseLong(field, v.get());
    if (parsed < min || parsed > max) {
      throw invalid(field, "must be within [" + min + ", " + max + "]");
    }
    return parsed;
  }

  private long parseLong(String field, JsonNode v) {
    if (v.isIntegralNumber()) {
      return v.asLong();
    }
    if (v.isTextual()) {
      try {
        return Long.parseLong(v.asText().trim().replace("_", ""));
      } catch (NumberFormatException ignored) {
        // fall through to the error below
      }
    }
    if (v.isNumber() && v.asDouble() == Math.rint(v.asDouble())) {
      return (long) v.asDouble();
    }
    throw invalid(field, "must be a whole number");
  }

  double decimal(String field, double fallback, double min, double max) {
    Optional<JsonNode> v = value(field);
    if (v.isEmpty()) {
      return fallback;
    }
    double parsed;
    if (v.get().isNumber()) {
      parsed = v.get().asDouble();
    } else if (v.get().isTextual()) {
      try {
        parsed = Double.parseDouble(v.get().asText().trim());
      } catch (NumberFormatException e) {
        throw invalid(field, "must be a number");
      }
    } else {
      throw invalid(field, "must be a number");
    }
    if (!(parsed >= min && parsed <= max)) {
      throw invalid(field, "must be within [" + min + ", " + max + "]");
    }
    return parsed;
  }

  boolean bool(String field, boolean fallback) {
    Optional<JsonNode> v = value(field);
    if (v.isEmpty()) {
      return fallback;
    }
    if (v.get().isBoolean()) {
      return v.get().asBoolean();
    }
    if (v.get().isTextual() && (v.get().asText().equals("true") || v.get().asText().equals("false"))) {
      return Boolean.parseBoolean(v.get().asText());
    }
    throw invalid(field, "must be true or false");
  }

  List<String> strings(String field, List<String> fallback) {
    Optional<JsonNode> v = value(field);
    if (v.isEmpty()) {
      return fallback;
    }
    if (!v.get().isArray()) {
      throw invalid(field, "must be a list, e.g. [a, b]");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode item : v.get()) {
      if (!item.isValueNode() || item.isNull()) {
        throw invalid(field, "must be a list of strings");
      }
      out.add(item.asText());
    }
    return List.copyOf(out);
  }

  /** A nested map; an absent field reads as an empty map (all defaults). */
  Section section(String field) {
    Optional<JsonNode> v = value(field);
    if (v.isPresent() && !v.get().isObject()) {
      throw invalid(field, "must be a map of settings");
    }
    return new Section(v.orElse(JsonNodeFactory.instance.objectNode()), join(field), namer);
  }

  /** A list of maps. */
  List<Section> sections(String field) {
    Optional<JsonNode> v = value(field);
    if (v.isEmpty()) {
      return List.of();
    }
    if (!v.get().isArray()) {
      throw invalid(field, "must be a list of maps");
    }
    List<Section> out = new ArrayList<>();
    for (int i = 0; i < v.get().size(); i++) {
      JsonNode item = v.get().get(i);
      String itemPath = join(field) + "[" + i + "]";
      if (!item.isObject()) {
        throw new StackConfigException(namer.apply(itemPath) + ": " + quote(item) + " must be a map of settings");
      }
      out.add(new Section(item, itemPath, namer));
    }
    return out;
  }

  /** Rejects fields that no read asked for, naming the closest known field. */
  Section finish() {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!known.contains(field)) {
        throw new StackConfigException(key(field) + ": unknown setting" + didYouMean(field, List.copyOf(known))
            + "; known settings here: " + known);
      }
    }
    return this;
  }

  /**
   * This section as raw JSON (a copy), for layering; fields outside {@code allowed} are
   * rejected with a "did you mean" (null allows any field).
   */
  com.fasterxml.jackson.databind.node.ObjectNode finishAsOverrides(List<String> allowed) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (allowed != null && !allowed.contains(field)) {
        throw new StackConfigException(key(field) + ": unknown setting" + didYouMean(field, allowed)
            + "; known settings here: " + allowed);
      }
      known.add(field);
    }
    return ((com.fasterxml.jackson.databind.node.ObjectNode) node).deepCopy();
  }

  /** "; did you mean 'x'?" when a candidate is close to {@code value}, else empty. */
  static String didYouMean(String value, List<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : candidates) {
      int d = GpuCatalog.editDistance(value.toLowerCase(Locale.ROOT), c.toLowerCase(Locale.ROOT));
      if (d <= Math.max(2, c.length() / 3) && d < bestDistance) {
        best = c;
        bestDistance = d;
      }
    }
    return best == null ? "" : "; did you mean '" + best + "'?";
  }

  static String quote(JsonNode v) {
    if (v == null || v.isNull() || v.isMissingNode()) {
      return "(empty)";
    }
    return v.isValueNode() ? "'" + v.asText() + "'" : v.toString();
  }

  private static String describe(JsonNode v) {
    return v.isArray() ? "a list " + v : quote(v);
  }
}
