package dev.gantry.engine.kvcache;

/**
 * A prefix-cache lookup result: the cached blocks covering the longest cached prefix of a
 * request, and how many tokens they cover ({@code blocks.size() * blockSize}).
 */
public record ComputedBlocks(KvCacheBlocks blocks, int numComputedTokens) {
  public static final ComputedBlocks NONE = new ComputedBlocks(KvCacheBlocks.EMPTY, 0);

  public ComputedBlocks {
    if (numComputedTokens < 0) {
      throw new IllegalArgumentException("numComputedTokens must be >= 0, got " + numComputedTokens);
    }
  }
}
