package dev.gantry.engine.scheduler;

/**
 * One request's share of a step: tokens {@code [startPosition, startPosition + numTokens)} are
 * computed through {@code blockTable}; when {@code samplesToken} the chunk reaches the end of the
 * request's known tokens, so the step's logits for its last token yield the next output token.
 * A prefill split by chunked prefill has {@code samplesToken == false} on all but its last chunk.
 */
public record ScheduledChunk(Request request, int startPosition, int numTokens, int[] blockTable, boolean samplesToken) {
  public ScheduledChunk {
    if (numTokens < 1) {
      throw new IllegalArgumentException("a scheduled chunk needs at least one token, got " + numTokens);
    }
  }

  /** The token ids this chunk computes. */
  public int[] tokenIds() {
    return request.tokenIds(startPosition, startPosition + numTokens);
  }
}
