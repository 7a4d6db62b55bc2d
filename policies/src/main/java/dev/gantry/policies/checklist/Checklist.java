package dev.gantry.policies.checklist;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One phase's checklist, read from {@code checklists/<phase>.yaml}. The built-in copies are
 * packaged into the policies jar; {@link #load(Path)} reads a directory instead (to try
 * edits without rebuilding).
 *
 * @param phase the phase
 * @param title readable title
 * @param items the items, in file order
 */
public record Checklist(Phase phase, String title, List<ChecklistItem> items) {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  public Checklist {
    Objects.requireNonNull(phase, "phase");
    items = List.copyOf(items);
  }

  /** The three built-in checklists, in phase order. */
  public static List<Checklist> builtIn() {
    List<Checklist> out = new ArrayList<>();
    for (Phase p : Phase.values()) {
      String name = p.label() + ".yaml";
      try (InputStream in = Checklist.class.getResourceAsStream(name)) {
        if (in == null) {
          throw new IllegalStateException("built-in checklist '" + name + "' is missing from the classpath");
        }
        out.add(parse(YAML.readTree(in), "built-in " + name));
      } catch (IOException e) {
        throw new IllegalStateException("cannot read built-in checklist '" + name + "': " + e.getMessage(), e);
      }
    }
    validateUnique(out);
    return out;
  }

  /** The three checklists from a directory holding {@code pre-deployment.yaml}, {@code deployment.yaml}, {@code post-deployment.yaml}. */
  public static List<Checklist> load(Path dir) {
    List<Checklist> out = new ArrayList<>();
    for (Phase p : Phase.values()) {
      Path file = dir.resolve(p.label() + ".yaml");
      try {
        Checklist c = parse(YAML.readTree(Files.readString(file)), "'" + file + "'");
        if (c.phase() != p) {
          throw new IllegalArgumentException("'" + file + "' declares phase '" + c.phase().label() + "', expected '" + p.label() + "'");
        }
        out.add(c);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read checklist '" + file + "': " + e.getMessage(), e);
      }
    }
    validateUnique(out);
    return out;
  }

  static Checklist parse(JsonNode root, String where) {
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(where + ": expected a mapping with phase, title, items");
    }
    Phase phase = Phase.parse(root.path("phase").asText(""), where);
    List<ChecklistItem> items = new ArrayList<>();
    int i = 0;
    for (JsonNode item : root.path("items")) {
      try {
        items.add(new ChecklistItem(item.path("id").asText(null), item.path("title").asText(null),
            item.path("description").asText(""), item.path("mandatory").asBoolean(true),
            item.path("attestation").asBoolean(false)));
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new IllegalArgumentException(where + ": items[" + i + "]: " + e.getMessage(), e);
      }
      i++;
    }
    if (items.isEmpty()) {
      throw new IllegalArgumentException(where + ": no items");
    }
    return new Checklist(phase, root.path("title").asText(phase.label()), items);
  }

  private static void validateUnique(List<Checklist> lists) {
    Set<String> ids = new HashSet<>();
    for (Checklist c : lists) {
      for (ChecklistItem item : c.items()) {
        if (!ids.add(item.id())) {
          throw new IllegalArgumentException("checklist item id " + item.id() + " appears twice");
        }
      }
    }
  }
}
