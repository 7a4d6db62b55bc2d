package dev.gantry.engine.scheduler;

/**
 * Limits of one scheduling step.
 *
 * @param maxNumSeqs most requests in the running batch
 * @param maxNumBatchedTokens token budget of one step, prefill and decode tokens together
 * @param maxModelLen most tokens (prompt plus output) of one request
 * @param enableChunkedPrefill whether a prompt may be split across steps
 * @param policy admission and preemption order
 */
public record SchedulerConfig(
    int maxNumSeqs, int maxNumBatchedTokens, int maxModelLen, boolean enableChunkedPrefill, SchedulingPolicy policy) {
  public SchedulerConfig {
    if (maxNumSeqs < 1) {
      throw new IllegalArgumentException("maxNumSeqs must be >= 1, got " + maxNumSeqs);
    }
    if (maxNumBatchedTokens < 1) {
      throw new IllegalArgumentException("maxNumBatchedTokens must be >= 1, got " + maxNumBatchedTokens);
    }
    if (maxModelLen < 2) {
      throw new IllegalArgumentException("maxModelLen must be >= 2, got " + maxModelLen);
    }
    if (!enableChunkedPrefill && maxNumBatchedTokens < maxModelLen) {
      throw new IllegalArgumentException("maxNumBatchedTokens (" + maxNumBatchedTokens + ") is smaller than maxModelLen ("
          + maxModelLen + ") with chunked prefill disabled, so long prompts could never be scheduled; "
          + "enable chunked prefill or raise maxNumBatchedTokens to at least " + maxModelLen);
    }
    if (policy == null) {
      throw new IllegalArgumentException("policy must be FCFS or PRIORITY, got null");
    }
  }
}
