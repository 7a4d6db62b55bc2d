package dev.gantry.stacks.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.catalog.GpuCatalog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The stacks of a Gantry checkout: {@code stacks/Pulumi.yaml} (the project),
 * {@code stacks/Pulumi.<stack>.yaml} (one per stack) and {@code stacks/models/*.yaml}.
 * Finds the directory, lists stacks, and loads one into a validated {@link StackConfig}.
 */
public final class StackCatalog {
  /** System property the launcher sets to the repository root. */
  public static final String ROOT_PROPERTY = "gantry.root";

  private final Path stacksDir;

  private StackCatalog(Path stacksDir) {
    this.stacksDir = stacksDir.toAbsolutePath().normalize();
  }

  /** The catalog of the stacks directory {@code stacksDir} (the one holding Pulumi.yaml). */
  public static StackCatalog at(Path stacksDir) {
    if (!Files.isRegularFile(stacksDir.resolve("Pulumi.yaml"))) {
      throw new StackConfigException("'" + stacksDir + "' is not a stacks directory: it has no Pulumi.yaml");
    }
    return new StackCatalog(stacksDir);
  }

  /**
   * The catalog of the current checkout: {@code -Dgantry.root}, else the first directory
   * from the working directory upwards that has {@code stacks/Pulumi.yaml} (or is itself
   * the stacks directory).
   */
  public static StackCatalog locate() {
    String root = System.getProperty(ROOT_PROPERTY);
    if (root != null && !root.isBlank()) {
      return at(Path.of(root).resolve("stacks"));
    }
    Path start = Path.of("").toAbsolutePath();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("stacks/Pulumi.yaml"))) {
        return new StackCatalog(dir.resolve("stacks"));
      }
      if (Files.isRegularFile(dir.resolve("Pulumi.yaml")) && dir.getFileName() != null
          && dir.getFileName().toString().equals("stacks")) {
        return new StackCatalog(dir);
      }
    }
    throw new StackConfigException("No Gantry checkout found from '" + start
        + "' upwards (looked for stacks/Pulumi.yaml); run gantry inside the repository or pass --stacks-dir");
  }

  public Path stacksDir() {
    return stacksDir;
  }

  /** The repository root (parent of the stacks directory). */
  public Path repoRoot() {
    return stacksDir.getParent();
  }

  public Path modelsDir() {
    return stacksDir.resolve("models");
  }

  /** The Pulumi project name from Pulumi.yaml. */
  public String project() {
    Path file = stacksDir.resolve("Pulumi.yaml");
    try {
      JsonNode node = StackFile.YAML.readTree(Files.readString(file));
      String name = node == null ? null : node.path("name").asText(null);
      if (name == null || name.isBlank()) {
        throw new StackConfigException(file + ": missing 'name:' (the Pulumi project name)");
      }
      return name;
    } catch (IOException e) {
      throw new StackConfigException("Cannot read '" + file + "': " + e.getMessage(), e);
    }
  }

  /** Stack names, sorted. */
  public List<String> stackNames() {
    try (Stream<Path> files = Files.list(stacksDir)) {
      return files.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("Pulumi.") && n.endsWith(".yaml") && !n.equals("Pulumi.yaml"))
          .map(n -> n.substring("Pulumi.".length(), n.length() - ".yaml".length()))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new StackConfigException("Cannot list stacks in '" + stacksDir + "': " + e.getMessage(), e);
    }
  }

  /** The stack file of {@code stack}; an unknown name gives a message listing the stacks that exist. */
  public StackFile stackFile(String stack) {
    List<String> names = stackNames();
    if (!names.contains(stack)) {
      throw new StackConfigException("Unknown stack '" + stack + "'" + Section.didYouMean(stack, names)
          + "; stacks in " + stacksDir + ": " + (names.isEmpty() ? "(none)" : String.join(", ", names)));
    }
    return StackFile.read(stacksDir.resolve("Pulumi." + stack + ".yaml"));
  }

  /** Reads and validates a stack. */
  public LoadedStack load(String stack) {
    StackFile file = stackFile(stack);
    StackConfig config = parser().parse(project(), file);
    return new LoadedStack(file, config);
  }

  /** A parser bound to this checkout's model files and the default GPU catalog. */
  public StackConfigParser parser() {
    return new StackConfigParser(modelsDir(), GpuCatalog.defaultCatalog());
  }

  /**
   * A stack read from its file and validated.
   *
   * @param file   the raw stack file (config as the Pulumi CLI would pass it)
   * @param config the typed config
   */
  public record LoadedStack(StackFile file, StackConfig config) {}
}
