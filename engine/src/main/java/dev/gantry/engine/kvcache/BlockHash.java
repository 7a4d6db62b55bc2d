package dev.gantry.engine.kvcache;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Identity of a full block's contents for prefix caching: a 128-bit digest chained over the
 * whole prefix, {@code H(parentHash, tokenIds of this block, extraKey)}. Chaining means two
 * blocks with equal tokens but different prefixes get different hashes, so a hit on block i
 * implies the whole prefix 0..i matches. The digest is SHA-256 truncated to 128 bits: a
 * collision would silently reuse the wrong K/V, so a fast non-cryptographic hash is not used.
 *
 * @param high first 64 bits of the digest
 * @param low next 64 bits of the digest
 */
public record BlockHash(long high, long low) {
  /** Parent hash of the first block of every sequence. */
  public static final BlockHash ROOT = new BlockHash(0L, 0L);

  /**
   * Hashes one full block.
   *
   * @param parent hash of the previous block, {@link #ROOT} for the first block
   * @param tokenIds all token ids of the sequence
   * @param from index of this block's first token in {@code tokenIds}
   * @param blockSize tokens per block
   * @param extraKey anything else the K/V depends on (e.g. a cache salt), or null
   */
  public static BlockHash of(BlockHash parent, TokenSequence tokenIds, int from, int blockSize, String extraKey) {
    MessageDigest sha = sha256();
    ByteBuffer buf = ByteBuffer.allocate(16 + 4 * blockSize + 4);
    buf.putLong(parent.high).putLong(parent.low);
    for (int i = 0; i < blockSize; i++) {
      buf.putInt(tokenIds.tokenAt(from + i));
    }
    buf.putInt(extraKey == null ? -1 : extraKey.length());
    sha.update(buf.array(), 0, buf.position());
    if (extraKey != null) {
      sha.update(extraKey.getBytes(StandardCharsets.UTF_8));
    }
    ByteBuffer digest = ByteBuffer.wrap(sha.digest());
    return new BlockHash(digest.getLong(), digest.getLong());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }
}
