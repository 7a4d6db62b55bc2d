package dev.gantry.engine.kvcache;

import java.util.ArrayList;
import java.util.List;

/**
 * The pool's free blocks in eviction order: a doubly linked list threaded through the blocks
 * themselves (as vLLM's {@code FreeKVCacheBlockQueue}), so that taking a block out of the middle
 * — a prefix-cache hit on a free block — is O(1), as are popping the head and appending.
 *
 * <pre>
 *   head (sentinel) ⇄ b7 ⇄ b3 ⇄ b9 ⇄ ... ⇄ tail (sentinel)
 *                    ^ evicted first            ^ freed last
 * </pre>
 */
final class FreeBlockQueue {
  private final KvCacheBlock head = new KvCacheBlock(-1);
  private final KvCacheBlock tail = new KvCacheBlock(-1);
  private int size;

  FreeBlockQueue(List<KvCacheBlock> blocks) {
    head.nextFree = tail;
    tail.prevFree = head;
    for (KvCacheBlock block : blocks) {
      append(block);
    }
  }

  int size() {
    return size;
  }

  /** Removes and returns the least recently freed block. */
  KvCacheBlock popFirst() {
    if (size == 0) {
      throw new IllegalStateException("no free KV cache blocks left; check numFreeBlocks() before allocating");
    }
    KvCacheBlock first = head.nextFree;
    remove(first);
    return first;
  }

  /** Unlinks a block from anywhere in the queue. */
  void remove(KvCacheBlock block) {
    assert block.prevFree != null && block.nextFree != null : "block " + block.blockId() + " is not in the free queue";
    block.prevFree.nextFree = block.nextFree;
    block.nextFree.prevFree = block.prevFree;
    block.prevFree = null;
    block.nextFree = null;
    size--;
  }

  /** Appends a block at the tail: it will be evicted after every block already queued. */
  void append(KvCacheBlock block) {
    assert block.prevFree == null && block.nextFree == null : "block " + block.blockId() + " is already free";
    KvCacheBlock last = tail.prevFree;
    last.nextFree = block;
    block.prevFree = last;
    block.nextFree = tail;
    tail.prevFree = block;
    size++;
  }

  boolean contains(KvCacheBlock block) {
    return block.prevFree != null;
  }

  /** The queued blocks from head (next to evict) to tail; for tests and diagnostics. */
  List<KvCacheBlock> toList() {
    List<KvCacheBlock> list = new ArrayList<>(size);
    for (KvCacheBlock b = head.nextFree; b != tail; b = b.nextFree) {
      list.add(b);
    }
    return list;
  }
}
