package dev.gantry.engine.kvcache;

import java.util.List;

/**
 * The result type between {@link KvCacheManager} and the scheduler (vLLM's
 * {@code KVCacheBlocks}): a list of blocks the scheduler may count and turn into block ids, without
 * reaching into pool internals.
 */
public record KvCacheBlocks(List<KvCacheBlock> blocks) {
  public static final KvCacheBlocks EMPTY = new KvCacheBlocks(List.of());

  public KvCacheBlocks {
    blocks = List.copyOf(blocks);
  }

  public int size() {
    return blocks.size();
  }

  public boolean isEmpty() {
    return blocks.isEmpty();
  }

  public int[] blockIds() {
    int[] ids = new int[blocks.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = blocks.get(i).blockId();
    }
    return ids;
  }
}
