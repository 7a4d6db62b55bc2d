package dev.gantry.engine.kvcache;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Owns every block of the paged KV cache: their reference counts, the LRU {@link FreeBlockQueue}
 * and the prefix-cache map from {@link BlockHash} to block.
 *
 * <p>A free block that carries a hash still holds valid K/V: it stays findable through the map
 * until {@link #allocate} takes it from the head of the free queue, which evicts it (drops its
 * hash). So the free queue doubles as the prefix cache's LRU list. Not thread-safe: the engine
 * thread is its only user.
 */
public final class BlockPool {
  private final List<KvCacheBlock> blocks;
  private final FreeBlockQueue freeQueue;
  private final boolean enablePrefixCaching;
  private final Map<BlockHash, KvCacheBlock> cachedBlocks = new HashMap<>();
  private long numEvictions;

  public BlockPool(int numBlocks, boolean enablePrefixCaching) {
    if (numBlocks <= 0) {
      throw new IllegalArgumentException("numBlocks must be positive, got " + numBlocks
          + "; give the KV cache a larger memory budget");
    }
    List<KvCacheBlock> all = new ArrayList<>(numBlocks);
    for (int i = 0; i < numBlocks; i++) {
      all.add(new KvCacheBlock(i));
    }
    this.blocks = Collections.unmodifiableList(all);
    this.freeQueue = new FreeBlockQueue(all);
    this.enablePrefixCaching = enablePrefixCaching;
  }

  /**
   * Number of blocks that fit in a memory budget, like vLLM's sizing from
   * {@code gpu_memory_utilization}.
   *
   * @throws IllegalArgumentException when not even one block fits, naming both numbers
   */
  public static int numBlocksForBudget(long budgetBytes, long bytesPerBlock) {
    if (bytesPerBlock <= 0) {
      throw new IllegalArgumentException("bytesPerBlock must be positive, got " + bytesPerBlock);
    }
    long n = budgetBytes / bytesPerBlock;
    if (n < 1) {
      throw new IllegalArgumentException("KV cache budget of " + budgetBytes + " bytes holds no block of "
          + bytesPerBlock + " bytes; raise kvCacheBytes / gpuMemoryUtilization or lower blockSize");
    }
    return (int) Math.min(n, Integer.MAX_VALUE - 8);
  }

  public int numBlocks() {
    return blocks.size();
  }

  /** Blocks with reference count zero, cached or not: all of them can be handed out. */
  public int numFreeBlocks() {
    return freeQueue.size();
  }

  /** Fraction of blocks held by requests, in [0, 1]. */
  public double usage() {
    return 1.0 - (double) freeQueue.size() / blocks.size();
  }

  public boolean prefixCachingEnabled() {
    return enablePrefixCaching;
  }

  /** Cached blocks dropped from the prefix cache to be reused for new contents. */
  public long numEvictions() {
    return numEvictions;
  }

  /** Number of blocks currently registered in the prefix cache (held or free). */
  public int numCachedBlocks() {
    return cachedBlocks.size();
  }

  public KvCacheBlock block(int blockId) {
    return blocks.get(blockId);
  }

  /** The block holding the contents with this hash, or null on a miss. */
  public KvCacheBlock cachedBlock(BlockHash hash) {
    return enablePrefixCaching ? cachedBlocks.get(hash) : null;
  }

  /**
   * Takes {@code count} blocks from the head of the free queue, evicting their cached contents,
   * each with reference count one.
   *
   * @throws IllegalStateException when fewer than {@code count} blocks are free; callers check
   *     {@link #numFreeBlocks()} first, since running out is their decision to handle
   */
  public List<KvCacheBlock> allocate(int count) {
    if (count > freeQueue.size()) {
      throw new IllegalStateException("asked for " + count + " blocks but only " + freeQueue.size() + " are free");
    }
    List<KvCacheBlock> result = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      KvCacheBlock block = freeQueue.popFirst();
      assert block.refCount == 0 : block;
      evict(block);
      block.refCount = 1;
      result.add(block);
    }
    return result;
  }

  /** Adds a reference to each block (a prefix-cache hit), taking free ones out of the free queue. */
  public void touch(List<KvCacheBlock> hits) {
    for (KvCacheBlock block : hits) {
      if (block.refCount == 0) {
        freeQueue.remove(block);
      }
      block.refCount++;
    }
  }

  /**
   * Drops one reference from each block, in the given order; blocks reaching zero join the tail
   * of the free queue in that order, so the first given is evicted first.
   */
  public void free(List<KvCacheBlock> ordered) {
    for (KvCacheBlock block : ordered) {
      assert block.refCount > 0 : "double free of " + block;
      block.refCount--;
      if (block.refCount == 0) {
        freeQueue.append(block);
      }
    }
  }

  /**
   * Registers a full block under its hash so later requests can reuse it. When another block
   * already holds the same contents (two requests computed the same prefix at once), this one
   * stays unregistered and is recycled normally once freed.
   */
  public void cacheFullBlock(KvCacheBlock block, BlockHash hash) {
    if (!enablePrefixCaching || block.blockHash != null) {
      return;
    }
    if (cachedBlocks.putIfAbsent(hash, block) == null) {
      block.blockHash = hash;
    }
  }

  /** Forgets every free cached block (e.g. after new weights are loaded). Held blocks keep their hash. */
  public void resetPrefixCache() {
    for (KvCacheBlock block : freeQueue.toList()) {
      evict(block);
    }
  }

  private void evict(KvCacheBlock block) {
    if (block.blockHash != null) {
      KvCacheBlock removed = cachedBlocks.remove(block.blockHash);
      assert removed == block : "prefix map pointed " + block.blockHash + " at " + removed + " not " + block;
      block.blockHash = null;
      numEvictions++;
    }
  }

  /** Free blocks from next-to-evict to last; for tests and diagnostics. */
  List<KvCacheBlock> freeQueueSnapshot() {
    return freeQueue.toList();
  }

  /** Checks the pool's invariants; O(numBlocks), for tests. */
  public void checkInvariants() {
    int free = 0;
    for (KvCacheBlock block : blocks) {
      if (block.refCount < 0) {
        throw new AssertionError("negative refCount: " + block);
      }
      boolean queued = freeQueue.contains(block);
      if (queued != (block.refCount == 0)) {
        throw new AssertionError("free queue membership disagrees with refCount: " + block);
      }
      if (queued) {
        free++;
      }
      if (block.blockHash != null && cachedBlocks.get(block.blockHash) != block) {
        throw new AssertionError("hashed block missing from the prefix map: " + block);
      }
    }
    if (free != freeQueue.size()) {
      throw new AssertionError("free queue size " + freeQueue.size() + " but " + free + " blocks have refCount 0");
    }
  }
}
