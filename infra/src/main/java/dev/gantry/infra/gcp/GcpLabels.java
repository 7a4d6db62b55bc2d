package dev.gantry.infra.gcp;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * GCP resource labels from Gantry's common tags. GCP label keys and values allow only
 * lower-case letters, digits, '-' and '_' (63 characters), so {@code gantry.dev/stack}
 * becomes {@code gantry_dev_stack}; the mapping is deterministic so plans stay stable.
 */
final class GcpLabels {
  private GcpLabels() {}

  static Map<String, String> of(Map<String, String> tags, String name) {
    Map<String, String> labels = new TreeMap<>();
    tags.forEach((k, v) -> labels.put(clean(k), clean(v)));
    labels.put("name", clean(name));
    return labels;
  }

  static String clean(String text) {
    String s = text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_-]", "_");
    return s.length() > 63 ? s.substring(0, 63) : s;
  }
}
