package dev.gantry.policies.rules;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a rule's findings do to a release: {@link #MANDATORY} findings make the gate fail,
 * {@link #ADVISORY} findings are reported only, {@link #DISABLED} rules do not run. Each
 * rule has a default; a stack may override it ({@code gantry:policy} config or a policy file).
 */
public enum Enforcement {
  ADVISORY,
  MANDATORY,
  DISABLED;

  /** Parses {@code advisory}, {@code mandatory} or {@code disabled} (any case); the error names the value and the choices. */
  public static Enforcement parse(String value, String where) {
    for (Enforcement e : values()) {
      if (e.name().equalsIgnoreCase(value == null ? "" : value.trim())) {
        return e;
      }
    }
    throw new IllegalArgumentException(where + ": unknown enforcement '" + value + "'; use one of "
        + Arrays.stream(values()).map(Enforcement::label).collect(Collectors.joining(", ")));
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
