package dev.gantry.engine.kvcache;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Maps requests to KV cache blocks: finds a new request's longest cached prefix, allocates
 * slots for the tokens the scheduler is about to compute, registers full blocks in the prefix
 * cache, and frees a request's blocks. Out of blocks is an ordinary {@link Optional#empty()}
 * result: the scheduler decides whether to preempt.
 *
 * <p>A request's block table maps token position p to slot
 * {@code blockTable[p / blockSize] * blockSize + p % blockSize}:
 *
 * <pre>
 *   positions  0..15    16..31   32..40 (partial)
 *   blocks     [ b4 ]   [ b9 ]   [ b2 ........ ]   (b4, b9 full: hashed, shareable)
 * </pre>
 *
 * Not thread-safe: the engine thread is its only user.
 */
public final class KvCacheManager {
  private final BlockPool pool;
  private final int blockSize;
  private final Map<String, List<KvCacheBlock>> blocksByRequest = new HashMap<>();
  private final Map<String, List<BlockHash>> hashesByRequest = new HashMap<>();
  /** Leading blocks of each request already registered in the prefix cache. */
  private final Map<String, Integer> numCachedBlocksByRequest = new HashMap<>();
  private long prefixCacheQueries;
  private long prefixCacheHits;

  public KvCacheManager(BlockPool pool, int blockSize) {
    if (blockSize <= 0 || blockSize > 1024) {
      throw new IllegalArgumentException("blockSize must be within [1, 1024], got " + blockSize);
    }
    this.pool = pool;
    this.blockSize = blockSize;
  }

  public int blockSize() {
    return blockSize;
  }

  public BlockPool pool() {
    return pool;
  }

  /** Fraction of the pool held by requests. */
  public double usage() {
    return pool.usage();
  }

  /** Prompt tokens looked up in the prefix cache so far. */
  public long prefixCacheQueries() {
    return prefixCacheQueries;
  }

  /** Prompt tokens found in the prefix cache so far. */
  public long prefixCacheHits() {
    return prefixCacheHits;
  }

  /**
   * The longest run of leading full blocks of {@code sequence} already in the prefix cache. The
   * last token is never served from cache: the model must compute it to produce logits. The
   * lookup enters the hit/query statistics when {@link #allocateSlots} adopts it.
   */
  public ComputedBlocks computedBlocks(TokenSequence sequence) {
    if (!pool.prefixCachingEnabled()) {
      return ComputedBlocks.NONE;
    }
    List<BlockHash> hashes = blockHashes(sequence);
    int maxCachedBlocks = (sequence.numTokens() - 1) / blockSize;
    List<KvCacheBlock> hits = new ArrayList<>();
    for (int i = 0; i < Math.min(maxCachedBlocks, hashes.size()); i++) {
      KvCacheBlock block = pool.cachedBlock(hashes.get(i));
      if (block == null) {
        break;
      }
      hits.add(block);
    }
    int numComputedTokens = hits.size() * blockSize;
    return new ComputedBlocks(new KvCacheBlocks(hits), numComputedTokens);
  }

