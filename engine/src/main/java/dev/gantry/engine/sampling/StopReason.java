package dev.gantry.engine.sampling;

/**
 * Why a request's output ended. {@link #finishReason()} is the OpenAI {@code finish_reason};
 * {@link #stopReason()} is vLLM's {@code stop_reason} (the matched stop string or stop token id,
 * null for EOS and length).
 */
public sealed interface StopReason {
  /** "stop", "length" or "abort". */
  String finishReason();

  /** The stop string (String) or stop token id (Integer) that matched, else null. */
  Object stopReason();

  /** The model emitted one of its EOS tokens. */
  record Eos(int tokenId) implements StopReason {
    @Override public String finishReason() { return "stop"; }
    @Override public Object stopReason() { return null; }
  }

  /** The model emitted one of the request's stop_token_ids. */
  record StopToken(int tokenId) implements StopReason {
    @Override public String finishReason() { return "stop"; }
    @Override public Object stopReason() { return tokenId; }
  }

  /** The output text reached one of the request's stop strings. */
  record StopString(String stop) implements StopReason {
    @Override public String finishReason() { return "stop"; }
    @Override public Object stopReason() { return stop; }
  }

  /** max_tokens reached (or the model's context is full). */
  record Length() implements StopReason {
    @Override public String finishReason() { return "length"; }
    @Override public Object stopReason() { return null; }
  }

  /** The client or the engine aborted the request. */
  record Abort() implements StopReason {
    @Override public String finishReason() { return "abort"; }
    @Override public Object stopReason() { return null; }
  }

  StopReason LENGTH = new Length();
  StopReason ABORT = new Abort();
}
