package dev.gantry.engine.backend.cuda;

import java.util.Optional;

/**
 * Launch shapes of every Gantry kernel, computed from the problem size and checked against the
 * device's {@link KernelLimits} and the ptxas report: a shape the GPU would refuse (too many
 * threads or registers per block, a grid dimension past its limit, too much shared memory) is an
 * {@link IllegalArgumentException} naming the kernel, the shape and the limit, raised on the host
 * before anything is launched. Pure arithmetic, no native code, so it is tested on the CPU.
 */
public final class LaunchPlanner {
  /** Threads per block for row-wise and elementwise kernels: 8 warps. */
  static final int ROW_THREADS = 256;
  /** Warps per block of paged attention (one block per token and query head). */
  static final int ATTENTION_WARPS = 4;
  /** Warps per block of the quantized GEMV (one warp per output row). */
  static final int GEMV_WARPS = 8;
  /** Cap on grid-stride grids: enough blocks to fill any current GPU several times over. */
  static final int MAX_STRIDE_BLOCKS = 1 << 16;
  /** Largest head dimension the attention kernel supports (GANTRY_MAX_HEAD_DIM). */
  public static final int MAX_HEAD_DIM = 256;

  private final KernelLimits limits;
  private final PtxasReport report; // null: registers and static shared memory not checked

  public LaunchPlanner(KernelLimits limits, Optional<PtxasReport> report) {
    this.limits = limits;
    this.report = report.orElse(null);
  }

  /** One block per row of {@code width} elements (RMSNorm, RoPE, bias, embedding gather, reshape-and-cache). */
  public LaunchShape rowWise(Kernel kernel, int rows, int width) {
    requirePositive(kernel, "rows", rows);
    requirePositive(kernel, "width", width);
    int threads = Math.min(ROW_THREADS, roundUpToWarp(width));
    return check(kernel, LaunchShape.of(rows, threads));
  }

  /** A grid-stride loop over {@code n} elements (SiLU-and-mul, residual add, conversions). */
  public LaunchShape elementwise(Kernel kernel, long n) {
    if (n < 1) {
      throw new IllegalArgumentException(kernel.symbol() + ": element count must be >= 1, got " + n);
    }
    int blocks = (int) Math.min(MAX_STRIDE_BLOCKS, (n + ROW_THREADS - 1) / ROW_THREADS);
    return check(kernel, LaunchShape.of(blocks, ROW_THREADS));
  }

  /** Paged attention: one block per (token, query head), dynamic shared memory for the warps' partial results. */
  public LaunchShape pagedAttention(Kernel kernel, int numTokens, int numHeads, int numKvHeads, int headDim) {
    requirePositive(kernel, "numTokens", numTokens);
    if (numKvHeads < 1 || numHeads % numKvHeads != 0) {
      throw new IllegalArgumentException(kernel.symbol() + ": numHeads " + numHeads + " must be a multiple of numKvHeads "
          + numKvHeads);
    }
    if (headDim < 2 || headDim > MAX_HEAD_DIM) {
      throw new IllegalArgumentException(kernel.symbol() + ": head dimension " + headDim + " is outside [2, " + MAX_HEAD_DIM
          + "] (GANTRY_MAX_HEAD_DIM); models with larger heads need the kernel rebuilt with a larger limit");
    }
    long blocks = (long) numTokens * numHeads;
    if (blocks > limits.maxGridX()) {
      throw new IllegalArgumentException(kernel.symbol() + ": " + numTokens + " tokens x " + numHeads + " heads = " + blocks
          + " blocks exceed the grid limit " + limits.maxGridX() + "; lower --max-num-batched-tokens");
    }
    int smem = ATTENTION_WARPS * (headDim + 2) * Float.BYTES;
    return check(kernel, new LaunchShape((int) blocks, 1, 1, ATTENTION_WARPS * 32, smem));
  }

