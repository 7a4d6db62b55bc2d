package dev.gantry.engine.tokenizer;

import java.util.Arrays;

/**
 * Merge ranks of a BPE model, keyed by the pair of token ids, and the merge loop.
 *
 * <p>The loop is the one of HF tokenizers' {@code Word::merge_all}: a min-heap of candidate pairs
 * ordered by (rank, position) over a doubly linked list of symbols, so a word of n symbols costs
 * O(n log n) instead of the O(n^2) rescans of the textbook loop. Stale heap entries (a neighbour
 * was merged away since) are detected by re-reading the pair's rank and skipped.
 */
final class BpeMerges {
  private static final long EMPTY = Long.MIN_VALUE;

  // Open-addressing map: key = (left << 32) | right, value = (rank << 32) | mergedId.
  private final long[] keys;
  private final long[] values;
  private final int mask;
  private final int size;

  BpeMerges(int[] left, int[] right, int[] merged) {
    int n = left.length;
    int capacity = Integer.highestOneBit(Math.max(4, n * 2 + 1)) << 1;
    keys = new long[capacity];
    values = new long[capacity];
    Arrays.fill(keys, EMPTY);
    mask = capacity - 1;
    int count = 0;
    for (int rank = 0; rank < n; rank++) {
      long key = key(left[rank], right[rank]);
      int slot = slot(key);
      while (keys[slot] != EMPTY && keys[slot] != key) {
        slot = (slot + 1) & mask;
      }
      if (keys[slot] == EMPTY) { // the first occurrence of a duplicated merge keeps its rank
        keys[slot] = key;
        values[slot] = ((long) rank << 32) | (merged[rank] & 0xFFFFFFFFL);
        count++;
      }
    }
    size = count;
  }

  int size() {
    return size;
  }

  private static long key(int left, int right) {
    return ((long) left << 32) | (right & 0xFFFFFFFFL);
  }

  private int slot(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 29)) & mask;
  }

  /** (rank << 32) | mergedId of the pair, or -1 when the pair never merges. */
  long lookup(int left, int right) {
    long key = key(left, right);
    int slot = slot(key);
    while (true) {
      long k = keys[slot];
      if (k == key) {
        return values[slot];
      }
      if (k == EMPTY) {
        return -1;
      }
      slot = (slot + 1) & mask;
    }
  }

  /** Applies all merges to a word given as its initial symbols; returns the final token ids. */
  int[] merge(int[] symbols) {
    int n = symbols.length;
    if (n < 2) {
      return symbols;
    }
    int[] sym = symbols.clone();
    int[] next = new int[n];
    int[] prev = new int[n];
    for (int i = 0; i < n; i++) {
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
    }
    LongHeap heap = new LongHeap(n);
    for (int i = 0; i + 1 < n; i++) {
      long v = lookup(sym[i], sym[i + 1]);
      if (v >= 0) {
        heap.push((v & 0xFFFFFFFF00000000L) | i);
      }
    }
    int alive = n;
    while (!heap.isEmpty()) {
      long top = heap.pop();
      int pos = (int) top;
      int rank = (int) (top >>> 32);
      if (sym[pos] < 0) {
        continue; // merged into its left neighbour since
      }
      int right = next[pos];
      if (right < 0) {
        continue;
      }
      long v = lookup(sym[pos], sym[right]);
      if (v < 0 || (int) (v >>> 32) != rank) {
        continue; // stale: a neighbour changed
      }
      sym[pos] = (int) v;
      sym[right] = -1;
      alive--;
      int after = next[right];
      next[pos] = after;
      if (after >= 0) {
        prev[after] = pos;
        long w = lookup(sym[pos], sym[after]);
        if (w >= 0) {
          heap.push((w & 0xFFFFFFFF00000000L) | pos);
        }
      }
      int before = prev[pos];
      if (before >= 0) {
        long w = lookup(sym[before], sym[pos]);
        if (w >= 0) {
          heap.push((w & 0xFFFFFFFF00000000L) | before);
        }
      }
    }
    int[] out = new int[alive];
    int j = 0;
    for (int i = 0; i >= 0; i = next[i]) {
      out[j++] = sym[i];
    }
    assert j == alive;
    return out;
  }

  /** Binary min-heap of longs; (rank, position) packed so ties go to the leftmost pair. */
  private static final class LongHeap {
    private long[] a;
    private int size;

    LongHeap(int capacity) {
      a = new long[Math.max(4, capacity)];
    }

    boolean isEmpty() {
      return size == 0;
    }

    void push(long v) {
      if (size == a.length) {
        a = Arrays.copyOf(a, size * 2);
      }
      int i = size++;
      while (i > 0) {
        int p = (i - 1) >>> 1;
        if (a[p] <= v) {
          break;
        }
        a[i] = a[p];
        i = p;
      }
      a[i] = v;
    }

    long pop() {
      long top = a[0];
      long last = a[--size];
      int i = 0;
      while (true) {
        int c = 2 * i + 1;
        if (c >= size) {
          break;
        }
        if (c + 1 < size && a[c + 1] < a[c]) {
          c++;
        }
        if (a[c] >= last) {
          break;
        }
        a[i] = a[c];
        i = c;
      }
      a[i] = last;
      return top;
    }
  }
}
