package dev.gantry.engine.model;

/**
 * Element types of weight tensors. Quantized types are stored in blocks along a row:
 * <pre>
 *   Q8_0 block (34 bytes, 32 weights):  | f16 scale d | 32 x int8 q |            w = d * q
 *   Q4_0 block (18 bytes, 32 weights):  | f16 scale d | 16 bytes: lo nibbles = w[0..15],
 *                                                      hi nibbles = w[16..31] |   w = d * (nibble - 8)
 * </pre>
 * The k-quants of llama.cpp's Q4_K_M / Q6_K files use super-blocks of 256 weights:
 * <pre>
 *   Q4_K (144 bytes): | f16 d | f16 dmin | 12 bytes: 8 x (6-bit scale, 6-bit min) | 128 bytes nibbles |
 *                     sub-block j (32 weights): w = d * scale_j * q - dmin * min_j
 *   Q6_K (210 bytes): | 128 bytes low nibbles | 64 bytes 2-bit highs | 16 x int8 scale | f16 d |
 *                     sub-block j (16 weights): w = d * scale_j * (q - 32)
 * </pre>
 * (the layouts of ggml's {@code block_q8_0}, {@code block_q4_0}, {@code block_q4_K},
 * {@code block_q6_K}).
 */
public enum DType {
  F32(1, 4, 0),
  F16(1, 2, 1),
  BF16(1, 2, 30),
  Q8_0(32, 34, 8),
  Q4_0(32, 18, 2),
  Q4_K(256, 144, 12),
  Q6_K(256, 210, 14);

  private final int blockSize;
  private final int bytesPerBlock;
  private final int ggmlType;

  DType(int blockSize, int bytesPerBlock, int ggmlType) {
    this.blockSize = blockSize;
    this.bytesPerBlock = bytesPerBlock;
    this.ggmlType = ggmlType;
  }

  /** Weights per block (1 for plain floats). */
  public int blockSize() {
    return blockSize;
  }

  /** Bytes per block. */
  public int bytesPerBlock() {
    return bytesPerBlock;
  }

  /** The {@code ggml_type} id used in GGUF tensor infos. */
  public int ggmlType() {
    return ggmlType;
  }

  public boolean isQuantized() {
    return blockSize > 1;
  }

  /** Bytes of {@code numElements} weights; {@code numElements} must be a multiple of the block size. */
  public long bytesFor(long numElements) {
    if (numElements % blockSize != 0) {
      throw new IllegalArgumentException(this + " stores weights in blocks of " + blockSize
          + "; " + numElements + " is not a multiple");
    }
    return numElements / blockSize * bytesPerBlock;
  }

  /** The type for a GGUF {@code ggml_type} id, or null if unsupported. */
  public static DType fromGgml(int ggmlType) {
    for (DType t : values()) {
      if (t.ggmlType == ggmlType) {
        return t;
      }
    }
    return null;
  }

  /** The type for a safetensors dtype string, or null if unsupported. */
  public static DType fromSafetensors(String dtype) {
    return switch (dtype) {
      case "F32" -> F32;
      case "F16" -> F16;
      case "BF16" -> BF16;
      default -> null;
    };
  }
}
