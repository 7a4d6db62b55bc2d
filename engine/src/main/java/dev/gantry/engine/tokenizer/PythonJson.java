package dev.gantry.engine.tokenizer;

import java.lang.reflect.Array;
import java.util.Map;

/**
 * Serializes template values exactly like Python's {@code json.dumps(value, ensure_ascii=False)}
 * (", " and ": " separators; with indent, "," at line ends), so tool schemas and tool-call
 * arguments render into prompts byte-for-byte as transformers renders them.
 */
final class PythonJson {
  private PythonJson() {}

  static String dumps(Object value, int indent) {
    StringBuilder sb = new StringBuilder();
    write(sb, value, indent, 0);
    return sb.toString();
  }

  private static void write(StringBuilder sb, Object v, int indent, int depth) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof Boolean b) {
      sb.append(b ? "true" : "false");
    } else if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      sb.append(d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e16 ? String.valueOf((long) d) + ".0"
          : Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity") : String.valueOf(d));
    } else if (v instanceof Number n) {
      sb.append(n);
    } else if (v instanceof Map<?, ?> map) {
      if (map.isEmpty()) {
        sb.append("{}");
        return;
      }
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!first) {
          sb.append(indent >= 0 ? "," : ", ");
        }
        first = false;
        newline(sb, indent, depth + 1);
        string(sb, String.valueOf(e.getKey()));
        sb.append(": ");
        write(sb, e.getValue(), indent, depth + 1);
      }
      newline(sb, indent, depth);
      sb.append('}');
    } else if (v instanceof Iterable<?> || v.getClass().isArray()) {
      java.util.List<Object> items = new java.util.ArrayList<>();
      if (v instanceof Iterable<?> it) {
        it.forEach(items::add);
      } else {
        for (int i = 0; i < Array.getLength(v); i++) {
          items.add(Array.get(v, i));
        }
      }
      if (items.isEmpty()) {
        sb.append("[]");
        return;
      }
      sb.append('[');
      for (int i = 0; i < items.size(); i++) {
        if (i > 0) {
          sb.append(indent >= 0 ? "," : ", ");
        }
        newline(sb, indent, depth + 1);
        write(sb, items.get(i), indent, depth + 1);
      }
      newline(sb, indent, depth);
      sb.append(']');
    } else {
      string(sb, v.toString());
    }
  }

  private static void newline(StringBuilder sb, int indent, int depth) {
    if (indent >= 0) {
      sb.append('\n');
      sb.append(" ".repeat(indent * depth));
    }
  }

  private static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
