package dev.gantry.engine.kvcache;

/**
 * One physical block of the paged KV cache: {@code blockSize} token slots of K and V in every
 * layer. The pool owns every block for the engine's lifetime; requests borrow blocks by
 * reference count. A block whose count drops to zero sits in the {@link FreeBlockQueue} and
 * keeps its {@link BlockHash} (its contents stay valid) until it is evicted for reuse, which is
 * what makes prefix caching work across requests that never overlap in time.
 *
 * <p>Mutable state is package-private: only {@link BlockPool} changes it, on the engine thread.
 */
public final class KvCacheBlock {
  private final int blockId;
  int refCount;
  /** Set once the block is full and registered in the prefix cache; null otherwise. */
  BlockHash blockHash;
  // Links of the doubly linked free queue; both null while the block is not in it.
  KvCacheBlock prevFree;
  KvCacheBlock nextFree;

  KvCacheBlock(int blockId) {
    this.blockId = blockId;
  }

  /** Index of this block in the physical KV cache (what a block table holds). */
  public int blockId() {
    return blockId;
  }

  /** Number of requests currently holding this block. */
  public int refCount() {
    return refCount;
  }

  /** The prefix-cache hash of this block's contents, or null when it is not cached. */
  public BlockHash blockHash() {
    return blockHash;
  }

  @Override
  public String toString() {
    return "KvCacheBlock[id=" + blockId + ", refCount=" + refCount + ", cached=" + (blockHash != null) + "]";
  }
}
