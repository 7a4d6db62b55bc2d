package dev.gantry.engine.backend.cuda;

/**
 * Element counts of the device buffers one forward step needs for up to {@code maxTokens} tokens
 * of up to {@code maxSeqs} sequences: what CudaBackend allocates and what {@link DeviceMemoryPlan}
 * sets aside for activations, from one formula so the two cannot drift apart.
 * <pre>
 *   floats  x, xb, out (tokens, hidden)   q, att (tokens, qDim)   k, v (tokens, kvDim)
 *           gate, up, act (tokens, intermediate)   logits (seqs, vocab)   last-layer q/x rows (seqs, qDim + hidden)
 *   16-bit  scratch (tokens, max(hidden, qDim, intermediate)) for activations fed to F16/BF16 GEMMs
 *   ints    tokens, positions, seqOf (tokens)   slots (tokens, 8 bytes)   block tables (seqs, maxBlocksPerSeq)
 *           logit rows / positions / sequences / argmax (seqs)
 * </pre>
 */
public record ActivationSizes(int hidden, int qDim, int kvDim, int intermediate, int vocab, int maxTokens, int maxSeqs,
    int maxBlocksPerSeq) {
  public ActivationSizes {
    if (hidden < 1 || qDim < 1 || kvDim < 1 || intermediate < 1 || vocab < 1 || maxTokens < 1 || maxSeqs < 1
        || maxBlocksPerSeq < 1) {
      throw new IllegalArgumentException("activation sizes must be >= 1: hidden " + hidden + ", qDim " + qDim + ", kvDim "
          + kvDim + ", intermediate " + intermediate + ", vocab " + vocab + ", maxTokens " + maxTokens + ", maxSeqs "
          + maxSeqs + ", maxBlocksPerSeq " + maxBlocksPerSeq);
    }
  }

  /** Rows of logits: at most one per sequence, and never more than tokens. */
  public int maxLogitRows() {
    return Math.min(maxTokens, maxSeqs);
  }

  public long floatElements() {
    long t = maxTokens;
    return t * (3L * hidden + 2L * qDim + 2L * kvDim + 3L * intermediate)
        + (long) maxLogitRows() * ((long) vocab + qDim + hidden);
  }

  public long halfScratchElements() {
    return (long) maxTokens * Math.max(hidden, Math.max(qDim, intermediate));
  }

  public long intElements() {
    return 3L * maxTokens + (long) maxSeqs * maxBlocksPerSeq + 4L * maxLogitRows();
  }

  /** All of it in bytes (slots are 8-byte longs). */
  public long totalBytes() {
    return floatElements() * Float.BYTES + halfScratchElements() * 2 + intElements() * Integer.BYTES
        + (long) maxTokens * Long.BYTES;
  }

  /** True when a step of this shape fits buffers of {@code this} size. */
  public boolean holds(int numTokens, int numSeqs, int blocksPerSeq) {
    return numTokens <= maxTokens && numSeqs <= maxSeqs && blocksPerSeq <= maxBlocksPerSeq;
  }
}
