package dev.gantry.stacks.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.gantry.policies.graph.Values;
import java.util.Map;
import java.util.TreeMap;

/**
 * Converts the protobuf values of Pulumi's resource monitor protocol into plain JSON,
 * translating Pulumi's sentinels into {@link Values} markers: the unknown-value string
 * becomes {@code {"$unknown": true}}, a secret becomes {@code {"$secret": true}} (its value
 * dropped), a resource reference becomes its URN. Keys are sorted.
 */
final class StructJson {
  /** Pulumi's marker for a value not known during a preview. */
  static final String UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
  static final String SIG_KEY = "4dabf18193072939515e22adb298388d";
  static final String SIG_SECRET = "1b47061264138c4ac30d75fd1eb44270";
  static final String SIG_RESOURCE = "5cf8f73096256a8f31e491e813e4eb8e";
  static final String SIG_OUTPUT = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
  static final String SIG_ASSET = "c44067f5952c0a294b673a41bacd8c17";
  static final String SIG_ARCHIVE = "0def7320c3a5731c473e5ecbe6d01bc7";
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  static ObjectNode toJson(Struct struct) {
    ObjectNode out = F.objectNode();
    Map<String, Value> sorted = new TreeMap<>(struct.getFieldsMap());
    sorted.forEach((k, v) -> out.set(k, toJson(v)));
    return out;
  }

  static JsonNode toJson(Value value) {
    return switch (value.getKindCase()) {
      case NULL_VALUE, KIND_NOT_SET -> F.nullNode();
      case BOOL_VALUE -> F.booleanNode(value.getBoolValue());
      case NUMBER_VALUE -> number(value.getNumberValue());
      case STRING_VALUE -> UNKNOWN.equals(value.getStringValue()) ? Values.unknown() : F.textNode(value.getStringValue());
      case LIST_VALUE -> {
        ArrayNode list = F.arrayNode();
        value.getListValue().getValuesList().forEach(v -> list.add(toJson(v)));
        yield list;
      }
      case STRUCT_VALUE -> special(value.getStructValue());
    };
  }

  private static JsonNode special(Struct struct) {
    Value sig = struct.getFieldsMap().get(SIG_KEY);
    if (sig == null) {
      return toJson(struct);
    }
    Map<String, Value> f = struct.getFieldsMap();
    return switch (sig.getStringValue()) {
      case SIG_SECRET -> Values.secret();
      case SIG_RESOURCE -> f.containsKey("urn") ? F.textNode(f.get("urn").getStringValue()) : Values.unknown();
      case SIG_OUTPUT -> {
        if (f.containsKey("secret") && f.get("secret").getBoolValue()) {
          yield Values.secret();
        }
        yield f.containsKey("value") ? toJson(f.get("value")) : Values.unknown();
      }
      case SIG_ASSET, SIG_ARCHIVE -> {
        ObjectNode asset = toJson(struct);
        asset.remove(SIG_KEY);
        yield asset;
      }
      default -> toJson(struct);
    };
  }

  /**
   * Whole numbers become integers (Pulumi sends every number as a double), as int when they
   * fit so a graph read back from JSON compares equal to the one written.
   */
  private static JsonNode number(double d) {
    if (d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 9.007199254740992E15) {
      long l = (long) d;
      return l == (int) l ? F.numberNode((int) l) : F.numberNode(l);
    }
    return F.numberNode(d);
  }

  private StructJson() {}
}
