package dev.gantry.policies.graph;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads and writes Gantry's own plan JSON ({@value ResourceGraph#SCHEMA}). Output is
 * pretty-printed with sorted keys so the same stack gives byte-identical files.
 */
public final class GraphJson {
  static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
      .build();

  /** The graph as JSON text. */
  public static String write(ResourceGraph graph) {
    try {
      // Go through a tree so object keys inside inputs are sorted too.
      Object sorted = MAPPER.treeToValue(MAPPER.valueToTree(graph), Object.class);
      return MAPPER.writeValueAsString(sorted) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot serialize graph of stack '" + graph.stack() + "'", e);
    }
  }

  /** Writes the graph to {@code file}, creating parent directories. */
  public static void write(ResourceGraph graph, Path file) {
    try {
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      Files.writeString(file, write(graph));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write plan to '" + file + "': " + e.getMessage(), e);
    }
  }

  /** Parses plan JSON text. */
  public static ResourceGraph read(String json) {
    try {
      ResourceGraph graph = MAPPER.readValue(json, ResourceGraph.class);
      if (!ResourceGraph.SCHEMA.equals(graph.schema())) {
        throw new GraphFormatException("Unsupported plan schema '" + graph.schema()
            + "'; expected '" + ResourceGraph.SCHEMA + "'. Re-run 'gantry plan' with this version of Gantry.");
      }
      return graph;
    } catch (JsonProcessingException e) {
      throw new GraphFormatException("Not a Gantry plan JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** Reads a plan JSON file. */
  public static ResourceGraph read(Path file) {
    try {
      return read(Files.readString(file));
    } catch (IOException e) {
      throw new GraphFormatException("Cannot read plan file '" + file + "': " + e.getMessage(), e);
    } catch (GraphFormatException e) {
      throw new GraphFormatException("'" + file + "': " + e.getMessage(), e);
    }
  }

  /** Converts a JSON node (e.g. a stack output) into a {@link ServingSpec}. */
  public static ServingSpec servingSpec(JsonNode node) {
    try {
      return MAPPER.treeToValue(node, ServingSpec.class);
    } catch (JsonProcessingException e) {
      throw new GraphFormatException("Stack output 'servingSpec' is malformed: " + e.getOriginalMessage(), e);
    }
  }

  /** Converts a {@link ServingSpec} into JSON (for use as a stack output). */
  public static JsonNode toJson(ServingSpec spec) {
    return MAPPER.valueToTree(spec);
  }

  /** The shared mapper configuration, for readers of other formats in this package. */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  private GraphJson() {}
}
