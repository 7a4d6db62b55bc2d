package dev.gantry.engine.model;

import java.util.List;

/**
 * All weights of a model, shapes already checked against its {@link ModelConfig}. Large
 * matrices stay memory-mapped ({@link WeightTensor}); norms and biases are small float
 * arrays.
 *
 * @param tokenEmbedding (vocab, hidden)
 * @param layers one per transformer block
 * @param finalNorm (hidden)
 * @param lmHead (vocab, hidden); the same object as tokenEmbedding when embeddings are tied
 * @param ropeInverseFrequencies (headDim / 2) RoPE inverse frequencies, scaling applied
 * @param ropeLayout which pairs of a head RoPE rotates (depends on how Q/K rows were stored)
 */
public record ModelWeights(
    WeightTensor tokenEmbedding,
    List<LayerWeights> layers,
    float[] finalNorm,
    WeightTensor lmHead,
    float[] ropeInverseFrequencies,
    RopeLayout ropeLayout) {
  public ModelWeights {
    layers = List.copyOf(layers);
  }

  /** Bytes of weights read per token in a decode step (every matrix once, embedding row aside). */
  public long bytesPerToken() {
    long bytes = lmHead.byteSize();
    for (LayerWeights l : layers) {
      bytes += l.wq().byteSize() + l.wk().byteSize() + l.wv().byteSize() + l.wo().byteSize()
          + l.wGate().byteSize() + l.wUp().byteSize() + l.wDown().byteSize();
    }
    return bytes;
  }
}
