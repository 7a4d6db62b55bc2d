package dev.gantry.policies.graph;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads Pulumi's own JSON formats into a {@link ResourceGraph}: the output of
 * {@code pulumi preview --json} (a list of {@code steps}, each with the resource's
 * {@code newState}) and of {@code pulumi stack export} ({@code deployment.resources}).
 *
 * <p>Pulumi's sentinels are mapped onto Gantry's markers so rules see one representation:
 * the unknown-value UUID {@value #UNKNOWN_SENTINEL} becomes {@link Values#unknown()}; a
 * secret (an object whose signature key {@value #SIG_KEY} has the value
 * {@value #SECRET_SIG}, with a {@code ciphertext} or {@code plaintext}, or the display
 * string {@code [secret]}) becomes {@link Values#secret()}; a resource reference becomes
 * its URN. The {@code pulumi:pulumi:Stack} resource is not kept as a resource: its outputs
 * become the graph's outputs and its children become top-level resources.
 */
public final class PulumiJson {
  /** The value Pulumi uses for "computed, not known during preview". */
  public static final String UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
  /** The key marking a special (signed) object in Pulumi's serialized property values. */
  public static final String SIG_KEY = "4dabf18193072939515e22adb298388d";
  public static final String SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
  public static final String RESOURCE_REF_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
  private static final String STACK_TYPE = "pulumi:pulumi:Stack";

  /** Reads a graph file of any supported source, detected from its top-level keys. */
  public static ResourceGraph read(Path file) {
    JsonNode root = parse(file);
    try {
      if (root.has("schema") && root.has("resources")) {
        return GraphJson.read(file);
      }
      if (root.has("steps")) {
        return fromPreview(root);
      }
      if (root.has("deployment")) {
        return fromStackExport(root);
      }
    } catch (GraphFormatException e) {
      throw new GraphFormatException("'" + file + "': " + e.getMessage(), e);
    }
    throw new GraphFormatException("'" + file + "' is neither a Gantry plan (no 'schema'), nor 'pulumi preview --json'"
        + " output (no 'steps'), nor 'pulumi stack export' output (no 'deployment'). Pass one of those files.");
  }

  /** Reads {@code pulumi preview --json} output from a file. */
  public static ResourceGraph readPreview(Path file) {
    try {
      return fromPreview(parse(file));
    } catch (GraphFormatException e) {
      throw new GraphFormatException("'" + file + "': " + e.getMessage(), e);
    }
  }

  /** Reads {@code pulumi stack export} output from a file. */
  public static ResourceGraph readStackExport(Path file) {
    try {
      return fromStackExport(parse(file));
    } catch (GraphFormatException e) {
      throw new GraphFormatException("'" + file + "': " + e.getMessage(), e);
    }
  }

  /** Converts parsed {@code pulumi preview --json} output. */
  public static ResourceGraph fromPreview(JsonNode root) {
    JsonNode steps = root.path("steps");
    if (!steps.isArray()) {
      throw new GraphFormatException("not 'pulumi preview --json' output: 'steps' must be an array");
    }
    // A replacement shows up as several steps for one URN; the last non-delete state wins.
    Map<String, JsonNode> states = new LinkedHashMap<>();
    int index = 0;
    for (JsonNode step : steps) {
      String op = step.path("op").asText("");
      String urn = step.path("urn").asText(step.path("newState").path("urn").asText(""));
      if (urn.isEmpty()) {
        throw new GraphFormatException("step " + index + " (op '" + op + "') has no 'urn'");
      }
      index++;
      if (op.equals("delete") || op.equals("delete-replaced") || op.equals("discard")
          || op.equals("discard-replaced") || op.equals("remove-pending-replace")) {
        states.remove(urn);
        continue;
      }
      JsonNode state = step.path("newState");
      if (!state.isObject()) {
        throw new GraphFormatException("step for '" + urn + "' (op '" + op + "') has no 'newState' object");
      }
      if (!state.has("urn")) { // the step carries the URN; some producers leave it out of the state
        state = ((com.fasterxml.jackson.databind.node.ObjectNode) state.deepCopy()).put("urn", urn);
      }
      states.put(urn, state);
    }
    ObjectNode config = JsonNodeFactory.instance.objectNode();
    root.path("config").fields().forEachRemaining(e -> config.set(e.getKey(), configValue(e.getValue())));
    return build(new ArrayList<>(states.values()), config, GraphSource.PREVIEW, "newState");
  }

  /** Converts parsed {@code pulumi stack export} output. */
  public static ResourceGraph fromStackExport(JsonNode root) {
    JsonNode resources = root.path("deployment").path("resources");
    if (root.path("deployment").isObject() && resources.isMissingNode()) {
      resources = JsonNodeFactory.instance.arrayNode(); // a stack that was never deployed
    }
    if (!resources.isArray()) {
      throw new GraphFormatException("not 'pulumi stack export' output: 'deployment.resources' must be an array");
    }
    List<JsonNode> states = new ArrayList<>();
    resources.forEach(r -> {
      if (!r.path("delete").asBoolean(false)) { // pending deletions are not part of the stack
        states.add(r);
      }
    });
    return build(states, JsonNodeFactory.instance.objectNode(), GraphSource.EXPORT, "deployment.resources");
  }

  private static ResourceGraph build(List<JsonNode> states, ObjectNode config, GraphSource source, String where) {
    String stackUrn = null;
    ObjectNode outputs = JsonNodeFactory.instance.objectNode();
    for (JsonNode state : states) {
      if (STACK_TYPE.equals(state.path("type").asText())) {
        stackUrn = state.path("urn").asText();
        JsonNode out = convert(state.path("outputs"));
        if (out.isObject()) {
          outputs = (ObjectNode) out;
        }
      }
    }
    List<Resource> resources = new ArrayList<>();
    String project = null;
    String stack = null;
    for (int i = 0; i < states.size(); i++) {
      JsonNode state = states.get(i);
      String urn = state.path("urn").asText("");
      String type = state.path("type").asText("");
      if (urn.isEmpty() || type.isEmpty()) {
        throw new GraphFormatException(where + "[" + i + "] lacks 'urn' or 'type'");
      }
      Urn parsed = Urn.parse(urn);
      project = project == null ? parsed.project() : project;
      stack = stack == null ? parsed.stack() : stack;
      if (type.equals(STACK_TYPE)) {
        continue;
      }
      String parent = blankToNull(state.path("parent").asText(null));
      if (parent != null && parent.equals(stackUrn)) {
        parent = null;
      }
      List<String> deps = new ArrayList<>();
      for (JsonNode d : state.path("dependencies")) {
        if (!d.asText().equals(stackUrn)) {
          deps.add(d.asText());
        }
      }
      JsonNode inputs = convert(state.path("inputs"));
      resources.add(new Resource(urn, type, parsed.name(), state.path("custom").asBoolean(true), parent, deps,
          providerUrn(state.path("provider").asText(null)), inputs.isObject() ? (ObjectNode) inputs : null));
    }
    if (stack == null) {
      throw new GraphFormatException("no resources, so no stack name; was the stack ever previewed or deployed?");
    }
    return new ResourceGraph(ResourceGraph.SCHEMA, project, stack, source, config, outputs, resources, List.of());
  }

  /** Maps Pulumi's sentinels onto Gantry markers, recursively; returns a new tree. */
  public static JsonNode convert(JsonNode node) {
    if (node == null || node.isMissingNode() || node.isNull()) {
      return node;
    }
    if (node.isTextual()) {
      String text = node.asText();
      if (text.equals(UNKNOWN_SENTINEL)) {
        return Values.unknown();
      }
      if (text.equals("[secret]")) {
        return Values.secret();
      }
      return node;
    }
    if (node.isArray()) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      node.forEach(e -> out.add(convert(e)));
      return out;
    }
    if (node.isObject()) {
      String sig = node.path(SIG_KEY).asText(null);
      if (SECRET_SIG.equals(sig)) {
        return Values.secret();
      }
      if (RESOURCE_REF_SIG.equals(sig)) {
        return TextNode.valueOf(node.path("urn").asText());
      }
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        out.set(e.getKey(), convert(e.getValue()));
      }
      return out;
    }
    return node;
  }

  /** Config values: secrets become markers; JSON objects/arrays given as strings are parsed. */
  private static JsonNode configValue(JsonNode value) {
    JsonNode converted = convert(value);
    if (converted.isTextual()) {
      String text = converted.asText().trim();
      if (text.startsWith("{") || text.startsWith("[")) {
        try {
          return convert(GraphJson.MAPPER.readTree(text));
        } catch (JsonProcessingException e) {
          return converted; // a string that merely starts with a brace
        }
      }
    }
    return converted;
  }

  /** A provider reference is {@code <provider urn>::<provider id>}; keep the URN. */
  static String providerUrn(String reference) {
    if (reference == null || reference.isBlank()) {
      return null;
    }
    int cut = reference.lastIndexOf("::");
    return cut > 0 && Urn.isUrn(reference.substring(0, cut)) ? reference.substring(0, cut) : reference;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  private static JsonNode parse(Path file) {
    try {
      return GraphJson.MAPPER.readTree(Files.readString(file));
    } catch (JsonProcessingException e) {
      throw new GraphFormatException("'" + file + "' is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new GraphFormatException("Cannot read graph file '" + file + "': " + e, e);
    }
  }

  /**
   * The parts of a Pulumi URN: {@code urn:pulumi:<stack>::<project>::<qualified type>::<name>},
   * where the qualified type is the parent's types and the resource's type joined by {@code $}.
   */
  record Urn(String stack, String project, String type, String name) {
    static boolean isUrn(String s) {
      return s.startsWith("urn:pulumi:") && s.split("::", -1).length >= 4;
    }

    static Urn parse(String urn) {
      if (!urn.startsWith("urn:pulumi:")) {
        throw new GraphFormatException("'" + urn + "' is not a Pulumi URN (expected 'urn:pulumi:STACK::PROJECT::TYPE::NAME')");
      }
      String[] parts = urn.substring("urn:pulumi:".length()).split("::", 4);
      if (parts.length < 4) {
        throw new GraphFormatException("'" + urn + "' is not a Pulumi URN (expected 'urn:pulumi:STACK::PROJECT::TYPE::NAME')");
      }
      String qualified = parts[2];
      return new Urn(parts[0], parts[1], qualified.substring(qualified.lastIndexOf('$') + 1), parts[3]);
    }
  }

  private PulumiJson() {}
}
