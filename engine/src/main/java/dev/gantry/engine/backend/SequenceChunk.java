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

  /** Position after the chunk's last token: the sequence length once this step ran. */
  public int endPosition() {
    return startPosition + tokenIds.length;
  }
}
