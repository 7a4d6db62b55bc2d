package dev.gantry.engine.model;

/**
 * One transformer block. Matrices are {@code (out, in)}: a row per output feature.
 *
 * @param attnNorm (hidden) RMSNorm weight before attention
 * @param wq (numHeads * headDim, hidden)
 * @param wk (numKvHeads * headDim, hidden)
 * @param wv (numKvHeads * headDim, hidden)
 * @param wo (hidden, numHeads * headDim)
 * @param bq (numHeads * headDim) or null
 * @param bk (numKvHeads * headDim) or null
 * @param bv (numKvHeads * headDim) or null
 * @param bo (hidden) or null (Llama with attention_bias)
 * @param ffnNorm (hidden) RMSNorm weight before the MLP
 * @param wGate (intermediate, hidden)
 * @param wUp (intermediate, hidden)
 * @param wDown (hidden, intermediate)
 */
public record LayerWeights(
    float[] attnNorm,
    WeightTensor wq,
    WeightTensor wk,
    WeightTensor wv,
    WeightTensor wo,
    float[] bq,
    float[] bk,
    float[] bv,
    float[] bo,
    float[] ffnNorm,
    WeightTensor wGate,
    WeightTensor wUp,
    WeightTensor wDown) {

  /** The seven matrices: q, k, v, o, gate, up, down. */
  public java.util.List<WeightTensor> matrices() {
    return java.util.List.of(wq, wk, wv, wo, wGate, wUp, wDown);
  }
}
