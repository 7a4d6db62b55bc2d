package dev.gantry.engine.api;

import dev.gantry.engine.sampling.SampledToken;
import java.util.List;

/**
 * One streamed delta of a request: the token ids sampled since the previous output, the text
 * they complete (may be empty while the detokenizer waits for the rest of a UTF-8 character or
 * holds back a possible stop string), and on the last output the finish reason.
 *
 * @param finishReason null until the request is over
 * @param stopReason on the last output, the stop string (String) or stop token id (Integer) that
 *     ended it, as vLLM's {@code stop_reason}; null otherwise
 * @param usage counts up to and including this output
 * @param logprobs per token of {@code tokenIds}, when the request asked for logprobs; else empty
 */
public record RequestOutput(
    String requestId,
    int[] tokenIds,
    String text,
    FinishReason finishReason,
    Object stopReason,
    Usage usage,
    List<SampledToken> logprobs) {
  public RequestOutput {
    tokenIds = tokenIds.clone();
    logprobs = List.copyOf(logprobs);
  }

  @Override
  public int[] tokenIds() {
    return tokenIds.clone();
  }

  public boolean finished() {
    return finishReason != null;
  }
}
