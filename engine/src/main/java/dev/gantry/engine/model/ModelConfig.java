package dev.gantry.engine.model;

import java.util.List;

/**
 * The hyper-parameters of a Llama-family decoder, read from config.json or GGUF metadata
 * and validated once here. Every backend, the KV cache sizing and the scheduler read the
 * model's shape from this record only.
 *
 * @param ropeScaling Llama 3.1 frequency scaling, or null when the model uses plain RoPE
 * @param attentionBias whether q/k/v projections carry biases (Qwen2)
 * @param bosTokenId the beginning-of-sequence id, or -1 when the model has none (Qwen2)
 */
public record ModelConfig(
    Architecture architecture,
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int numLayers,
    int numHeads,
    int numKvHeads,
    int headDim,
    double rmsNormEps,
    double ropeTheta,
    RopeScaling ropeScaling,
    int maxPositionEmbeddings,
    boolean tieWordEmbeddings,
    boolean attentionBias,
    int bosTokenId,
    List<Integer> eosTokenIds) {

  public ModelConfig {
    if (architecture == null) {
      throw new IllegalArgumentException("architecture must be set");
    }
    positive("vocab_size", vocabSize);
    positive("hidden_size", hiddenSize);
    positive("intermediate_size", intermediateSize);
    positive("num_hidden_layers", numLayers);
    positive("num_attention_heads", numHeads);
    positive("num_key_value_heads", numKvHeads);
    positive("head_dim", headDim);
    positive("max_position_embeddings", maxPositionEmbeddings);
    if (numHeads % numKvHeads != 0) {
      throw new IllegalArgumentException("num_attention_heads (" + numHeads
          + ") must be a multiple of num_key_value_heads (" + numKvHeads + ")");
    }
    if (headDim % 2 != 0) {
      throw new IllegalArgumentException("head_dim must be even for RoPE, got " + headDim);
    }
    if (!(rmsNormEps > 0)) {
      throw new IllegalArgumentException("rms_norm_eps must be > 0, got " + rmsNormEps);
    }
    if (!(ropeTheta > 0)) {
      throw new IllegalArgumentException("rope_theta must be > 0, got " + ropeTheta);
    }
    eosTokenIds = List.copyOf(eosTokenIds == null ? List.of() : eosTokenIds);
    if (bosTokenId >= vocabSize) {
      throw new IllegalArgumentException("bos_token_id " + bosTokenId + " is outside the vocabulary (size " + vocabSize + ")");
    }
    for (int eos : eosTokenIds) {
      if (eos < 0 || eos >= vocabSize) {
        throw new IllegalArgumentException("eos_token_id " + eos + " is outside the vocabulary (size " + vocabSize + ")");
      }
    }
  }

  private static void positive(String field, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(field + " must be > 0, got " + value);
    }
  }

  /** Width of the query projection output: {@code numHeads * headDim}. */
  public int qDim() {
    return numHeads * headDim;
  }

  /** Width of each of the key and value projection outputs: {@code numKvHeads * headDim}. */
  public int kvDim() {
    return numKvHeads * headDim;
  }

  /** RoPE inverse frequencies ({@code headDim / 2} of them), Llama 3.1 scaling applied when configured. */
  public float[] ropeInverseFrequencies() {
    float[] inv = new float[headDim / 2];
    for (int i = 0; i < inv.length; i++) {
      double f = 1.0 / Math.pow(ropeTheta, (2.0 * i) / headDim);
      inv[i] = (float) (ropeScaling == null ? f : ropeScaling.scale(f));
    }
    return inv;
  }
}
