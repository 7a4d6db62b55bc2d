package dev.gantry.engine.api;

/**
 * A snapshot of the engine for metrics (vLLM names in brackets): requests running
 * ({@code vllm:num_requests_running}) and waiting ({@code vllm:num_requests_waiting}), KV cache
 * usage ({@code vllm:gpu_cache_usage_perc}, in [0, 1]), preemptions
 * ({@code vllm:num_preemptions_total}), prefix cache queries and hits in tokens
 * ({@code vllm:prefix_cache_queries}, {@code vllm:prefix_cache_hits}), token counters
 * ({@code vllm:prompt_tokens_total}, {@code vllm:generation_tokens_total}); and the paged cache's
 * fragmentation: token slots in held blocks ({@code kvSlotsAllocated}) vs slots holding K/V
 * ({@code kvSlotsUsed}), now and at the step with the most slots allocated.
 */
public record EngineStats(
    int numRunning,
    int numWaiting,
    double kvCacheUsage,
    int numKvBlocks,
    int blockSize,
    long numPreemptions,
    long prefixCacheQueries,
    long prefixCacheHits,
    long promptTokensTotal,
    long generationTokensTotal,
    long numFinishedRequests,
    long numSteps,
    long kvSlotsAllocated,
    long kvSlotsUsed,
    long peakKvSlotsAllocated,
    long kvSlotsUsedAtPeak) {
  static final EngineStats EMPTY = new EngineStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

  /**
   * Allocated-but-unused fraction of KV slots at peak allocation: the paged cache only wastes the
   * unfilled tail of each sequence's last block. Shared prefix blocks count once as allocated
   * but once per sharer as used, so measure with prefix caching off.
   */
  public double kvCacheWasteAtPeak() {
    return peakKvSlotsAllocated == 0 ? 0 : Math.max(0, 1.0 - (double) kvSlotsUsedAtPeak / peakKvSlotsAllocated);
  }

  /** Fraction of looked-up prompt tokens found in the prefix cache; 0 before any lookup. */
  public double prefixCacheHitRate() {
    return prefixCacheQueries == 0 ? 0 : (double) prefixCacheHits / prefixCacheQueries;
  }
}
