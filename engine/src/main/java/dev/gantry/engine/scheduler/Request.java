package dev.gantry.engine.scheduler;

import dev.gantry.engine.kvcache.TokenSequence;
import java.util.Arrays;

/**
 * A generation request as the scheduler sees it: prompt and output token ids, how many of them
 * have K/V in the cache ({@code numComputedTokens}), status and urgency. Mutable, owned by the
 * engine thread. After a preemption {@code numComputedTokens} is back to zero while the output
 * is kept: recomputing prompt plus output restores the exact state, so the request finishes
 * with the same tokens it would have produced unpreempted.
 */
public final class Request implements TokenSequence {
  private final String requestId;
  private final int[] promptTokenIds;
  private int[] outputTokenIds = new int[16];
  private int numOutputTokens;
  private final int maxTokens;
  private final int priority;
  private final long arrivalOrder;
  private final String cacheSalt;
  RequestStatus status = RequestStatus.WAITING;
  int numComputedTokens;
  int numCachedTokens = -1;
  int numPreemptions;

  /**
   * @param maxTokens most output tokens; bounds the request's KV footprint
   * @param priority lower is more urgent (used by {@link SchedulingPolicy#PRIORITY})
   * @param arrivalOrder tie breaker: lower arrived first
   * @param cacheSalt prefix-cache isolation key, or null
   */
  public Request(String requestId, int[] promptTokenIds, int maxTokens, int priority, long arrivalOrder, String cacheSalt) {
    if (requestId == null || requestId.isBlank()) {
      throw new IllegalArgumentException("requestId must not be blank");
    }
    if (promptTokenIds == null || promptTokenIds.length == 0) {
      throw new IllegalArgumentException("request " + requestId + " has an empty prompt; give at least one token");
    }
    if (maxTokens < 1) {
      throw new IllegalArgumentException("max_tokens must be >= 1, got " + maxTokens);
    }
    this.requestId = requestId;
    this.promptTokenIds = promptTokenIds.clone();
    this.maxTokens = maxTokens;
    this.priority = priority;
    this.arrivalOrder = arrivalOrder;
    this.cacheSalt = cacheSalt;
  }

  @Override
  public String requestId() {
    return requestId;
  }

  @Override
  public int numTokens() {
    return promptTokenIds.length + numOutputTokens;
  }

  @Override
  public int tokenAt(int index) {
    if (index < promptTokenIds.length) {
      return promptTokenIds[index];
    }
    int o = index - promptTokenIds.length;
    if (o >= numOutputTokens) {
      throw new IndexOutOfBoundsException("token " + index + " of request " + requestId + " with " + numTokens() + " tokens");
    }
    return outputTokenIds[o];
  }

  @Override
  public String cacheSalt() {
    return cacheSalt;
  }

  public int numPromptTokens() {
    return promptTokenIds.length;
  }

  public int[] promptTokenIds() {
    return promptTokenIds.clone();
  }

  public int numOutputTokens() {
    return numOutputTokens;
  }

  public int[] outputTokenIds() {
    return Arrays.copyOf(outputTokenIds, numOutputTokens);
  }

  /** Token ids {@code from} (inclusive) to {@code to} (exclusive) of prompt-then-output. */
  public int[] tokenIds(int from, int to) {
    int[] ids = new int[to - from];
    for (int i = from; i < to; i++) {
      ids[i - from] = tokenAt(i);
    }
    return ids;
  }

  void appendOutputToken(int tokenId) {
    if (numOutputTokens == outputTokenIds.length) {
      outputTokenIds = Arrays.copyOf(outputTokenIds, outputTokenIds.length * 2);
    }
    outputTokenIds[numOutputTokens++] = tokenId;
  }

  public int maxTokens() {
    return maxTokens;
  }

  public int priority() {
    return priority;
  }

  public long arrivalOrder() {
    return arrivalOrder;
  }

  public RequestStatus status() {
    return status;
  }

  /** Tokens whose K/V is in the cache (or being written by the step just scheduled). */
  public int numComputedTokens() {
    return numComputedTokens;
  }

  /** Prompt tokens served from the prefix cache at first admission; -1 before admission. */
  public int numCachedTokens() {
    return numCachedTokens;
  }

  public int numPreemptions() {
    return numPreemptions;
  }

  @Override
  public String toString() {
    return "Request[" + requestId + ", " + status + ", tokens=" + numTokens() + ", computed=" + numComputedTokens + "]";
  }
}
