package dev.gantry.engine.backend.cuda;

import java.util.Locale;

/**
 * How a GPU's memory is split, vLLM style: {@code --gpu-memory-utilization} of the device's total
 * memory is the engine's share; what other processes already hold, the weights, the activations
 * of the largest step and a fixed reserve (CUDA context, cuBLAS workspace) come off it, and the
 * rest becomes KV cache blocks. Pure arithmetic over numbers CudaBackend reads from
 * cuMemGetInfo, so it is tested without a GPU.
 * <pre>
 *   |<------------------------- totalBytes ------------------------------------------>|
 *   |<------------- utilization * totalBytes ------------->|
 *   | used by others | weights | activations | reserve | KV blocks ... |   (not ours)  |
 * </pre>
 */
public record DeviceMemoryPlan(long totalBytes, long usedByOthersBytes, double utilization, long weightBytes,
    long activationBytes, long reserveBytes, long kvCacheBytesPerBlock, int numBlocks) {
  /** CUDA context, module, cuBLAS handle and workspace: what the driver takes besides our buffers. */
  public static final long DEFAULT_RESERVE_BYTES = 512L << 20;

  public DeviceMemoryPlan {
    if (numBlocks < 1 || kvCacheBytesPerBlock < 1) {
      throw new IllegalArgumentException("a plan needs >= 1 KV block of >= 1 byte, got " + numBlocks + " of "
          + kvCacheBytesPerBlock);
    }
  }

  /** Bytes of the KV block pool. */
  public long kvCacheBytes() {
    return numBlocks * kvCacheBytesPerBlock;
  }

  /**
   * Plans the split, or throws naming every number when the model does not fit.
   *
   * @param totalBytes device memory (cuMemGetInfo total)
   * @param freeBytes free device memory before the engine allocated anything (cuMemGetInfo free)
   * @param utilization --gpu-memory-utilization, in (0, 1]
   * @param minBlocks blocks one sequence of --max-model-len needs: fewer and no request could finish
   * @param maxBlocks blocks beyond which the pool is useless (max sequences x blocks per sequence)
   */
  public static DeviceMemoryPlan plan(long totalBytes, long freeBytes, double utilization, long weightBytes,
      long activationBytes, long reserveBytes, long kvCacheBytesPerBlock, int minBlocks, int maxBlocks) {
    if (!(utilization > 0 && utilization <= 1)) {
      throw new IllegalArgumentException("--gpu-memory-utilization must be within (0, 1], got " + utilization);
    }
    if (totalBytes < 1 || freeBytes < 0 || freeBytes > totalBytes) {
      throw new IllegalArgumentException("the device reports " + freeBytes + " B free of " + totalBytes + " B");
    }
    if (minBlocks < 1 || maxBlocks < minBlocks || kvCacheBytesPerBlock < 1) {
      throw new IllegalArgumentException("block bounds must satisfy 1 <= minBlocks <= maxBlocks, got " + minBlocks
          + " and " + maxBlocks + " (" + kvCacheBytesPerBlock + " B per block)");
    }
    long usedByOthers = totalBytes - freeBytes;
    long share = (long) (utilization * totalBytes);
    long kvBudget = share - usedByOthers - weightBytes - activationBytes - reserveBytes;
    long blocks = Math.max(0, kvBudget) / kvCacheBytesPerBlock;
    if (blocks < minBlocks) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "the model does not fit on the GPU: --gpu-memory-utilization %s of %s = %s, minus %s used by other processes, "
              + "%s of weights, %s of activations and %s reserved for the CUDA context and cuBLAS leaves %s for the KV "
              + "cache, but one sequence of --max-model-len needs %d blocks of %s = %s. Raise --gpu-memory-utilization, "
              + "lower --max-model-len or --max-num-batched-tokens, or serve a quantized (GGUF Q8_0/Q4_0) model",
          utilization, bytes(totalBytes), bytes(share), bytes(usedByOthers), bytes(weightBytes), bytes(activationBytes),
          bytes(reserveBytes), bytes(kvBudget), minBlocks, bytes(kvCacheBytesPerBlock),
          bytes(minBlocks * kvCacheBytesPerBlock)));
    }
    int numBlocks = (int) Math.min(blocks, maxBlocks);
    return new DeviceMemoryPlan(totalBytes, usedByOthers, utilization, weightBytes, activationBytes, reserveBytes,
        kvCacheBytesPerBlock, numBlocks);
  }

  /** "1.50 GiB (1610612736 B)": readable, and exact for whoever checks the arithmetic. */
  static String bytes(long b) {
    String unit;
    double v;
    if (Math.abs(b) >= 1L << 30) {
      v = b / (double) (1L << 30);
      unit = "GiB";
    } else {
      v = b / (double) (1L << 20);
      unit = "MiB";
    }
    return String.format(Locale.ROOT, "%.2f %s (%d B)", v, unit, b);
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "GPU memory plan: %s total x %s utilization; %s used by others, weights %s, "
            + "activations %s, reserve %s, KV cache %d blocks x %s = %s", bytes(totalBytes), utilization,
        bytes(usedByOthersBytes), bytes(weightBytes), bytes(activationBytes), bytes(reserveBytes), numBlocks,
        bytes(kvCacheBytesPerBlock), bytes(kvCacheBytes()));
  }
}
