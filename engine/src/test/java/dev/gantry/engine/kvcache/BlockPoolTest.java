package dev.gantry.engine.kvcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class BlockPoolTest {
  private static final BlockHash H1 = new BlockHash(1, 1);
  private static final BlockHash H2 = new BlockHash(2, 2);

  @Test
  void allocate_takesBlocksInIdOrderFromAFreshPool() {
    BlockPool pool = new BlockPool(4, true);
    List<KvCacheBlock> got = pool.allocate(3);
    assertThat(got).extracting(KvCacheBlock::blockId).containsExactly(0, 1, 2);
    assertThat(got).allMatch(b -> b.refCount() == 1);
    assertThat(pool.numFreeBlocks()).isEqualTo(1);
    assertThat(pool.usage()).isEqualTo(0.75);
    pool.checkInvariants();
  }

  @Test
  void allocate_whenMoreThanFreeRequested_throwsNamingCounts() {
    BlockPool pool = new BlockPool(2, false);
    assertThatThrownBy(() -> pool.allocate(3)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("asked for 3 blocks but only 2 are free");
  }

  @Test
  void free_appendsInGivenOrder_soTheFirstGivenIsEvictedFirst() {
    BlockPool pool = new BlockPool(4, false);
    List<KvCacheBlock> got = pool.allocate(4);
    pool.free(List.of(got.get(2), got.get(0), got.get(3), got.get(1)));
    assertThat(pool.freeQueueSnapshot()).extracting(KvCacheBlock::blockId).containsExactly(2, 0, 3, 1);
    assertThat(pool.allocate(1).get(0).blockId()).isEqualTo(2);
    pool.checkInvariants();
  }

  @Test
  void free_ofSharedBlock_keepsItHeldUntilLastReferenceDrops() {
    BlockPool pool = new BlockPool(2, true);
    KvCacheBlock block = pool.allocate(1).get(0);
    pool.touch(List.of(block));
    assertThat(block.refCount()).isEqualTo(2);
    pool.free(List.of(block));
    assertThat(pool.numFreeBlocks()).isEqualTo(1);
    pool.free(List.of(block));
    assertThat(block.refCount()).isZero();
    assertThat(pool.numFreeBlocks()).isEqualTo(2);
    pool.checkInvariants();
  }

  @Test
  void cachedFreeBlock_staysFindableUntilEvictedByAllocation() {
    BlockPool pool = new BlockPool(2, true);
    List<KvCacheBlock> got = pool.allocate(2);
    pool.cacheFullBlock(got.get(0), H1);
    pool.cacheFullBlock(got.get(1), H2);
    pool.free(List.of(got.get(1), got.get(0)));
    assertThat(pool.cachedBlock(H1)).isSameAs(got.get(0));

    // Touching a free cached block (a prefix hit) takes it out of the free queue in O(1).
    pool.touch(List.of(got.get(0)));
    assertThat(pool.numFreeBlocks()).isEqualTo(1);
    KvCacheBlock evicted = pool.allocate(1).get(0);
    assertThat(evicted).isSameAs(got.get(1));
    assertThat(pool.cachedBlock(H2)).isNull();
    assertThat(evicted.blockHash()).isNull();
    assertThat(pool.cachedBlock(H1)).isSameAs(got.get(0));
    assertThat(pool.numEvictions()).isEqualTo(1);
    pool.checkInvariants();
  }

  @Test
  void eviction_followsLeastRecentlyFreedOrder() {
    BlockPool pool = new BlockPool(3, true);
    List<KvCacheBlock> got = pool.allocate(3);
    BlockHash[] hashes = {new BlockHash(0, 10), new BlockHash(0, 11), new BlockHash(0, 12)};
    for (int i = 0; i < 3; i++) {
      pool.cacheFullBlock(got.get(i), hashes[i]);
    }
    pool.free(List.of(got.get(1)));
    pool.free(List.of(got.get(2)));
    pool.free(List.of(got.get(0)));
    pool.allocate(1);
    assertThat(pool.cachedBlock(hashes[1])).isNull();
    assertThat(pool.cachedBlock(hashes[2])).isNotNull();
    pool.allocate(1);
    assertThat(pool.cachedBlock(hashes[2])).isNull();
    assertThat(pool.cachedBlock(hashes[0])).isNotNull();
  }

  @Test
  void cacheFullBlock_whenHashAlreadyCached_leavesDuplicateUnregistered() {
    BlockPool pool = new BlockPool(2, true);
    List<KvCacheBlock> got = pool.allocate(2);
    pool.cacheFullBlock(got.get(0), H1);
    pool.cacheFullBlock(got.get(1), H1);
    assertThat(pool.cachedBlock(H1)).isSameAs(got.get(0));
    assertThat(got.get(1).blockHash()).isNull();
    pool.free(got);
    pool.checkInvariants();
  }

  @Test
  void cachedBlock_whenCachingDisabled_alwaysMisses() {
    BlockPool pool = new BlockPool(1, false);
    KvCacheBlock block = pool.allocate(1).get(0);
    pool.cacheFullBlock(block, H1);
    assertThat(pool.cachedBlock(H1)).isNull();
  }

  @Test
  void resetPrefixCache_forgetsFreeBlocksButNotHeldOnes() {
    BlockPool pool = new BlockPool(2, true);
    List<KvCacheBlock> got = pool.allocate(2);
    pool.cacheFullBlock(got.get(0), H1);
    pool.cacheFullBlock(got.get(1), H2);
    pool.free(List.of(got.get(0)));
    pool.resetPrefixCache();
    assertThat(pool.cachedBlock(H1)).isNull();
    assertThat(pool.cachedBlock(H2)).isSameAs(got.get(1));
    pool.checkInvariants();
  }

  @Test
  void numBlocksForBudget_dividesBudgetByBlockBytes() {
    assertThat(BlockPool.numBlocksForBudget(10_000, 1_000)).isEqualTo(10);
    assertThat(BlockPool.numBlocksForBudget(10_999, 1_000)).isEqualTo(10);
  }

  @Test
  void numBlocksForBudget_whenNoBlockFits_explainsTheFix() {
    assertThatThrownBy(() -> BlockPool.numBlocksForBudget(999, 1_000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("999 bytes").hasMessageContaining("1000 bytes").hasMessageContaining("kvCacheBytes");
  }

  @Test
  void constructor_whenNoBlocks_rejects() {
    assertThatThrownBy(() -> new BlockPool(0, true)).hasMessageContaining("numBlocks must be positive, got 0");
  }
}
