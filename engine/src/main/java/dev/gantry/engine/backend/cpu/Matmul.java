package dev.gantry.engine.backend.cpu;

import dev.gantry.engine.model.DType;
import dev.gantry.engine.model.WeightTensor;

/**
 * {@code out[t, r] = sum_c W[r, c] * x[t, c]} for all tokens t of a step and all rows r of
 * a memory-mapped weight matrix, parallel over row tiles. Every weight row is read from
 * memory once per step whatever the number of tokens, which is what makes batched decoding
 * cheaper per token than single-stream decoding.
 * <pre>
 *   x   (numTokens, cols)   activations, row-major
 *   W   (rows, cols)        F32/F16/BF16/Q8_0/Q4_0, mmapped
 *   out (numTokens, rows)
 * </pre>
 * For one or two tokens a Q8_0/Q4_0 row is dotted straight from its bytes (dequantized in
 * registers); otherwise (and always for F32/F16/BF16 and the k-quants) a tile of rows is
 * decoded to floats once and reused by every token.
 */
public final class Matmul {
  /** Rows decoded and kept together; tokens stream over the tile so each x row is reused TILE times. */
  private static final int TILE_ROWS = 8;
  /** At or below this many tokens quantized rows are dotted without decoding to floats. */
  private static final int FUSED_MAX_TOKENS = 2;

  private final Kernels kernels;
  private final Parallel parallel;
  private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

  public Matmul(Kernels kernels, Parallel parallel) {
    this.kernels = kernels;
    this.parallel = parallel;
  }

  public Kernels kernels() {
    return kernels;
  }

  /** Multiplies all {@code numTokens} rows of x by W; out must hold {@code numTokens * W.rows()} floats. */
  public void apply(WeightTensor w, float[] x, int numTokens, float[] out) {
    int rows = w.rows();
    int cols = w.cols();
    assert x.length >= numTokens * cols && out.length >= numTokens * rows;
    boolean fused = (w.dtype() == DType.Q8_0 || w.dtype() == DType.Q4_0) && numTokens <= FUSED_MAX_TOKENS;
    // Few tokens: keep the decoded tile in L1 next to x. Many tokens: a larger (L2) tile
    // amortizes each x row over more weight rows.
    int tileBytes = numTokens <= FUSED_MAX_TOKENS ? 24 << 10 : 256 << 10;
    int tile = Math.max(1, Math.min(TILE_ROWS, tileBytes / (4 * cols)));
    // Chunks of whole tiles, ~8 per thread so uneven progress balances out.
    int perChunk = Math.max(1, rows / (parallel.threads() * 8 * tile)) * tile;
    parallel.parallelFor(rows, perChunk, (chunkFrom, chunkTo) -> {
      for (int from = chunkFrom; from < chunkTo; from += tile) {
        applyTile(w, x, numTokens, out, fused, from, Math.min(chunkTo, from + tile));
      }
    });
  }

  private void applyTile(WeightTensor w, float[] x, int numTokens, float[] out, boolean fused, int from, int to) {
    int rows = w.rows();
    int cols = w.cols();
    Scratch s = scratch.get();
    byte[] bytes = s.bytes(w.rowBytes());
    if (fused) {
      for (int r = from; r < to; r++) {
        w.copyRowBytes(r, bytes);
        for (int t = 0; t < numTokens; t++) {
          out[t * rows + r] = w.dtype() == DType.Q8_0
              ? kernels.dotQ8_0(bytes, 0, x, t * cols, cols)
              : kernels.dotQ4_0(bytes, 0, x, t * cols, cols);
        }
      }
      return;
    }
    int n = to - from;
    float[] rowFloats = s.floats(n * cols);
    for (int r = from; r < to; r++) {
      if (w.dtype() == DType.F32) {
        w.copyRowFloats(r, rowFloats, (r - from) * cols);
      } else {
        w.copyRowBytes(r, bytes);
        kernels.decodeRow(w.dtype(), bytes, rowFloats, (r - from) * cols, cols);
      }
    }
    float[] block = s.block;
    int t = 0;
    // 4 tokens x 4 rows at a time, then leftover tokens 1 x 4 rows, then leftover rows one by one.
    for (; t + 4 <= numTokens; t += 4) {
      int i = 0;
      for (; i + 4 <= n; i += 4) {
        kernels.dot4x4(rowFloats, i * cols, cols, x, t * cols, cols, cols, block, 0);
        for (int r = 0; r < 4; r++) {
          for (int k = 0; k < 4; k++) {
            out[(t + k) * rows + from + i + r] = block[4 * r + k];
          }
        }
      }
      for (; i < n; i++) {
        for (int k = 0; k < 4; k++) {
          out[(t + k) * rows + from + i] = kernels.dot(rowFloats, i * cols, x, (t + k) * cols, cols);
        }
      }
    }
    for (; t < numTokens; t++) {
      int i = 0;
      for (; i + 4 <= n; i += 4) {
        kernels.dot4(rowFloats, i * cols, cols, x, t * cols, cols, block, 0);
        for (int j = 0; j < 4; j++) {
          out[t * rows + from + i + j] = block[j];
        }
      }
      for (; i < n; i++) {
        out[t * rows + from + i] = kernels.dot(rowFloats, i * cols, x, t * cols, cols);
      }
    }
  }

  /** Per-thread buffers, grown on demand and reused across steps. */
  private static final class Scratch {
    private byte[] bytes = new byte[0];
    private float[] floats = new float[0];
    final float[] block = new float[16];

    byte[] bytes(int n) {
      if (bytes.length < n) {
        bytes = new byte[n];
      }
      return bytes;
    }

    float[] floats(int n) {
      if (floats.length < n) {
        floats = new float[n];
      }
      return floats;
    }
  }
}
