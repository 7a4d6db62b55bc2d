package dev.gantry.engine.model;

import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Loads a model from a Hugging Face directory (config.json + *.safetensors, sharded with
 * model.safetensors.index.json or not) or from a single {@code .gguf} file. Weights are
 * memory-mapped and stay in their stored type (F32, F16, BF16, Q8_0, Q4_0); every problem
 * is a {@link ModelLoadException} naming the file.
 */
public final class ModelLoader {
  private static final System.Logger LOG = System.getLogger(ModelLoader.class.getName());

  private ModelLoader() {}

  /**
   * Loads the model, then keeps its non-quantized matrices in the type {@code dtype} asks
   * for (see {@link WeightDtype}), converting at load where it differs from the stored one;
   * logs what was stored, what was converted and the weight memory before and after.
   */
  public static LoadedModel load(Path dirOrGgufFile, WeightDtype dtype) {
    return load(dirOrGgufFile, dtype, null);
  }

  /**
   * {@link #load(Path, WeightDtype)}, then, when {@code quantization} is Q8_0 or Q4_0 (not null),
   * quantizes the layers' non-quantized matrices to it ({@link ModelWeights#quantize}).
   */
  public static LoadedModel load(Path dirOrGgufFile, WeightDtype dtype, DType quantization) {
    LoadedModel loaded = load(dirOrGgufFile);
    ModelWeights stored = loaded.weights();
    ModelWeights weights;
    try {
      weights = stored.convertTo(dtype);
      if (quantization != null) {
        weights = weights.quantize(quantization);
      }
    } catch (OutOfMemoryError e) {
      throw new ModelLoadException(dirOrGgufFile, "converting the weights for --dtype " + name(dtype)
          + " needs more off-heap memory than the JVM allows (" + e.getMessage() + "); raise -XX:MaxDirectMemorySize "
          + "or pass --dtype auto to use the weights as stored");
    }
    if (weights == stored) {
      LOG.log(Level.INFO, "--dtype " + name(dtype) + ": weights kept as stored (" + types(stored) + "), "
          + mib(stored.weightBytes()) + " MiB");
      return loaded;
    }
    LOG.log(Level.INFO, "--dtype " + name(dtype) + (quantization == null ? "" : ", --quantization "
        + quantization.name().toLowerCase(Locale.ROOT)) + ": weights converted at load from " + types(stored) + " to "
        + types(weights) + " (tensors stored quantized keep their quantization): " + mib(stored.weightBytes()) + " MiB -> "
        + mib(weights.weightBytes()) + " MiB; the CPU backend computes in float32");
    return new LoadedModel(loaded.config(), weights, loaded.path(), loaded.ggufMetadata());
  }

  /** Matrix count per stored type, e.g. {@code 14 x BF16, 1 x Q8_0}. */
  static String types(ModelWeights w) {
    Map<DType, Integer> counts = new TreeMap<>();
    java.util.Set<WeightTensor> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    seen.add(w.tokenEmbedding());
    seen.add(w.lmHead());
    w.layers().forEach(l -> seen.addAll(l.matrices()));
    seen.forEach(t -> counts.merge(t.dtype(), 1, Integer::sum));
    StringBuilder sb = new StringBuilder();
    counts.forEach((t, n) -> sb.append(sb.isEmpty() ? "" : ", ").append(n).append(" x ").append(t));
    return sb.toString();
  }

  private static String name(WeightDtype dtype) {
    return dtype.name().toLowerCase(Locale.ROOT);
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f", bytes / 1048576.0);
  }

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
