package dev.gantry.engine.model;

import java.nio.file.Path;
import java.util.Map;

/**
 * A model ready for a backend: its validated config, its memory-mapped weights, where it
 * came from, and for GGUF files the whole metadata map (tokenizer arrays included) so the
 * tokenizer can be built from the same file.
 *
 * @param path the HF directory or the .gguf file
 * @param ggufMetadata GGUF key/values (integers of up to 32 bits as Integer, 64-bit as Long,
 *     floats as Float/Double, arrays as List); empty for HF directories
 */
public record LoadedModel(ModelConfig config, ModelWeights weights, Path path, Map<String, Object> ggufMetadata) {
  public LoadedModel {
    ggufMetadata = ggufMetadata == null ? Map.of() : ggufMetadata;
  }

  public boolean isGguf() {
    return !ggufMetadata.isEmpty();
  }
}
