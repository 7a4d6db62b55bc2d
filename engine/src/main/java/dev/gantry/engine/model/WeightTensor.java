package dev.gantry.engine.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * A weight matrix of {@code rows x cols} (row-major, a row is {@code cols} contiguous
 * weights of {@link #dtype()}) held in memory-mapped chunks of whole rows. Vectors are
 * matrices of one row. Nothing is copied onto the heap: kernels copy one row at a time
 * into a small per-thread scratch buffer and dequantize it there.
 *
 * <pre>
 *   chunks[0]: rows 0 .. rowsPerChunk-1      each row = rowBytes bytes
 *   chunks[1]: rows rowsPerChunk .. 2*rowsPerChunk-1
 *   ...                                      (a chunk stays under 1 GiB: ByteBuffer is int-indexed)
 * </pre>
 */
public final class WeightTensor {
  private final String name;
  private final DType dtype;
  private final int rows;
  private final int cols;
  private final long rowBytes;
  private final int rowsPerChunk;
  private final ByteBuffer[] chunks;
  private final FloatBuffer[] floatViews; // F32 only: the chunks seen as floats, for bulk copies

  public WeightTensor(String name, DType dtype, int rows, int cols, int rowsPerChunk, ByteBuffer[] chunks) {
    this.name = name;
    this.dtype = dtype;
    this.rows = rows;
    this.cols = cols;
    this.rowBytes = dtype.bytesFor(cols);
    this.rowsPerChunk = rowsPerChunk;
    this.chunks = chunks.clone();
    for (int i = 0; i < this.chunks.length; i++) {
      this.chunks[i] = this.chunks[i].duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }
    this.floatViews = new FloatBuffer[this.chunks.length];
    if (dtype == DType.F32) {
      for (int i = 0; i < this.chunks.length; i++) {
        floatViews[i] = this.chunks[i].asFloatBuffer();
      }
    }
    long expectedChunks = (rows + (long) rowsPerChunk - 1) / rowsPerChunk;
    if (chunks.length != expectedChunks) {
      throw new IllegalArgumentException(name + ": " + chunks.length + " chunks for " + rows + " rows of "
          + rowsPerChunk + " per chunk");
    }
  }

  /** Wraps a heap buffer (tests, small tensors). */
  public static WeightTensor ofBuffer(String name, DType dtype, int rows, int cols, ByteBuffer data) {
    return new WeightTensor(name, dtype, rows, cols, Math.max(rows, 1), new ByteBuffer[] {data});
  }

  public String name() {
    return name;
  }

  public DType dtype() {
    return dtype;
  }

  public int rows() {
    return rows;
  }

  public int cols() {
    return cols;
  }

  /** Bytes of one row. */
  public int rowBytes() {
    return (int) rowBytes;
  }

  /** Bytes of the whole tensor. */
  public long byteSize() {
    return rowBytes * rows;
  }

  /** The little-endian buffer holding {@code row}; use with {@link #rowOffset(int)}. Shared: use absolute gets only. */
  public ByteBuffer chunkOf(int row) {
    return chunks[row / rowsPerChunk];
  }

  /** Byte offset of {@code row} within {@link #chunkOf(int)}. */
  public int rowOffset(int row) {
    return (int) ((row % rowsPerChunk) * rowBytes);
  }

  /** Copies the raw bytes of {@code row} into {@code dst[0..rowBytes)}. */
  public void copyRowBytes(int row, byte[] dst) {
    chunkOf(row).get(rowOffset(row), dst, 0, (int) rowBytes);
  }

  /** F32 tensors only: copies {@code row} into {@code dst[off .. off+cols)} in one bulk copy. */
  public void copyRowFloats(int row, float[] dst, int off) {
    if (dtype != DType.F32) {
      throw new IllegalStateException(name + " is " + dtype + ", not F32");
    }
    floatViews[row / rowsPerChunk].get(rowOffset(row) / Float.BYTES, dst, off, cols);
  }

  /** Dequantizes {@code row} into {@code dst[off .. off+cols)} with the scalar reference decoders. */
  public void dequantizeRow(int row, float[] dst, int off) {
    ByteBuffer buf = chunkOf(row);
    int base = rowOffset(row);
    switch (dtype) {
      case F32 -> {
        for (int i = 0; i < cols; i++) {
          dst[off + i] = buf.getFloat(base + 4 * i);
        }
      }
      case F16 -> {
        for (int i = 0; i < cols; i++) {
          dst[off + i] = Float.float16ToFloat(buf.getShort(base + 2 * i));
        }
      }
      case BF16 -> {
        for (int i = 0; i < cols; i++) {
          dst[off + i] = Float.intBitsToFloat((buf.getShort(base + 2 * i) & 0xFFFF) << 16);
        }
      }
      case Q8_0 -> {
        for (int b = 0; b < cols / 32; b++) {
          int p = base + b * 34;
          float d = Float.float16ToFloat(buf.getShort(p));
          for (int j = 0; j < 32; j++) {
            dst[off + b * 32 + j] = d * buf.get(p + 2 + j);
          }
        }
      }
      case Q4_0 -> {
        for (int b = 0; b < cols / 32; b++) {
          int p = base + b * 18;
          float d = Float.float16ToFloat(buf.getShort(p));
          for (int j = 0; j < 16; j++) {
            int q = buf.get(p + 2 + j) & 0xFF;
            dst[off + b * 32 + j] = d * ((q & 0x0F) - 8);
            dst[off + b * 32 + j + 16] = d * ((q >>> 4) - 8);
          }
        }
      }
      case Q4_K, Q6_K -> {
        byte[] bytes = new byte[(int) rowBytes];
        buf.get(base, bytes, 0, bytes.length);
        if (dtype == DType.Q4_K) {
          KQuants.decodeQ4K(bytes, 0, dst, off, cols);
        } else {
          KQuants.decodeQ6K(bytes, 0, dst, off, cols);
        }
      }
    }
  }

  /** Largest chunk {@link #convertTo} allocates: ByteBuffers are int-indexed. */
  private static final long MAX_CHUNK_BYTES = 1L << 30;

  /**
   * This tensor in {@code target} (F32, F16, BF16, or Q8_0/Q4_0 with ggml's reference
   * quantizer), in new off-heap buffers, row by row; {@code this} when it already is. F16 and
   * BF16 round to nearest even. Only non-quantized tensors convert: quantized ones keep their
   * blocks (see {@link WeightDtype}).
   *
   * @throws IllegalArgumentException when this tensor is quantized, the target is a k-quant, or
   *     a row of a Q8_0/Q4_0 target is not a whole number of 32-weight blocks
   * @throws OutOfMemoryError when the off-heap buffers exceed {@code -XX:MaxDirectMemorySize}
   */
  public WeightTensor convertTo(DType target) {
    if (target == dtype) {
      return this;
    }
    if (dtype.isQuantized() || target == DType.Q4_K || target == DType.Q6_K) {
      throw new IllegalArgumentException(name + ": only F32, F16 and BF16 tensors convert, to F32, F16, BF16, Q8_0 or "
          + "Q4_0; not " + dtype + " to " + target);
    }
    if (cols % target.blockSize() != 0) {
      throw new IllegalArgumentException(name + ": rows of " + cols + " weights are not whole " + target + " blocks of "
          + target.blockSize());
    }
    long targetRowBytes = target.bytesFor(cols);
    int perChunk = (int) Math.max(1, Math.min(rows, MAX_CHUNK_BYTES / Math.max(1, targetRowBytes)));
    ByteBuffer[] out = new ByteBuffer[(rows + perChunk - 1) / perChunk];
    float[] row = new float[cols];
    for (int c = 0; c < out.length; c++) {
      int first = c * perChunk;
      int n = Math.min(perChunk, rows - first);
      ByteBuffer chunk = ByteBuffer.allocateDirect((int) (n * targetRowBytes)).order(ByteOrder.LITTLE_ENDIAN);
      for (int r = first; r < first + n; r++) {
        dequantizeRow(r, row, 0);
        if (target.isQuantized()) {
          chunk.put(GgufQuantizer.encode(target, row, cols));
          continue;
        }
        for (float v : row) {
          switch (target) {
            case F32 -> chunk.putFloat(v);
            case F16 -> chunk.putShort(Float.floatToFloat16(v));
            case BF16 -> chunk.putShort(toBfloat16(v));
            default -> throw new AssertionError(target);
          }
        }
      }
      out[c] = chunk.flip();
    }
    return new WeightTensor(name, target, rows, cols, perChunk, out);
  }

  /** The bfloat16 nearest to {@code v} (ties to even), as PyTorch's {@code .to(torch.bfloat16)} rounds; NaN stays NaN. */
  static short toBfloat16(float v) {
    int bits = Float.floatToRawIntBits(v);
    if (Float.isNaN(v)) {
      return (short) ((bits >>> 16) | 0x0040); // keep sign and exponent, force a quiet NaN
    }
    return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
  }

  /** The whole tensor dequantized to floats, row after row (for norms and biases, which are small). */
  public float[] toFloatArray() {
    long n = (long) rows * cols;
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException(name + " has " + n + " elements, too many for a float[]");
    }
    float[] out = new float[(int) n];
    for (int r = 0; r < rows; r++) {
      dequantizeRow(r, out, r * cols);
    }
    return out;
  }

  @Override
  public String toString() {
    return name + Arrays.toString(new int[] {rows, cols}) + " " + dtype;
  }
}
