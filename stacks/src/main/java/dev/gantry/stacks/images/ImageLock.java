package dev.gantry.stacks.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@code stacks/images.lock.json}: the digests of the images last pushed by
 * {@code gantry images build --push}. The Pulumi program deploys
 * {@code repository@sha256:...} from it, so what runs is exactly what was built.
 *
 * <pre>
 * {"images": {"engine": {"reference": "reg/gantry/engine:0.1.0", "digest": "sha256:...",
 *                        "pinned": "reg/gantry/engine@sha256:..."}, "gateway": {...}}}
 * </pre>
 *
 * @param images image name → entry
 */
public record ImageLock(Map<String, Entry> images) {
  public static final String FILE_NAME = "images.lock.json";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** One locked image. */
  public record Entry(String reference, String digest) {
    public Entry {
      if (digest == null || !digest.matches("sha256:[0-9a-f]{64}")) {
        throw ImageException.badInput(FILE_NAME + ": digest '" + digest + "' of '" + reference
            + "' is not sha256:<64 hex>; rebuild with 'gantry images build --push REGISTRY'");
      }
    }

    /** {@code repository@sha256:...}. */
    public String pinned() {
      return ImageRefs.repository(reference) + "@" + digest;
    }
  }

  public ImageLock {
    images = Map.copyOf(images);
  }

  /** The lock in {@code stacksDir}, if one was written. */
  public static Optional<ImageLock> read(Path stacksDir) {
    Path file = stacksDir.resolve(FILE_NAME);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      JsonNode root = JSON.readTree(Files.readString(file));
      Map<String, Entry> images = new TreeMap<>();
      root.path("images").fields().forEachRemaining(e -> images.put(e.getKey(),
          new Entry(e.getValue().path("reference").asText(null), e.getValue().path("digest").asText(null))));
      return Optional.of(new ImageLock(images));
    } catch (IOException e) {
      throw ImageException.badInput(file + " is not valid JSON (" + e.getMessage()
          + "); delete it and rebuild with 'gantry images build --push REGISTRY'");
    }
  }

  /** This lock plus {@code built} (replacing entries of the same name). */
  public ImageLock with(Iterable<BuiltImage> built) {
    Map<String, Entry> merged = new TreeMap<>(images);
    for (BuiltImage b : built) {
      merged.put(b.name(), new Entry(b.reference(), b.digest()));
    }
    return new ImageLock(merged);
  }

  /** Writes the lock atomically (a half-written lock would deploy a broken reference). */
  public void write(Path stacksDir) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode imagesNode = root.putObject("images");
    new TreeMap<>(images).forEach((name, e) -> imagesNode.putObject(name)
        .put("reference", e.reference()).put("digest", e.digest()).put("pinned", e.pinned()));
    Path file = stacksDir.resolve(FILE_NAME);
    try {
      Path tmp = Files.createTempFile(stacksDir, FILE_NAME, ".tmp");
      Files.writeString(tmp, JSON.writeValueAsString(root) + "\n");
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + file, e);
    }
  }

  /** The pinned reference for {@code name}, if locked. */
  public Optional<String> pinned(String name) {
    return Optional.ofNullable(images.get(name)).map(Entry::pinned);
  }
}
