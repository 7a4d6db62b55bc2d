package dev.gantry.engine.kvcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class KvCacheManagerTest {
  private static final int BS = 4;

  private static KvCacheManager manager(int numBlocks, boolean caching) {
    return new KvCacheManager(new BlockPool(numBlocks, caching), BS);
  }

  @Test
  void allocateSlots_allocatesCeilOfTokensOverBlockSize() {
    KvCacheManager m = manager(10, false);
    Tokens seq = Tokens.range("a", 0, 9);
    Optional<KvCacheBlocks> got = m.allocateSlots(seq, 0, 9, ComputedBlocks.NONE);
    assertThat(got).get().extracting(KvCacheBlocks::size).isEqualTo(3);
    assertThat(m.blockTable("a")).containsExactly(0, 1, 2);
    // Token 10 still fits in the third block (slots 8..11): no new block.
    seq.append(100);
    assertThat(m.allocateSlots(seq, 9, 1, ComputedBlocks.NONE)).get().extracting(KvCacheBlocks::size).isEqualTo(0);
    // Tokens 13..: a fourth block.
    assertThat(m.allocateSlots(seq, 10, 3, ComputedBlocks.NONE)).get().extracting(KvCacheBlocks::size).isEqualTo(1);
    assertThat(m.numBlocks("a")).isEqualTo(4);
  }

  @Test
  void allocateSlots_whenPoolExhausted_returnsEmptyAndChangesNothing() {
    KvCacheManager m = manager(2, false);
    assertThat(m.allocateSlots(Tokens.range("a", 0, 8), 0, 8, ComputedBlocks.NONE)).isPresent();
    assertThat(m.allocateSlots(Tokens.range("b", 0, 1), 0, 1, ComputedBlocks.NONE)).isEmpty();
    assertThat(m.numBlocks("b")).isZero();
    assertThat(m.pool().numFreeBlocks()).isZero();
    m.free("a");
    assertThat(m.allocateSlots(Tokens.range("b", 0, 1), 0, 1, ComputedBlocks.NONE)).isPresent();
    m.pool().checkInvariants();
  }

  @Test
  void free_returnsBlocksTailFirst_soASequenceTailIsEvictedBeforeItsHead() {
    KvCacheManager m = manager(3, true);
    Tokens seq = Tokens.range("a", 0, 12);
    m.allocateSlots(seq, 0, 12, ComputedBlocks.NONE);
    m.cacheComputedBlocks(seq, 12);
    m.free("a");
    assertThat(m.pool().freeQueueSnapshot()).extracting(KvCacheBlock::blockId).containsExactly(2, 1, 0);
    m.pool().checkInvariants();
  }

  @Test
  void computedBlocks_reusesSharedFullPrefixBlocksAndCountsHits() {
    KvCacheManager m = manager(10, true);
    Tokens first = Tokens.range("a", 0, 10); // blocks [0..3] [4..7] + partial
    m.allocateSlots(first, 0, 10, m.computedBlocks(first));
    m.cacheComputedBlocks(first, 10);

    Tokens second = Tokens.range("b", 0, 9); // same first 8 tokens
    ComputedBlocks hit = m.computedBlocks(second);
    assertThat(hit.numComputedTokens()).isEqualTo(8);
    assertThat(hit.blocks().blockIds()).containsExactly(m.blockTable("a")[0], m.blockTable("a")[1]);
    m.allocateSlots(second, 0, 1, hit);
    assertThat(m.blockTable("b")).startsWith(m.blockTable("a")[0], m.blockTable("a")[1]).hasSize(3);
    assertThat(m.pool().block(m.blockTable("a")[0]).refCount()).isEqualTo(2);
    assertThat(m.prefixCacheQueries()).isEqualTo(10 + 9);
    assertThat(m.prefixCacheHits()).isEqualTo(8);
    m.free("a");
    m.free("b");
    m.pool().checkInvariants();
  }

  @Test
  void computedBlocks_neverServesTheLastToken() {
    KvCacheManager m = manager(10, true);
    Tokens first = Tokens.range("a", 0, 8);
    m.allocateSlots(first, 0, 8, ComputedBlocks.NONE);
    m.cacheComputedBlocks(first, 8);
    // Identical 8-token prompt: only the first block may be reused, the last token is recomputed.
    assertThat(m.computedBlocks(Tokens.range("b", 0, 8)).numComputedTokens()).isEqualTo(4);
  }

  @Test
  void computedBlocks_isChained_soEqualBlockAfterDifferentPrefixMisses() {
    KvCacheManager m = manager(10, true);
    Tokens first = new Tokens("a", null, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    m.allocateSlots(first, 0, 9, ComputedBlocks.NONE);
    m.cacheComputedBlocks(first, 9);
    // Second block equal (5..8) but first block differs: no hit at all.
    assertThat(m.computedBlocks(new Tokens("b", null, 0, 2, 3, 4, 5, 6, 7, 8, 9)).numComputedTokens()).isZero();
  }

  @Test
  void computedBlocks_withDifferentCacheSalt_misses() {
    KvCacheManager m = manager(10, true);
    Tokens first = new Tokens("a", "tenant-1", 1, 2, 3, 4, 5);
    m.allocateSlots(first, 0, 5, ComputedBlocks.NONE);
    m.cacheComputedBlocks(first, 5);
    assertThat(m.computedBlocks(new Tokens("b", "tenant-2", 1, 2, 3, 4, 5)).numComputedTokens()).isZero();
    assertThat(m.computedBlocks(new Tokens("c", "tenant-1", 1, 2, 3, 4, 5)).numComputedTokens()).isEqualTo(4);
  }

  @Test
  void computedBlocks_beforeBlocksAreMarkedComputed_misses() {
    KvCacheManager m = manager(10, true);
    Tokens first = Tokens.range("a", 0, 9);
    m.allocateSlots(first, 0, 9, ComputedBlocks.NONE);
    // Not yet computed by a forward pass: another request must not read these blocks.
    assertThat(m.computedBlocks(Tokens.range("b", 0, 9)).numComputedTokens()).isZero();
  }

  @Test
  void allocateSlots_countsFreeCachedHitsAsUnavailable() {
    KvCacheManager m = manager(3, true);
    Tokens first = Tokens.range("a", 0, 8);
    m.allocateSlots(first, 0, 8, ComputedBlocks.NONE);
    m.cacheComputedBlocks(first, 8);
    m.free("a"); // both blocks free but cached
    Tokens second = Tokens.range("b", 0, 16);
    ComputedBlocks hit = m.computedBlocks(second); // 2 blocks hit, 2 more needed, only 1 free besides hits
    assertThat(hit.blocks().size()).isEqualTo(2);
    assertThat(m.allocateSlots(second, 0, 8, hit)).isEmpty();
    assertThat(m.pool().numFreeBlocks()).isEqualTo(3);
    m.pool().checkInvariants();
    assertThat(m.allocateSlots(second, 0, 4, hit)).isPresent();
    assertThat(m.pool().numFreeBlocks()).isZero();
  }

  @Test
  void constructor_whenBlockSizeOutOfRange_rejects() {
    assertThatThrownBy(() -> new KvCacheManager(new BlockPool(1, false), 0)).hasMessageContaining("blockSize must be within [1, 1024], got 0");
  }
}
