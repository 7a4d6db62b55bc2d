package dev.gantry.engine.backend.cuda;

import dev.gantry.engine.backend.ForwardBatch;
import dev.gantry.engine.backend.SequenceChunk;
import java.util.List;

/**
 * A {@link ForwardBatch} flattened into the arrays the kernels read (block-table marshaling):
 * the step's tokens in batch order, and per token its position, its sequence and its KV slot;
 * the block tables as one row-major matrix the attention kernel indexes by sequence.
 * <pre>
 *   token t:      tokens[t], positions[t], seqOf[t], slots[t] = table[p / blockSize] * blockSize + p % blockSize
 *   blockTables:  (numSeqs, maxBlocksPerSeq) row-major; row s = sequence s's table, zero-padded
 *                 (the kernel reads entries 0 .. positions[t] / blockSize only)
 *   logitRows:    the token index of the last token of each chunk that wants logits, in batch order
 * </pre>
 * Pure Java; chunks are validated ({@link SequenceChunk#validate}) by the caller first.
 */
public record BatchLayout(int[] tokens, int[] positions, int[] seqOf, long[] slots, int[] blockTables,
    int maxBlocksPerSeq, int[] logitRows) {
  public BatchLayout {
    int n = tokens.length;
    if (positions.length != n || seqOf.length != n || slots.length != n) {
      throw new IllegalArgumentException("per-token arrays differ in length: " + n + " tokens, " + positions.length
          + " positions, " + seqOf.length + " sequence ids, " + slots.length + " slots");
    }
    if (maxBlocksPerSeq < 1 || blockTables.length % maxBlocksPerSeq != 0) {
      throw new IllegalArgumentException("block tables of " + blockTables.length + " entries are not whole rows of "
          + maxBlocksPerSeq);
    }
  }

  /** Flattens the batch for KV blocks of {@code blockSize} token slots. */
  public static BatchLayout of(ForwardBatch batch, int blockSize) {
    if (blockSize < 1) {
      throw new IllegalArgumentException("blockSize must be >= 1, got " + blockSize);
    }
    List<SequenceChunk> seqs = batch.sequences();
    int numTokens = batch.numTokens();
    int maxBlocks = 1;
    int numLogits = 0;
    for (SequenceChunk c : seqs) {
      maxBlocks = Math.max(maxBlocks, c.blocksNeeded(blockSize));
      numLogits += c.computeLogits() ? 1 : 0;
    }
    int[] tokens = new int[numTokens];
    int[] positions = new int[numTokens];
    int[] seqOf = new int[numTokens];
    long[] slots = new long[numTokens];
    int[] tables = new int[seqs.size() * maxBlocks];
    int[] logitRows = new int[numLogits];
    int t = 0;
    int li = 0;
    for (int s = 0; s < seqs.size(); s++) {
      SequenceChunk c = seqs.get(s);
      int[] table = c.blockTable();
      System.arraycopy(table, 0, tables, s * maxBlocks, c.blocksNeeded(blockSize));
      for (int i = 0; i < c.tokenIds().length; i++, t++) {
        int p = c.startPosition() + i;
        tokens[t] = c.tokenIds()[i];
        positions[t] = p;
        seqOf[t] = s;
        slots[t] = (long) table[p / blockSize] * blockSize + p % blockSize;
      }
      if (c.computeLogits()) {
        logitRows[li++] = t - 1;
      }
    }
    return new BatchLayout(tokens, positions, seqOf, slots, tables, maxBlocks, logitRows);
  }

  public int numTokens() {
    return tokens.length;
  }

  public int numSequences() {
    return blockTables.length / maxBlocksPerSeq;
  }

  /** Positions of the logit tokens: the last layer runs attention for those tokens only. */
  public int[] logitPositions() {
    return gather(positions);
  }

  /** Sequences of the logit tokens. */
  public int[] logitSeqOf() {
    return gather(seqOf);
  }

  private int[] gather(int[] perToken) {
    int[] out = new int[logitRows.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = perToken[logitRows[i]];
    }
    return out;
  }
}
