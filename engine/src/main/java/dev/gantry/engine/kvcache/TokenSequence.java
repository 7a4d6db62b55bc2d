package dev.gantry.engine.kvcache;

/**
 * What the KV cache needs to know about a request: its id, its token ids so far (prompt then
 * output) and the extra key that separates caches (null for none). The scheduler's request
 * implements it; keeping it here keeps {@code kvcache} independent of {@code scheduler}.
 */
public interface TokenSequence {
  String requestId();

  /** Number of known tokens: prompt plus generated output. */
  int numTokens();

  int tokenAt(int index);

  /** Extra prefix-cache key (e.g. a per-tenant salt); requests with different keys never share blocks. */
  default String cacheSalt() {
    return null;
  }
}
