package dev.gantry.engine.api;

import dev.gantry.engine.backend.ForwardBatch;
import dev.gantry.engine.backend.SequenceChunk;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A deterministic model for engine-loop tests that really uses the block tables: each step
 * writes every token into its KV slot, then reads positions 0..p back through the block table.
 * The logits are one-hot on a hash of what was read, so greedy output depends on the whole
 * prefix as with a real model, and a wrong slot (bad table, reused block) fails the step.
 */
final class FakeExecutor implements ModelExecutor {
  static final int VOCAB = 258; // 256 byte tokens, BOS 256, EOS 257
  private final int blockSize;
  private final int[] slots;
  final AtomicInteger steps = new AtomicInteger();
  volatile RuntimeException failNext;
  volatile long delayNanos;
  /** When set, each forward waits for it to open: a test holds the engine mid-step while it queues work. */
  volatile CountDownLatch hold;
  /** The prompt of every sequence at its first forward (start position 0), in the order the engine ran them. */
  final List<int[]> prefills = Collections.synchronizedList(new ArrayList<>());

  FakeExecutor(int numBlocks, int blockSize) {
    this.blockSize = blockSize;
    this.slots = new int[numBlocks * blockSize];
    Arrays.fill(slots, -1);
  }

  @Override
  public float[][] forward(ForwardBatch batch) {
    steps.incrementAndGet();
    RuntimeException fail = failNext;
    if (fail != null) {
      failNext = null;
      throw fail;
    }
    CountDownLatch gate = hold;
    if (gate != null) {
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while held", e);
      }
    }
    if (delayNanos > 0) {
      java.util.concurrent.locks.LockSupport.parkNanos(delayNanos);
    }
    for (SequenceChunk c : batch.sequences()) {
      if (c.startPosition() == 0) {
        prefills.add(c.tokenIds().clone());
      }
      for (int i = 0; i < c.tokenIds().length; i++) {
        slots[slot(c.blockTable(), c.startPosition() + i)] = c.tokenIds()[i];
      }
    }
    float[][] logits = new float[batch.sequences().size()][];
    for (int s = 0; s < logits.length; s++) {
      SequenceChunk c = batch.sequences().get(s);
      if (!c.computeLogits()) {
        continue;
      }
      int[] seen = new int[c.endPosition()];
      for (int p = 0; p < seen.length; p++) {
        seen[p] = slots[slot(c.blockTable(), p)];
        if (p >= c.startPosition() && seen[p] != c.tokenIds()[p - c.startPosition()]) {
          throw new AssertionError("slot of position " + p + " holds " + seen[p]);
        }
        if (seen[p] < 0) {
          throw new AssertionError("position " + p + " read an unwritten slot");
        }
      }
      logits[s] = new float[VOCAB];
      logits[s][next(seen)] = 10f;
    }
    return logits;
  }

  private int slot(int[] table, int p) {
    return table[p / blockSize] * blockSize + p % blockSize;
  }

  /** Next token after {@code tokens}: mostly bytes, EOS about once in 64 tokens. */
  static int next(int[] tokens) {
    long h = 1125899906842597L;
    for (int t : tokens) {
      h = 31 * h + t;
      h ^= h >>> 29;
    }
    int r = (int) Math.floorMod(h * 0x9E3779B97F4A7C15L >>> 17, 64 * 256);
    return r < 256 ? 257 : r % 256;
  }

  /** Greedy reference without paging: up to maxTokens tokens, including a final EOS. */
  static int[] reference(int[] prompt, int maxTokens, boolean stopAtEos) {
    int[] all = Arrays.copyOf(prompt, prompt.length + maxTokens);
    int n = prompt.length;
    for (int i = 0; i < maxTokens; i++) {
      int t = next(Arrays.copyOf(all, n));
      all[n++] = t;
      if (stopAtEos && t == 257) {
        break;
      }
    }
    return Arrays.copyOfRange(all, prompt.length, n);
  }
}