  /**
   * Gives {@code sequence} slots for {@code numNewTokens} more tokens after its
   * {@code numComputedTokens} computed ones, first adopting {@code newComputedBlocks} (a prefix
   * hit from {@link #computedBlocks}, only on a request's first allocation).
   *
   * @return the newly allocated blocks, or empty when the pool cannot supply them (nothing is
   *     changed then)
   */
  public Optional<KvCacheBlocks> allocateSlots(
      TokenSequence sequence, int numComputedTokens, int numNewTokens, ComputedBlocks newComputedBlocks) {
    if (numNewTokens < 0 || numComputedTokens < 0) {
      throw new IllegalArgumentException("token counts must be >= 0, got computed=" + numComputedTokens
          + " new=" + numNewTokens);
    }
    String id = sequence.requestId();
    List<KvCacheBlock> held = blocksByRequest.getOrDefault(id, List.of());
    List<KvCacheBlock> hits = newComputedBlocks.blocks().blocks();
    assert hits.isEmpty() || held.isEmpty() : "prefix hits are only adopted by a request's first allocation";
    int totalComputed = numComputedTokens + newComputedBlocks.numComputedTokens();
    int numRequiredBlocks = ceilDiv(totalComputed + numNewTokens, blockSize);
    int numBlocksToAllocate = Math.max(0, numRequiredBlocks - held.size() - hits.size());
    // Hits sitting in the free queue stop being allocatable once touched.
    int numEvictableHits = 0;
    for (KvCacheBlock block : hits) {
      if (block.refCount == 0) {
        numEvictableHits++;
      }
    }
    if (numBlocksToAllocate > pool.numFreeBlocks() - numEvictableHits) {
      return Optional.empty();
    }
    if (held.isEmpty() && numComputedTokens == 0 && pool.prefixCachingEnabled()) {
      prefixCacheQueries += sequence.numTokens();
      prefixCacheHits += newComputedBlocks.numComputedTokens();
    }
    List<KvCacheBlock> blocks = blocksByRequest.computeIfAbsent(id, k -> new ArrayList<>());
    pool.touch(hits);
    blocks.addAll(hits);
    List<KvCacheBlock> fresh = pool.allocate(numBlocksToAllocate);
    blocks.addAll(fresh);
    if (!hits.isEmpty()) {
      numCachedBlocksByRequest.put(id, hits.size()); // hits are registered already
    }
    return Optional.of(new KvCacheBlocks(fresh));
  }

  /**
   * Registers the request's full blocks among its first {@code numComputedTokens} positions in
   * the prefix cache. Called after the forward pass that wrote them: registering at allocation
   * time would let another request of the same step hit blocks whose K/V are not written yet.
   */
  public void cacheComputedBlocks(TokenSequence sequence, int numComputedTokens) {
    if (!pool.prefixCachingEnabled()) {
      return;
    }
    String id = sequence.requestId();
    List<KvCacheBlock> blocks = blocksByRequest.get(id);
    if (blocks == null) {
      return;
    }
    int numCached = numCachedBlocksByRequest.getOrDefault(id, 0);
    int numFullBlocks = Math.min(Math.min(numComputedTokens, sequence.numTokens()) / blockSize, blocks.size());
    if (numFullBlocks <= numCached) {
      return;
    }
    List<BlockHash> hashes = blockHashes(sequence);
    for (int i = numCached; i < numFullBlocks; i++) {
      pool.cacheFullBlock(blocks.get(i), hashes.get(i));
    }
    numCachedBlocksByRequest.put(id, numFullBlocks);
  }

  /**
   * Releases every block of the request. Blocks are freed tail first so that the free queue
   * evicts a sequence's last blocks (least likely to be shared) before its first ones.
   */
  public void free(String requestId) {
    List<KvCacheBlock> blocks = blocksByRequest.remove(requestId);
    numCachedBlocksByRequest.remove(requestId);
    if (blocks != null) {
      pool.free(blocks.reversed());
    }
  }

  /** Forgets the request's cached block hashes too; call when the request is gone for good. */
  public void forget(String requestId) {
    free(requestId);
    hashesByRequest.remove(requestId);
  }

  /** The request's block table: physical block ids in position order. */
  public int[] blockTable(String requestId) {
    List<KvCacheBlock> blocks = blocksByRequest.getOrDefault(requestId, List.of());
    int[] ids = new int[blocks.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = blocks.get(i).blockId();
    }
    return ids;
  }

  /** Number of blocks the request holds. */
  public int numBlocks(String requestId) {
    return blocksByRequest.getOrDefault(requestId, List.of()).size();
  }

  /** Number of requests holding blocks. */
  public int numRequests() {
    return blocksByRequest.size();
  }

  /** Hashes of every full block of the sequence's known tokens, extended incrementally. */
  private List<BlockHash> blockHashes(TokenSequence sequence) {
    List<BlockHash> hashes = hashesByRequest.computeIfAbsent(sequence.requestId(), k -> new ArrayList<>());
    int numFullBlocks = sequence.numTokens() / blockSize;
    while (hashes.size() < numFullBlocks) {
      BlockHash parent = hashes.isEmpty() ? BlockHash.ROOT : hashes.get(hashes.size() - 1);
      hashes.add(BlockHash.of(parent, sequence, hashes.size() * blockSize, blockSize, sequence.cacheSalt()));
    }
    return hashes;
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }
}
