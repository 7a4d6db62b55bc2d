package dev.gantry.engine.model;

import java.nio.file.Path;

/**
 * A model could not be loaded. The message always starts with the offending file and says
 * what is wrong with it, e.g. {@code /models/x/model.safetensors: tensor
 * 'model.norm.weight' needs 256 bytes at offset 1024 but the file ends at 1100 (truncated?)}.
 */
public final class ModelLoadException extends RuntimeException {
  private final Path file;

  public ModelLoadException(Path file, String problem) {
    super(file + ": " + problem);
    this.file = file;
  }

  public ModelLoadException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
    this.file = file;
  }

  /** The file (or directory) the problem is in. */
  public Path file() {
    return file;
  }
}
