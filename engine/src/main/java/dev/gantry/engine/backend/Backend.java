package dev.gantry.engine.backend;

import dev.gantry.engine.model.ModelConfig;

/**
 * Runs the model's forward pass over a batch of sequences whose K/V live in a paged cache
 * the backend owns. The scheduler decides which tokens run in a step and where their K/V
 * go (block tables); the backend only computes. Sealed so every backend is known here:
 * {@link CpuBackend} and {@link CudaBackend} (both in this package, as Java requires of sealed
 * hierarchies outside named modules); {@link Device} picks one from {@code --device}.
 */
public sealed interface Backend extends AutoCloseable permits CpuBackend, CudaBackend {
  ModelConfig config();

  /** Bytes of K and V for one block of {@code blockSize} tokens across all layers. */
  long kvCacheBytesPerBlock(int blockSize);

  /** Allocates the physical KV cache: {@code numBlocks} blocks of {@code blockSize} token slots. */
  void allocateKvCache(int numBlocks, int blockSize);

  /**
   * One batched step over all scheduled sequences; see {@link ForwardBatch}. Returns one
   * entry per sequence: the logits of its chunk's last token where
   * {@link SequenceChunk#computeLogits()} is true, else null.
   */
  float[][] forward(ForwardBatch batch);

  @Override
  void close();
}
