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
 * {@code stacks/images.lock.json}: which digest each pushed tag had, written by
 * {@code gantry images build --push}. A stack whose {@code gantry:images} names a locked
 * tag deploys {@code repository@sha256:...} instead, so what runs is exactly what was built
 * (and the gate's GNT-K8S-021 sees a digest). Keyed by the full tag reference, so a lock
 * written for one registry never re-points a stack that uses another.
 *
 * <pre>
 * {"images": {"reg.example.com/gantry/engine:0.1.0":
 *               {"name": "engine", "digest": "sha256:...", "pinned": "reg.example.com/gantry/engine@sha256:..."}}}
 * </pre>
 *
 * @param digests tag reference → manifest digest
 * @param names   tag reference → image name (engine, gateway)
 */
public record ImageLock(Map<String, String> digests, Map<String, String> names) {
  public static final String FILE_NAME = "images.lock.json";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public ImageLock {
    for (var e : digests.entrySet()) {
      if (e.getValue() == null || !e.getValue().matches("sha256:[0-9a-f]{64}")) {
        throw ImageException.badInput(FILE_NAME + ": digest '" + e.getValue() + "' of '" + e.getKey()
            + "' is not sha256:<64 hex>; rebuild with 'gantry images build --push REGISTRY'");
      }
      if (e.getKey().contains("@")) {
        throw ImageException.badInput(FILE_NAME + ": key '" + e.getKey() + "' must be a tag reference without digest");
      }
    }
    digests = Map.copyOf(digests);
    names = Map.copyOf(names);
  }

  /** An empty lock. */
  public static ImageLock empty() {
    return new ImageLock(Map.of(), Map.of());
  }

  /** The lock in {@code stacksDir}, if one was written. */
  public static Optional<ImageLock> read(Path stacksDir) {
    Path file = stacksDir.resolve(FILE_NAME);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      JsonNode root = JSON.readTree(Files.readString(file));
      Map<String, String> digests = new TreeMap<>();
      Map<String, String> names = new TreeMap<>();
      root.path("images").fields().forEachRemaining(e -> {
        digests.put(e.getKey(), e.getValue().path("digest").asText(null));
        names.put(e.getKey(), e.getValue().path("name").asText(""));
      });
      return Optional.of(new ImageLock(digests, names));
    } catch (IOException e) {
      throw ImageException.badInput(file + " is not valid JSON (" + e.getMessage()
          + "); delete it and rebuild with 'gantry images build --push REGISTRY'");
    }
  }

  /** This lock plus {@code built} (replacing the same tags). */
  public ImageLock with(Iterable<BuiltImage> built) {
    Map<String, String> d = new TreeMap<>(digests);
    Map<String, String> n = new TreeMap<>(names);
    for (BuiltImage b : built) {
      d.put(b.reference(), b.digest());
      n.put(b.reference(), b.name());
    }
    return new ImageLock(d, n);
  }

  /**
   * {@code repository@sha256:...} when {@code reference} is a locked tag; otherwise
   * {@code reference} unchanged (already a digest, or a tag this lock does not know).
   */
  public String pin(String reference) {
    String digest = digests.get(reference);
    return digest == null ? reference : ImageRefs.repository(reference) + "@" + digest;
  }

  /** Writes the lock atomically (a half-written lock would deploy a broken reference). */
  public void write(Path stacksDir) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode images = root.putObject("images");
    new TreeMap<>(digests).forEach((ref, digest) -> images.putObject(ref)
        .put("name", names.getOrDefault(ref, "")).put("digest", digest).put("pinned", pin(ref)));
    Path file = stacksDir.resolve(FILE_NAME);
    try {
      Path tmp = Files.createTempFile(stacksDir, FILE_NAME, ".tmp");
      Files.writeString(tmp, JSON.writeValueAsString(root) + "\n");
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + file, e);
    }
  }
}
