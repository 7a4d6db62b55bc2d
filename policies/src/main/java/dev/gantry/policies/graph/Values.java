package dev.gantry.policies.graph;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Markers and path helpers for resource inputs.
 *
 * <p>A value that a plan cannot know yet (an output of a resource not yet created) is the
 * object {@code {"$unknown": true}}; a secret is {@code {"$secret": true}} with its value
 * dropped. Readers of Pulumi's own formats translate Pulumi's sentinels into these, so
 * rules see one representation whatever the graph's source.
 */
public final class Values {
  public static final String UNKNOWN_KEY = "$unknown";
  public static final String SECRET_KEY = "$secret";

  /** Fresh marker for a value not known at plan time. */
  public static ObjectNode unknown() {
    return JsonNodeFactory.instance.objectNode().put(UNKNOWN_KEY, true);
  }

  /** Fresh marker for a redacted secret. */
  public static ObjectNode secret() {
    return JsonNodeFactory.instance.objectNode().put(SECRET_KEY, true);
  }

  public static boolean isUnknown(JsonNode node) {
    return node != null && node.isObject() && node.path(UNKNOWN_KEY).asBoolean(false);
  }

  public static boolean isSecret(JsonNode node) {
    return node != null && node.isObject() && node.path(SECRET_KEY).asBoolean(false);
  }

  /**
   * Follows a dotted path ({@code spec.template.spec}); a segment may index an array
   * ({@code containers[0]}). Returns a missing node when any step is absent.
   */
  public static JsonNode at(JsonNode root, String dottedPath) {
    JsonNode node = root;
    for (String segment : dottedPath.split("\\.")) {
      if (segment.isEmpty()) {
        continue;
      }
      int bracket = segment.indexOf('[');
      String field = bracket < 0 ? segment : segment.substring(0, bracket);
      node = field.isEmpty() ? node : node.path(field);
      while (bracket >= 0) {
        int close = segment.indexOf(']', bracket);
        if (close < 0) {
          throw new IllegalArgumentException("Unclosed '[' in path '" + dottedPath + "'");
        }
        node = node.path(Integer.parseInt(segment.substring(bracket + 1, close)));
        bracket = segment.indexOf('[', close);
      }
      if (node.isMissingNode()) {
        return MissingNode.getInstance();
      }
    }
    return node;
  }

  private Values() {}
}
