package dev.gantry.engine.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a {@link LoadedModel} from a GGUF file as written by llama.cpp's
 * convert_hf_to_gguf. Two conversions matter: for {@code llama} the Q/K rows of every head
 * were permuted so RoPE rotates adjacent pairs ({@link RopeLayout#INTERLEAVED}); and
 * Llama 3.1 scaling is stored as a {@code rope_freqs.weight} tensor of per-frequency
 * divisors rather than as metadata, so {@link ModelConfig#ropeScaling()} stays null and the
 * scaled frequencies live in {@link ModelWeights#ropeInverseFrequencies()}.
 */
final class GgufModelReader {
  private final Path file;

  GgufModelReader(Path file) {
    this.file = file;
  }

  LoadedModel load() {
    GgufFile gguf = GgufFile.read(file);
    ModelConfig config = config(gguf);
    TensorSource source = new TensorSource() {
      @Override
      public WeightTensor tensor(String name) {
        return gguf.tensors.get(name);
      }

      @Override
      public Path fileOf(String name) {
        return file;
      }
    };
    float[] invFreq = config.ropeInverseFrequencies();
    WeightTensor ropeFreqs = gguf.tensors.get("rope_freqs.weight");
    if (ropeFreqs != null) {
      float[] factors = ropeFreqs.toFloatArray();
      if (factors.length != invFreq.length) {
        throw new ModelLoadException(file, "tensor 'rope_freqs.weight' has " + factors.length
            + " factors but head_dim / 2 = " + invFreq.length);
      }
      for (int i = 0; i < invFreq.length; i++) {
        invFreq[i] /= factors[i];
      }
    }
    applyRopeScalingMetadata(gguf, config, invFreq);
    RopeLayout layout = config.architecture() == Architecture.QWEN2 ? RopeLayout.HALF_SPLIT : RopeLayout.INTERLEAVED;
    ModelWeights weights = new WeightsAssembler(source, config).assemble(WeightsAssembler.Naming.GGUF, invFreq, layout);
    return new LoadedModel(config, weights, file, gguf.metadata);
  }

  private ModelConfig config(GgufFile gguf) {
    String archName = string(gguf, "general.architecture");
    Architecture arch;
    try {
      arch = Architecture.fromName(archName);
    } catch (IllegalArgumentException e) {
      throw new ModelLoadException(file, e.getMessage());
    }
    String p = archName + ".";
    WeightTensor embedding = gguf.tensors.get("token_embd.weight");
    if (embedding == null) {
      throw new ModelLoadException(file, "missing tensor 'token_embd.weight'");
    }
    int hidden = integer(gguf, p + "embedding_length", -1);
    int heads = integer(gguf, p + "attention.head_count", -1);
    List<Integer> eos = new ArrayList<>();
    for (String key : List.of("tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id")) {
      int id = integer(gguf, key, -1);
      if (id >= 0 && !eos.contains(id)) {
        eos.add(id);
      }
    }
    try {
      return new ModelConfig(
          arch,
          integer(gguf, p + "vocab_size", embedding.rows()),
          hidden,
          integer(gguf, p + "feed_forward_length", -1),
          integer(gguf, p + "block_count", -1),
          heads,
          integer(gguf, p + "attention.head_count_kv", heads),
          integer(gguf, p + "attention.key_length", heads > 0 ? hidden / heads : -1),
          number(gguf, p + "attention.layer_norm_rms_epsilon", 1e-5),
          number(gguf, p + "rope.freq_base", 10000),
          null,
          integer(gguf, p + "context_length", 4096),
          !gguf.tensors.containsKey("output.weight"),
          gguf.tensors.containsKey("blk.0.attn_q.bias"),
          integer(gguf, "tokenizer.ggml.bos_token_id", -1),
          eos);
    } catch (IllegalArgumentException e) {
      throw new ModelLoadException(file, "metadata: " + e.getMessage(), e);
    }
  }

  /**
   * Older long-context conversions declare {@code <arch>.rope.scaling.type}: "linear" divides
   * every frequency by the factor (positions interpolated); anything else but "none" would be
   * computed wrongly, so it is refused rather than ignored.
   */
  private void applyRopeScalingMetadata(GgufFile gguf, ModelConfig config, float[] invFreq) {
    String prefix = config.architecture() == Architecture.QWEN2 ? "qwen2." : string(gguf, "general.architecture") + ".";
    Object type = gguf.metadata.get(prefix + "rope.scaling.type");
    if (type == null || type.equals("none")) {
      return;
    }
    if (!type.equals("linear")) {
      throw new ModelLoadException(file, "metadata '" + prefix + "rope.scaling.type' = '" + type
          + "' is not supported; supported: none, linear (Llama 3.1 scaling comes as the rope_freqs.weight tensor)");
    }
    double factor = number(gguf, prefix + "rope.scaling.factor", 1);
    if (!(factor >= 1)) {
      throw new ModelLoadException(file, "metadata '" + prefix + "rope.scaling.factor' must be >= 1, got " + factor);
    }
    for (int i = 0; i < invFreq.length; i++) {
      invFreq[i] /= (float) factor;
    }
  }

  private String string(GgufFile gguf, String key) {
    if (!(gguf.metadata.get(key) instanceof String s)) {
      throw new ModelLoadException(file, "missing string metadata '" + key + "'");
    }
    return s;
  }

  private int integer(GgufFile gguf, String key, int orElse) {
    Object v = gguf.metadata.get(key);
    if (v == null) {
      return orElse;
    }
    if (v instanceof Integer || v instanceof Long) {
      return Math.toIntExact(((Number) v).longValue());
    }
    throw new ModelLoadException(file, "metadata '" + key + "' should be an integer, got " + v);
  }

  private double number(GgufFile gguf, String key, double orElse) {
    Object v = gguf.metadata.get(key);
    if (v == null) {
      return orElse;
    }
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    throw new ModelLoadException(file, "metadata '" + key + "' should be a number, got " + v);
  }
}
