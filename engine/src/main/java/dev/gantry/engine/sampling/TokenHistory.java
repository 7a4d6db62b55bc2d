package dev.gantry.engine.sampling;

import java.util.List;

/**
 * The token ids a request has seen so far, for penalties: its prompt and its output. The
 * output only grows between calls of one {@link Sampler} (it counts new tokens incrementally),
 * so the engine can back this view with its own growing lists without copying per step.
 */
public interface TokenHistory {
  int promptLength();

  int promptTokenId(int index);

  int outputLength();

  int outputTokenId(int index);

  static TokenHistory of(int[] promptTokenIds, int[] outputTokenIds) {
    return new TokenHistory() {
      @Override public int promptLength() { return promptTokenIds.length; }
      @Override public int promptTokenId(int i) { return promptTokenIds[i]; }
      @Override public int outputLength() { return outputTokenIds.length; }
      @Override public int outputTokenId(int i) { return outputTokenIds[i]; }
    };
  }

  static TokenHistory of(int[] promptTokenIds, List<Integer> outputTokenIds) {
    return new TokenHistory() {
      @Override public int promptLength() { return promptTokenIds.length; }
      @Override public int promptTokenId(int i) { return promptTokenIds[i]; }
      @Override public int outputLength() { return outputTokenIds.size(); }
      @Override public int outputTokenId(int i) { return outputTokenIds.get(i); }
    };
  }

  /** No prompt, no output: for callers that use no penalties. */
  TokenHistory EMPTY = of(new int[0], new int[0]);
}
