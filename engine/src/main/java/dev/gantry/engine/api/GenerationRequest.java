package dev.gantry.engine.api;

import dev.gantry.engine.sampling.SamplingParams;

/**
 * A request to generate: an id unique among live requests, the prompt, sampling parameters,
 * a priority (lower is more urgent; used under {@link dev.gantry.engine.scheduler.SchedulingPolicy#PRIORITY})
 * and an optional prefix-cache salt (requests with different salts never share cached blocks).
 */
public record GenerationRequest(String requestId, Prompt prompt, SamplingParams samplingParams, int priority, String cacheSalt) {
  public GenerationRequest {
    if (requestId == null || requestId.isBlank()) {
      throw new IllegalArgumentException("requestId must not be blank");
    }
    if (prompt == null) {
      throw new IllegalArgumentException("prompt must not be null");
    }
    if (samplingParams == null) {
      throw new IllegalArgumentException("samplingParams must not be null");
    }
  }

  public static GenerationRequest of(String requestId, Prompt prompt, SamplingParams samplingParams) {
    return new GenerationRequest(requestId, prompt, samplingParams, 0, null);
  }

  public GenerationRequest withPriority(int newPriority) {
    return new GenerationRequest(requestId, prompt, samplingParams, newPriority, cacheSalt);
  }

  public GenerationRequest withCacheSalt(String salt) {
    return new GenerationRequest(requestId, prompt, samplingParams, priority, salt);
  }
}
