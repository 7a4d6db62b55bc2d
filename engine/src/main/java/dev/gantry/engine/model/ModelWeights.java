package dev.gantry.engine.model;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

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

  /**
   * Bytes the weights take in memory: every matrix once (tied embeddings are one tensor) in
   * its stored type, plus norms, biases and RoPE frequencies as float32.
   */
  public long weightBytes() {
    Map<WeightTensor, Boolean> seen = new IdentityHashMap<>();
    long bytes = matrixBytes(tokenEmbedding, seen) + matrixBytes(lmHead, seen);
    for (LayerWeights l : layers) {
      for (WeightTensor t : l.matrices()) {
        bytes += matrixBytes(t, seen);
      }
      bytes += 4L * (l.attnNorm().length + l.ffnNorm().length + length(l.bq()) + length(l.bk()) + length(l.bv())
          + length(l.bo()));
    }
    return bytes + 4L * (finalNorm.length + ropeInverseFrequencies.length);
  }

  /**
   * These weights with every non-quantized matrix in the type {@code dtype} asks for
   * ({@link WeightDtype#storageFor}); quantized matrices, norms and biases as they are. A tied
   * embedding stays one tensor. {@code this} when nothing changes.
   */
  public ModelWeights convertTo(WeightDtype dtype) {
    Map<WeightTensor, WeightTensor> converted = new IdentityHashMap<>();
    java.util.function.UnaryOperator<WeightTensor> to =
        t -> converted.computeIfAbsent(t, x -> x.convertTo(dtype.storageFor(x.dtype())));
    WeightTensor embedding = to.apply(tokenEmbedding);
    WeightTensor head = to.apply(lmHead);
    List<LayerWeights> newLayers = layers.stream().map(l -> new LayerWeights(l.attnNorm(), to.apply(l.wq()),
        to.apply(l.wk()), to.apply(l.wv()), to.apply(l.wo()), l.bq(), l.bk(), l.bv(), l.bo(), l.ffnNorm(),
        to.apply(l.wGate()), to.apply(l.wUp()), to.apply(l.wDown()))).toList();
    boolean same = converted.entrySet().stream().allMatch(e -> e.getKey() == e.getValue());
    return same ? this : new ModelWeights(embedding, newLayers, finalNorm, head, ropeInverseFrequencies, ropeLayout);
  }

  /**
   * These weights with the non-quantized matrices of every layer quantized to {@code type}
   * (Q8_0 or Q4_0, ggml's reference quantizer, as {@code --quantization q8_0} asks); the token
   * embedding and the LM head stay as they are (llama.cpp keeps the output layer at higher
   * precision too), as do matrices already quantized and rows that are not whole blocks.
   */
  public ModelWeights quantize(DType type) {
    if (type != DType.Q8_0 && type != DType.Q4_0) {
      throw new IllegalArgumentException("weights quantize at load to Q8_0 or Q4_0, not " + type);
    }
    Map<WeightTensor, WeightTensor> done = new IdentityHashMap<>();
    java.util.function.UnaryOperator<WeightTensor> q = t -> done.computeIfAbsent(t,
        x -> x.dtype().isQuantized() || x.cols() % type.blockSize() != 0 ? x : x.convertTo(type));
    List<LayerWeights> newLayers = layers.stream().map(l -> new LayerWeights(l.attnNorm(), q.apply(l.wq()),
        q.apply(l.wk()), q.apply(l.wv()), q.apply(l.wo()), l.bq(), l.bk(), l.bv(), l.bo(), l.ffnNorm(),
        q.apply(l.wGate()), q.apply(l.wUp()), q.apply(l.wDown()))).toList();
    return new ModelWeights(tokenEmbedding, newLayers, finalNorm, lmHead, ropeInverseFrequencies, ropeLayout);
  }

  private static long matrixBytes(WeightTensor t, Map<WeightTensor, Boolean> seen) {
    return seen.put(t, Boolean.TRUE) == null ? t.byteSize() : 0;
  }

  private static int length(float[] a) {
    return a == null ? 0 : a.length;
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
