package dev.gantry.engine.model;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads a model from a Hugging Face directory (config.json + *.safetensors, sharded with
 * model.safetensors.index.json or not) or from a single {@code .gguf} file. Weights are
 * memory-mapped and stay in their stored type (F32, F16, BF16, Q8_0, Q4_0); every problem
 * is a {@link ModelLoadException} naming the file.
 */
public final class ModelLoader {
  private ModelLoader() {}

  public static LoadedModel load(Path dirOrGgufFile) {
    if (Files.isDirectory(dirOrGgufFile)) {
      return new HfModelReader(dirOrGgufFile).load();
    }
    if (!Files.exists(dirOrGgufFile)) {
      throw new ModelLoadException(dirOrGgufFile, "no such file or directory; pass a Hugging Face model directory or a .gguf file");
    }
    if (dirOrGgufFile.getFileName().toString().endsWith(".gguf")) {
      return new GgufModelReader(dirOrGgufFile).load();
    }
    throw new ModelLoadException(dirOrGgufFile, "not a directory and not a .gguf file; pass a Hugging Face model directory "
        + "(config.json + *.safetensors) or a .gguf file");
  }
}
