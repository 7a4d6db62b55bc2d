package dev.gantry.engine.backend.cuda;

import dev.gantry.engine.backend.cpu.Kernels;
import dev.gantry.engine.backend.cpu.PagedAttention;
import dev.gantry.engine.backend.cpu.Parallel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A random paged-attention case in the shape of a mixed step, shared by the shim and GPU kernel
 * tests: sequences of {@code contextLens} cached positions whose blocks are scattered over the
 * pool by a random permutation, K/V rows in random slot order, and a step whose tokens are the
 * last {@code chunkLens[s]} positions of each sequence (decodes and chunked prefills), with the
 * CPU {@link PagedAttention} output as {@link #expected}.
 */
final class PagedCacheFixture {
  final int numHeads;
  final int numKvHeads;
  final int headDim;
  final int blockSize;
  final int numBlocks;
  final int numSeqs;
  final int maxBlocksPerSeq;
  final int[][] tables; // (seq, maxBlocksPerSeq), zero-padded
  final int numRows;
  final float[] kRows; // (row, kvDim) K of each cached position, in random order
  final float[] vRows;
  final long[] slots; // slot of each row
  final int numTokens;
  final int[] pos;
  final int[] seqOf;
  final float[] q; // (token, numHeads * headDim)
  final float[] expected; // CPU attention output, K/V rounded to the cache's storage type

  PagedCacheFixture(Random rnd, String kvType, int[] contextLens, int[] chunkLens, int numHeads, int numKvHeads,
      int headDim, int blockSize) {
    this.numHeads = numHeads;
    this.numKvHeads = numKvHeads;
    this.headDim = headDim;
    this.blockSize = blockSize;
    this.numSeqs = contextLens.length;
    int maxBlocks = 0;
    int totalBlocks = 0;
    for (int len : contextLens) {
      int blocks = (len + blockSize - 1) / blockSize;
      maxBlocks = Math.max(maxBlocks, blocks);
      totalBlocks += blocks;
    }
    this.maxBlocksPerSeq = maxBlocks;
    this.numBlocks = totalBlocks + 3; // some blocks belong to nobody
    List<Integer> physical = new ArrayList<>();
    for (int b = 0; b < numBlocks; b++) {
      physical.add(b);
    }
    Collections.shuffle(physical, rnd);
    tables = new int[numSeqs][maxBlocks];
    int next = 0;
    for (int s = 0; s < numSeqs; s++) {
      for (int b = 0; b < (contextLens[s] + blockSize - 1) / blockSize; b++) {
        tables[s][b] = physical.get(next++);
      }
    }
    int kvDim = numKvHeads * headDim;
    List<int[]> rows = new ArrayList<>(); // {seq, position}
    for (int s = 0; s < numSeqs; s++) {
      for (int p = 0; p < contextLens[s]; p++) {
        rows.add(new int[] {s, p});
      }
    }
    Collections.shuffle(rows, rnd);
    numRows = rows.size();
    kRows = random(rnd, numRows * kvDim, 1f);
    vRows = random(rnd, numRows * kvDim, 1f);
    slots = new long[numRows];
    float[] kc = new float[numBlocks * blockSize * kvDim];
    float[] vc = new float[numBlocks * blockSize * kvDim];
    for (int r = 0; r < numRows; r++) {
      int s = rows.get(r)[0];
      int p = rows.get(r)[1];
      slots[r] = (long) tables[s][p / blockSize] * blockSize + p % blockSize;
      for (int i = 0; i < kvDim; i++) {
        kc[(int) slots[r] * kvDim + i] = storageRound(kvType, kRows[r * kvDim + i]);
        vc[(int) slots[r] * kvDim + i] = storageRound(kvType, vRows[r * kvDim + i]);
      }
    }
    int n = 0;
    for (int c : chunkLens) {
      n += c;
    }
    numTokens = n;
    pos = new int[n];
    seqOf = new int[n];
    int[][] tokenTables = new int[n][];
    int t = 0;
    for (int s = 0; s < numSeqs; s++) {
      for (int i = 0; i < chunkLens[s]; i++, t++) {
        pos[t] = contextLens[s] - chunkLens[s] + i;
        seqOf[t] = s;
        tokenTables[t] = tables[s];
      }
    }
    q = random(rnd, n * numHeads * headDim, 2f);
    expected = new float[n * numHeads * headDim];
    try (Parallel parallel = new Parallel(1)) {
      new PagedAttention(Kernels.SCALAR, parallel, numHeads, numKvHeads, headDim)
          .compute(q, kc, vc, expected, n, pos, tokenTables, blockSize);
    }
  }

  /** The block tables as one (numSeqs, maxBlocksPerSeq) row-major array, as the kernel reads them. */
  int[] flatTables() {
    int[] flat = new int[numSeqs * maxBlocksPerSeq];
    for (int s = 0; s < numSeqs; s++) {
      System.arraycopy(tables[s], 0, flat, s * maxBlocksPerSeq, maxBlocksPerSeq);
    }
    return flat;
  }

  int kvDim() {
    return numKvHeads * headDim;
  }

  /** v as the cache stores it: unchanged (f32), or rounded to nearest even in f16 / bf16. */
  static float storageRound(String kvType, float v) {
    return switch (kvType.toLowerCase(java.util.Locale.ROOT)) {
      case "f32" -> v;
      case "f16" -> Float.float16ToFloat(Float.floatToFloat16(v));
      case "bf16" -> {
        int bits = Float.floatToRawIntBits(v);
        bits = (bits + 0x7FFF + ((bits >>> 16) & 1)) & 0xFFFF0000; // round to nearest even
        yield Float.intBitsToFloat(bits);
      }
      default -> throw new IllegalArgumentException("kv type " + kvType);
    };
  }

  static float[] random(Random rnd, int n, float scale) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (rnd.nextFloat() * 2 - 1) * scale;
    }
    return out;
  }
}
