package dev.gantry.engine.scheduler;

import java.util.Arrays;

/**
 * A deterministic stand-in for a model that really uses the paged KV cache: a step writes each
 * token into its slot through the block table, and "attention" reads every position 0..p back
 * through the block table. The next token is a hash of what was read, so it depends on the
 * whole prefix exactly as a real model's greedy output does; and a slot holding the wrong
 * token (a bad block table, a shared block overwritten, an evicted block still in use) fails
 * loudly instead of just giving a different token.
 */
final class FakePagedModel {
  static final int EOS = 0;
  private final int blockSize;
  private final int vocabSize;
  private final int[] slots;
  long numForwardTokens;

  FakePagedModel(int numBlocks, int blockSize, int vocabSize) {
    this.blockSize = blockSize;
    this.vocabSize = vocabSize;
    this.slots = new int[numBlocks * blockSize];
    Arrays.fill(slots, -1);
  }

  /** Runs one step and returns the token sampled per chunk (-1 where the chunk samples none). */
  int[] step(SchedulerOutput output) {
    int[] sampled = new int[output.chunks().size()];
    // Write every chunk's K/V first (as a layer of a batched forward does), then read.
    for (ScheduledChunk chunk : output.chunks()) {
      int[] ids = chunk.tokenIds();
      for (int i = 0; i < ids.length; i++) {
        slots[slot(chunk.blockTable(), chunk.startPosition() + i)] = ids[i];
      }
      numForwardTokens += ids.length;
    }
    for (int c = 0; c < sampled.length; c++) {
      ScheduledChunk chunk = output.chunks().get(c);
      sampled[c] = -1;
      if (chunk.samplesToken()) {
        int last = chunk.startPosition() + chunk.numTokens() - 1;
        int[] seen = new int[last + 1];
        for (int p = 0; p <= last; p++) {
          seen[p] = slots[slot(chunk.blockTable(), p)];
          if (seen[p] != chunk.request().tokenAt(p)) {
            throw new AssertionError("request " + chunk.request().requestId() + " read token " + seen[p]
                + " at position " + p + " but its token there is " + chunk.request().tokenAt(p));
          }
        }
        sampled[c] = nextToken(seen, vocabSize);
      }
    }
    return sampled;
  }

  private int slot(int[] blockTable, int position) {
    return blockTable[position / blockSize] * blockSize + position % blockSize;
  }

  /** The "greedy" next token after {@code tokens}: what the model returns without any paging. */
  static int nextToken(int[] tokens, int vocabSize) {
    long h = 1125899906842597L;
    for (int t : tokens) {
      h = 31 * h + t;
      h ^= h >>> 29;
    }
    return (int) Math.floorMod(h * 0x9E3779B97F4A7C15L >>> 17, vocabSize);
  }

  /** Reference generation without an engine: prompt then up to maxTokens greedy tokens, stopping at EOS. */
  static int[] reference(int[] prompt, int maxTokens, int vocabSize, boolean stopAtEos) {
    int[] all = Arrays.copyOf(prompt, prompt.length + maxTokens);
    int n = prompt.length;
    for (int i = 0; i < maxTokens; i++) {
      int t = nextToken(Arrays.copyOf(all, n), vocabSize);
      all[n++] = t;
      if (stopAtEos && t == EOS) {
        break;
      }
    }
    return Arrays.copyOfRange(all, prompt.length, n);
  }
}
