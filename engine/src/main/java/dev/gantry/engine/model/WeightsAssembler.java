package dev.gantry.engine.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects a model's weights from a {@link TensorSource} by role, checking each shape
 * against the config. HF and GGUF differ only in the names and in the RoPE layout.
 */
final class WeightsAssembler {
  /** Tensor names of one file format. */
  enum Naming {
    HF("model.embed_tokens.weight", "lm_head.weight", "model.norm.weight", "model.layers.%d.") {
      @Override
      String layer(int i, String role) {
        String suffix = switch (role) {
          case "attn_norm" -> "input_layernorm.weight";
          case "ffn_norm" -> "post_attention_layernorm.weight";
          case "q", "k", "v", "o" -> "self_attn." + role + "_proj.weight";
          case "q.bias", "k.bias", "v.bias", "o.bias" -> "self_attn." + role.charAt(0) + "_proj.bias";
          case "gate", "up", "down" -> "mlp." + role + "_proj.weight";
          default -> throw new IllegalArgumentException(role);
        };
        return layerPrefix.formatted(i) + suffix;
      }
    },
    GGUF("token_embd.weight", "output.weight", "output_norm.weight", "blk.%d.") {
      @Override
      String layer(int i, String role) {
        String suffix = switch (role) {
          case "attn_norm", "ffn_norm" -> role + ".weight";
          case "q", "k", "v" -> "attn_" + role + ".weight";
          case "o" -> "attn_output.weight";
          case "q.bias", "k.bias", "v.bias" -> "attn_" + role;
          case "o.bias" -> "attn_output.bias";
          case "gate", "up", "down" -> "ffn_" + role + ".weight";
          default -> throw new IllegalArgumentException(role);
        };
        return layerPrefix.formatted(i) + suffix;
      }
    };

    final String embedding;
    final String lmHead;
    final String finalNorm;
    final String layerPrefix;

    Naming(String embedding, String lmHead, String finalNorm, String layerPrefix) {
      this.embedding = embedding;
      this.lmHead = lmHead;
      this.finalNorm = finalNorm;
      this.layerPrefix = layerPrefix;
    }

    abstract String layer(int i, String role);
  }

  private final TensorSource source;
  private final ModelConfig config;

  WeightsAssembler(TensorSource source, ModelConfig config) {
    this.source = source;
    this.config = config;
  }

  ModelWeights assemble(Naming naming, float[] ropeInverseFrequencies, RopeLayout ropeLayout) {
    ModelConfig c = config;
    int h = c.hiddenSize();
    WeightTensor embedding = matrix(naming.embedding, c.vocabSize(), h);
    WeightTensor lmHead = c.tieWordEmbeddings() ? embedding : matrix(naming.lmHead, c.vocabSize(), h);
    List<LayerWeights> layers = new ArrayList<>();
    for (int i = 0; i < c.numLayers(); i++) {
      boolean bias = c.attentionBias();
      layers.add(new LayerWeights(
          vector(naming.layer(i, "attn_norm"), h),
          matrix(naming.layer(i, "q"), c.qDim(), h),
          matrix(naming.layer(i, "k"), c.kvDim(), h),
          matrix(naming.layer(i, "v"), c.kvDim(), h),
          matrix(naming.layer(i, "o"), h, c.qDim()),
          bias ? vector(naming.layer(i, "q.bias"), c.qDim()) : null,
          bias ? vector(naming.layer(i, "k.bias"), c.kvDim()) : null,
          bias ? vector(naming.layer(i, "v.bias"), c.kvDim()) : null,
          source.tensor(naming.layer(i, "o.bias")) == null ? null : vector(naming.layer(i, "o.bias"), h),
          vector(naming.layer(i, "ffn_norm"), h),
          matrix(naming.layer(i, "gate"), c.intermediateSize(), h),
          matrix(naming.layer(i, "up"), c.intermediateSize(), h),
          matrix(naming.layer(i, "down"), h, c.intermediateSize())));
    }
    return new ModelWeights(embedding, layers, vector(naming.finalNorm, h), lmHead, ropeInverseFrequencies, ropeLayout);
  }

  private WeightTensor require(String name) {
    WeightTensor t = source.tensor(name);
    if (t == null) {
      throw new ModelLoadException(source.fileOf(name), "missing tensor '" + name + "' required by "
          + config.architecture().hfClass() + " with " + config.numLayers() + " layers");
    }
    return t;
  }

  private WeightTensor matrix(String name, int rows, int cols) {
    WeightTensor t = require(name);
    if (t.rows() != rows || t.cols() != cols) {
      throw new ModelLoadException(source.fileOf(name), "tensor '" + name + "' has shape [" + t.rows() + ", "
          + t.cols() + "] but the config implies [" + rows + ", " + cols + "]");
    }
    return t;
  }

  private float[] vector(String name, int n) {
    WeightTensor t = require(name);
    if ((long) t.rows() * t.cols() != n) {
      throw new ModelLoadException(source.fileOf(name), "tensor '" + name + "' has shape [" + t.rows() + ", "
          + t.cols() + "] but the config implies [" + n + "]");
    }
    return t.toFloatArray();
  }
}
