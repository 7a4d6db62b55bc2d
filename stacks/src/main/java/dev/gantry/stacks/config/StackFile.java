package dev.gantry.stacks.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A {@code Pulumi.<stack>.yaml} file read the way the Pulumi CLI hands config to a program:
 * fully qualified keys ({@code gantry:cluster}, {@code aws:region}), scalar values as
 * strings, maps and lists as JSON text, and {@code secure:} values as secret keys whose
 * (encrypted) value is kept opaque.
 *
 * @param file       the file read
 * @param stack      stack name (from the file name)
 * @param values     config values by fully qualified key, sorted
 * @param secretKeys keys whose value is a {@code secure:} ciphertext
 */
public record StackFile(Path file, String stack, Map<String, String> values, Set<String> secretKeys) {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final ObjectMapper JSON = new ObjectMapper();

  public StackFile {
    Objects.requireNonNull(stack, "stack");
    values = new TreeMap<>(values);
    secretKeys = new TreeSet<>(secretKeys);
  }

  /** Reads {@code Pulumi.<stack>.yaml}; a malformed file gives a message naming it and the fix. */
  public static StackFile read(Path file) {
    String fileName = file.getFileName().toString();
    if (!fileName.startsWith("Pulumi.") || !fileName.endsWith(".yaml")) {
      throw new StackConfigException("'" + file + "' is not a stack file; stack files are named Pulumi.<stack>.yaml");
    }
    String stack = fileName.substring("Pulumi.".length(), fileName.length() - ".yaml".length());
    JsonNode root;
    try {
      root = YAML.readTree(Files.readString(file));
    } catch (JsonProcessingException e) {
      throw new StackConfigException(file + ": not valid YAML: " + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")"), e);
    } catch (IOException e) {
      throw new StackConfigException("Cannot read stack file '" + file + "': " + e.getMessage(), e);
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      throw new StackConfigException(file + ": the file is empty; it needs a 'config:' map with gantry:* keys");
    }
    if (!root.isObject()) {
      throw new StackConfigException(file + ": expected a map with a 'config:' key at the top level");
    }
    JsonNode config = root.path("config");
    if (!config.isObject()) {
      throw new StackConfigException(file + ": missing 'config:' map; put the gantry:* keys under 'config:'");
    }
    Map<String, String> values = new TreeMap<>();
    Set<String> secrets = new TreeSet<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = config.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = e.getKey();
      if (!key.contains(":")) {
        throw new StackConfigException(file + ": config key '" + key + "' is not namespaced; write 'gantry:" + key + "'");
      }
      JsonNode v = e.getValue();
      if (v.isObject() && v.size() == 1 && v.has("secure")) {
        values.put(key, v.get("secure").asText());
        secrets.add(key);
      } else if (v.isContainerNode()) {
        values.put(key, v.toString());
      } else {
        values.put(key, v.isNull() ? "" : v.asText());
      }
    }
    return new StackFile(file, stack, values, secrets);
  }

  /** A config value as JSON: maps and lists parsed, scalars as JSON strings. */
  public static JsonNode parseValue(String raw) {
    String trimmed = raw.trim();
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
      try {
        return JSON.readTree(trimmed);
      } catch (JsonProcessingException e) {
        // Not JSON after all: a plain string that happens to start with a bracket.
      }
    }
    return JSON.getNodeFactory().textNode(raw);
  }
}