  /** Dequantizing GEMV: one warp per output row, grid (rows / warps, tokens). */
  public LaunchShape quantizedGemv(Kernel kernel, int rows, int cols, int numTokens) {
    requirePositive(kernel, "rows", rows);
    requirePositive(kernel, "numTokens", numTokens);
    if (cols < 32 || cols % 32 != 0) {
      throw new IllegalArgumentException(kernel.symbol() + ": columns " + cols + " must be a positive multiple of 32 "
          + "(the quantization block)");
    }
    if (numTokens > limits.maxGridY()) {
      throw new IllegalArgumentException(kernel.symbol() + ": " + numTokens + " tokens exceed the grid's y limit "
          + limits.maxGridY() + "; lower --max-num-batched-tokens");
    }
    return check(kernel, new LaunchShape((rows + GEMV_WARPS - 1) / GEMV_WARPS, numTokens, 1, GEMV_WARPS * 32, 0));
  }

  /** Argmax / top-k: one block per row of logits. */
  public LaunchShape perRow(Kernel kernel, int rows) {
    requirePositive(kernel, "rows", rows);
    return check(kernel, LaunchShape.of(rows, ROW_THREADS));
  }

  /** RoPE inverse frequencies: one thread per frequency. */
  public LaunchShape ropeInverseFrequencies(int headDim) {
    requirePositive(Kernel.ROPE_INV_FREQ, "headDim / 2", headDim / 2);
    return check(Kernel.ROPE_INV_FREQ, LaunchShape.of((headDim / 2 + 31) / 32, 32));
  }

  /** Copy-on-write block copies: one block per (source, destination) pair. */
  public LaunchShape copyBlocks(int numPairs) {
    requirePositive(Kernel.COPY_BLOCKS, "numPairs", numPairs);
    return check(Kernel.COPY_BLOCKS, LaunchShape.of(numPairs, ROW_THREADS));
  }

  /** Checks a shape against the limits and the kernel's ptxas usage; returns it unchanged. */
  public LaunchShape check(Kernel kernel, LaunchShape shape) {
    String where = kernel.symbol() + " (" + shape + ")";
    if (shape.blockX() > limits.maxThreadsPerBlock()) {
      throw new IllegalArgumentException(where + ": " + shape.blockX() + " threads per block exceed the device limit "
          + limits.maxThreadsPerBlock());
    }
    if (shape.blockX() % 32 != 0) {
      // The kernels' warp reductions assume whole warps (and so does the host shim that tests them).
      throw new IllegalArgumentException(where + ": threads per block must be a multiple of 32");
    }
    if (shape.gridX() > limits.maxGridX() || shape.gridY() > limits.maxGridY()) {
      throw new IllegalArgumentException(where + ": grid exceeds the device limit " + limits.maxGridX() + " x "
          + limits.maxGridY());
    }
    int staticSmem = 0;
    if (report != null) {
      PtxasReport.Usage u = report.usage(kernel).orElseThrow(() -> new IllegalArgumentException(kernel.symbol()
          + " is not in the ptxas report: the fatbin and the host code are out of step; rebuild the engine"));
      long registers = (long) u.registers() * shape.blockX();
      if (registers > limits.registersPerBlock()) {
        throw new IllegalArgumentException(where + ": " + u.registers() + " registers x " + shape.blockX() + " threads = "
            + registers + " registers exceed the " + limits.registersPerBlock() + " a block may use");
      }
      staticSmem = u.staticSharedBytes();
    }
    if ((long) staticSmem + shape.dynamicSharedBytes() > limits.maxSharedBytesPerBlock()) {
      throw new IllegalArgumentException(where + ": " + staticSmem + " B static + " + shape.dynamicSharedBytes()
          + " B dynamic shared memory exceed the " + limits.maxSharedBytesPerBlock() + " B a block may use");
    }
    return shape;
  }

  private static int roundUpToWarp(int n) {
    return (int) Math.min(Integer.MAX_VALUE, (n + 31L) / 32 * 32);
  }

  private static void requirePositive(Kernel kernel, String what, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(kernel.symbol() + ": " + what + " must be >= 1, got " + value);
    }
  }
}
