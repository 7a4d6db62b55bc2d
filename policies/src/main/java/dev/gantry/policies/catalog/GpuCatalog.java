package dev.gantry.policies.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The GPU instance types Gantry knows on each cloud, read from
 * {@code gpu-instances.yaml} beside this class. Stacks validate instance types against
 * it, rules size models against it, runbooks price stacks from it.
 */
public final class GpuCatalog {
  private static final String RESOURCE = "gpu-instances.yaml";
  private static final GpuCatalog DEFAULT = load();

  private final Map<String, Map<String, GpuInstanceType>> byCloud;

  private GpuCatalog(Map<String, Map<String, GpuInstanceType>> byCloud) {
    this.byCloud = byCloud;
  }

  /** The catalog shipped with Gantry. */
  public static GpuCatalog defaultCatalog() {
    return DEFAULT;
  }

  /** The instance type, when known on that cloud. */
  public Optional<GpuInstanceType> find(String cloud, String instanceType) {
    return Optional.ofNullable(byCloud.getOrDefault(cloud, Map.of()).get(instanceType));
  }

  /** All instance types of a cloud, sorted by name. */
  public List<GpuInstanceType> instanceTypes(String cloud) {
    return List.copyOf(byCloud.getOrDefault(cloud, Map.of()).values());
  }

  /** The clouds in the catalog. */
  public List<String> clouds() {
    return List.copyOf(byCloud.keySet());
  }

  /**
   * The known instance type of that cloud closest to {@code typo} (by edit distance,
   * ignoring case), for "did you mean" messages; empty when nothing is close.
   */
  public Optional<String> suggest(String cloud, String typo) {
    String needle = typo.toLowerCase(Locale.ROOT);
    return byCloud.getOrDefault(cloud, Map.of()).keySet().stream()
        .map(name -> Map.entry(name, editDistance(needle, name.toLowerCase(Locale.ROOT))))
        .filter(e -> e.getValue() <= Math.max(2, e.getKey().length() / 3))
        .min(Comparator.comparingInt((Map.Entry<String, Integer> e) -> e.getValue()).thenComparing(Map.Entry::getKey))
        .map(Map.Entry::getKey);
  }

  /** Levenshtein distance; also used for "did you mean" on other names. */
  public static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  private static GpuCatalog load() {
    try (InputStream in = GpuCatalog.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("GPU catalog resource '" + RESOURCE + "' is missing from the classpath");
      }
      JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(in);
      Map<String, Map<String, GpuInstanceType>> byCloud = new TreeMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> clouds = root.fields(); clouds.hasNext(); ) {
        Map.Entry<String, JsonNode> cloud = clouds.next();
        Map<String, GpuInstanceType> types = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = cloud.getValue().fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          JsonNode v = e.getValue();
          types.put(e.getKey(), new GpuInstanceType(cloud.getKey(), e.getKey(),
              v.path("gpuModel").asText(), v.path("gpuCount").asInt(), v.path("gpuMemoryGiB").asDouble(),
              v.path("vcpu").asInt(), v.path("memoryGiB").asDouble(), v.path("onDemandUsdPerHour").asDouble()));
        }
        byCloud.put(cloud.getKey(), types);
      }
      return new GpuCatalog(byCloud);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read GPU catalog '" + RESOURCE + "'", e);
    }
  }
}
