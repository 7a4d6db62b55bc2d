package dev.gantry.engine.sampling;

import java.util.List;

/**
 * The token a {@link Sampler} picked. When the request asked for logprobs, {@code logprob} is
 * the chosen token's log-probability and {@code topLogprobs} the N most likely tokens, most
 * likely first; otherwise {@code logprob} is NaN and the list is empty.
 */
public record SampledToken(int tokenId, float logprob, List<TopLogprob> topLogprobs) {
  public SampledToken {
    topLogprobs = List.copyOf(topLogprobs);
  }

  public boolean hasLogprobs() {
    return !Float.isNaN(logprob);
  }
}
