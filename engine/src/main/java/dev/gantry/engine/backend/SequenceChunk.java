package dev.gantry.engine.backend;

/**
 * Consecutive tokens of one sequence to compute in a step.
 * <pre>
 *   tokenIds[i] sits at position p = startPosition + i
 *   its K/V goes to slot  blockTable[p / blockSize] * blockSize + p % blockSize
 *   attention at p reads positions 0..p through blockTable
 *   (positions < startPosition were written by earlier steps, maybe by another sequence
 *    sharing a prefix-cached block)
 * </pre>
 * The arrays are read during {@link Backend#forward} and must not change while it runs.
 *
 * @param computeLogits whether the step returns logits for the chunk's last token
 *     (false for all but the last chunk of a split prefill)
 */
public record SequenceChunk(int[] tokenIds, int startPosition, int[] blockTable, boolean computeLogits) {
  public SequenceChunk {
    if (tokenIds == null || tokenIds.length == 0) {
      throw new IllegalArgumentException("a sequence chunk needs at least one token");
    }
    if (startPosition < 0) {
      throw new IllegalArgumentException("startPosition must be >= 0, got " + startPosition);
    }
    if (blockTable == null) {
      throw new IllegalArgumentException("blockTable must not be null");
    }
  }

  /**
   * Checks the chunk against a backend's vocabulary and KV cache before any of it is computed:
   * token ids inside the vocabulary, a block table long enough for positions up to the chunk's
   * end, every block id needed inside the pool. Errors name sequence {@code index} of the batch.
   */
  public void validate(int index, int vocabSize, int blockSize, int numBlocks) {
    for (int id : tokenIds) {
      if (id < 0 || id >= vocabSize) {
        throw new IllegalArgumentException("sequence " + index + ": token id " + id + " is outside the vocabulary (size "
            + vocabSize + ")");
      }
    }
    int blocksNeeded = blocksNeeded(blockSize);
    if (blockTable.length < blocksNeeded) {
      throw new IllegalArgumentException("sequence " + index + ": positions up to " + (endPosition() - 1) + " need "
          + blocksNeeded + " blocks of " + blockSize + " but the block table has " + blockTable.length);
    }
    for (int b = 0; b < blocksNeeded; b++) {
      int block = blockTable[b];
      if (block < 0 || block >= numBlocks) {
        throw new IllegalArgumentException("sequence " + index + ": block table entry " + b + " = " + block
            + " is outside the KV cache of " + numBlocks + " blocks");
      }
    }
  }

  /** Blocks of {@code blockSize} slots that positions 0 .. endPosition() - 1 occupy. */
  public int blocksNeeded(int blockSize) {
    return (endPosition() + blockSize - 1) / blockSize;
  }

  /** Position after the chunk's last token: the sequence length once this step ran. */
  public int endPosition() {
    return startPosition + tokenIds.length;
  }
}
