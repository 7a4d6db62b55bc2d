package dev.gantry.runbooks;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns the fact records into the nested maps and lists Jinjava reads ({@code model.fit.neededGiB}).
 * Jinjava resolves properties through JavaBean getters, which records do not have; converting
 * once keeps the records plain and the templates simple.
 */
final class TemplateContext {
  private TemplateContext() {}

  static Object of(Object value) {
    if (value instanceof Record r) {
      Map<String, Object> map = new LinkedHashMap<>();
      for (RecordComponent c : r.getClass().getRecordComponents()) {
        try {
          c.getAccessor().setAccessible(true);
          map.put(c.getName(), of(c.getAccessor().invoke(r)));
        } catch (IllegalAccessException | InvocationTargetException e) {
          throw new IllegalStateException("cannot read " + r.getClass().getSimpleName() + "." + c.getName(), e);
        }
      }
      return map;
    }
    if (value instanceof Collection<?> list) {
      Collection<Object> out = new ArrayList<>();
      list.forEach(v -> out.add(of(v)));
      return out;
    }
    if (value instanceof Map<?, ?> map) {
      Map<Object, Object> out = new LinkedHashMap<>();
      map.forEach((k, v) -> out.put(k, of(v)));
      return out;
    }
    return value;
  }

  /** The context of one stack: its facts as top-level variables. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> of(Facts.Stack stack) {
    return (Map<String, Object>) of((Object) stack);
  }
}
