package dev.gantry.engine.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Typed reads of an OpenAI request body. Absent and JSON {@code null} fields read as empty
 * (clients such as the OpenAI SDK send explicit nulls); a field of the wrong type fails with a
 * 400 naming the field, the expected type and what was sent.
 */
final class JsonFields {
  private final JsonNode body;

  JsonFields(JsonNode body) {
    this.body = body;
  }

  JsonNode body() {
    return body;
  }

  boolean has(String field) {
    JsonNode n = body.get(field);
    return n != null && !n.isNull();
  }

  Optional<JsonNode> node(String field) {
    JsonNode n = body.get(field);
    return n == null || n.isNull() ? Optional.empty() : Optional.of(n);
  }

  Optional<String> string(String field) {
    return node(field).map(n -> {
      if (!n.isTextual()) {
        throw wrongType(field, "a string", n);
      }
      return n.asText();
    });
  }

  Optional<Double> number(String field) {
    return node(field).map(n -> {
      if (!n.isNumber()) {
        throw wrongType(field, "a number", n);
      }
      return n.asDouble();
    });
  }

  Optional<Integer> integer(String field) {
    return node(field).map(n -> toInt(field, n));
  }

  Optional<Long> longValue(String field) {
    return node(field).map(n -> {
      if (!n.isIntegralNumber() || !n.canConvertToLong()) {
        throw wrongType(field, "an integer", n);
      }
      return n.asLong();
    });
  }

  Optional<Boolean> bool(String field) {
    return node(field).map(n -> {
      if (!n.isBoolean()) {
        throw wrongType(field, "true or false", n);
      }
      return n.asBoolean();
    });
  }

  /** A string or an array of strings (OpenAI's {@code stop}). */
  List<String> stringOrStrings(String field) {
    Optional<JsonNode> n = node(field);
    if (n.isEmpty()) {
      return List.of();
    }
    if (n.get().isTextual()) {
      return List.of(n.get().asText());
    }
    if (!n.get().isArray()) {
      throw wrongType(field, "a string or an array of strings", n.get());
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : n.get()) {
      if (!e.isTextual()) {
        throw wrongType(field, "a string or an array of strings", n.get());
      }
      out.add(e.asText());
    }
    return out;
  }

  List<Integer> integers(String field) {
    Optional<JsonNode> n = node(field);
    if (n.isEmpty()) {
      return List.of();
    }
    if (!n.get().isArray()) {
      throw wrongType(field, "an array of integers", n.get());
    }
    List<Integer> out = new ArrayList<>();
    for (JsonNode e : n.get()) {
      out.add(toInt(field, e));
    }
    return out;
  }

  /** OpenAI's {@code logit_bias}: token id (as a string key) to a bias. */
  Map<Integer, Double> logitBias(String field) {
    Optional<JsonNode> n = node(field);
    if (n.isEmpty()) {
      return Map.of();
    }
    if (!n.get().isObject()) {
      throw wrongType(field, "an object mapping token ids to numbers", n.get());
    }
    Map<Integer, Double> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : n.get().properties()) {
      int id;
      try {
        id = Integer.parseInt(e.getKey());
      } catch (NumberFormatException ex) {
        throw ApiException.badRequest(field, field + " keys must be token ids, got '" + e.getKey() + "'");
      }
      if (!e.getValue().isNumber()) {
        throw wrongType(field + "." + e.getKey(), "a number", e.getValue());
      }
      out.put(id, e.getValue().asDouble());
    }
    return out;
  }

  static int toInt(String field, JsonNode n) {
    if (n.isIntegralNumber() && n.canConvertToInt()) {
      return n.asInt();
    }
    // 16.0 is an integer to a JSON reader in JavaScript; accept it like OpenAI does.
    if (n.isFloatingPointNumber() && n.asDouble() == Math.rint(n.asDouble()) && Math.abs(n.asDouble()) < Integer.MAX_VALUE) {
      return (int) n.asDouble();
    }
    throw wrongType(field, "an integer", n);
  }

  static ApiException wrongType(String field, String expected, JsonNode got) {
    String shown = got.toString();
    if (shown.length() > 60) {
      shown = shown.substring(0, 57) + "...";
    }
    return ApiException.badRequest(field, field + " must be " + expected + ", got " + shown);
  }
}
