package dev.gantry.engine.server;

import java.util.List;

/**
 * The names a server answers to ({@code --served-model-name}, the first is primary and labels
 * metrics) and where the weights came from ({@code root} in {@code /v1/models}).
 */
record ServedModels(List<String> names, String root) {
  ServedModels {
    if (names == null || names.isEmpty()) {
      throw new IllegalArgumentException("--served-model-name needs at least one name");
    }
    for (String n : names) {
      if (n == null || n.isBlank()) {
        throw new IllegalArgumentException("--served-model-name must not be blank, got '" + n + "'");
      }
    }
    names = List.copyOf(names);
  }

  String primary() {
    return names.get(0);
  }

  boolean serves(String model) {
    return names.contains(model);
  }

  String describe() {
    return names.size() == 1 ? "'" + names.get(0) + "'" : names.toString();
  }
}
