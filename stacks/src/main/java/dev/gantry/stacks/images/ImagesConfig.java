package dev.gantry.stacks.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Set;

/**
 * {@code stacks/images.yaml}: what every image build shares, whichever stack deploys it:
 * the version tag, the source URL for the OCI labels, and the production base image of
 * each image pinned by digest. Per-stack registries come from {@code --push}.
 *
 * @param version    image tag and {@code org.opencontainers.image.version}
 * @param source     {@code org.opencontainers.image.source}
 * @param engineBase base of the engine image (a JRE; CUDA libraries come with the engine, see DECISIONS.md)
 * @param gatewayBase base of the gateway image (a JRE)
 */
public record ImagesConfig(String version, String source, String engineBase, String gatewayBase) {
  public static final String FILE_NAME = "images.yaml";
  private static final Set<String> KEYS = Set.of("version", "source", "engine", "gateway");

  public ImagesConfig {
    if (version == null || !version.matches("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}") || version.equals("latest")) {
      throw ImageException.badInput(FILE_NAME + ": version '" + version + "' is not a usable tag; use e.g. '0.1.0'");
    }
  }

  /** Reads {@code stacksDir/images.yaml}; errors name the key and the fix. */
  public static ImagesConfig read(Path stacksDir) {
    Path file = stacksDir.resolve(FILE_NAME);
    if (!Files.isRegularFile(file)) {
      throw ImageException.badInput("'" + file + "' does not exist; it holds the image version and base images");
    }
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
    } catch (IOException e) {
      throw ImageException.badInput(file + " is not valid YAML: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw ImageException.badInput(file + " must be a mapping with version, source, engine.base, gateway.base");
    }
    for (Iterator<String> keys = root.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      if (!KEYS.contains(key)) {
        throw ImageException.badInput(file + ": unknown key '" + key + "'; known keys: " + KEYS);
      }
    }
    return new ImagesConfig(text(root, "version", file), text(root, "source", file),
        text(root.path("engine"), "base", file), text(root.path("gateway"), "base", file));
  }

  private static String text(JsonNode node, String key, Path file) {
    JsonNode value = node.get(key);
    if (value == null || !value.isTextual() || value.asText().isBlank()) {
      throw ImageException.badInput(file + ": missing '" + key + "' (a string)");
    }
    return value.asText();
  }
}
