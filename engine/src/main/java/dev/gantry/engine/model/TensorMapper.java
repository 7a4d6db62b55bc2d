package dev.gantry.engine.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/** Memory-maps one tensor's bytes from a file into {@link WeightTensor} chunks of whole rows. */
final class TensorMapper {
  /** A chunk stays at or under 1 GiB so int offsets inside it never overflow. */
  static final long MAX_CHUNK_BYTES = 1L << 30;

  private TensorMapper() {}

  static WeightTensor map(FileChannel channel, Path file, long fileSize, String name, DType dtype,
      int rows, int cols, long offset) throws IOException {
    long rowBytes;
    try {
      rowBytes = dtype.bytesFor(cols);
    } catch (IllegalArgumentException e) {
      throw new ModelLoadException(file, "tensor '" + name + "': row of " + cols + " weights: " + e.getMessage());
    }
    long total = rowBytes * rows;
    if (offset < 0 || offset + total > fileSize) {
      throw new ModelLoadException(file, "tensor '" + name + "' needs " + total + " bytes at offset " + offset
          + " but the file ends at " + fileSize + " (truncated or corrupt file?)");
    }
    if (rowBytes > MAX_CHUNK_BYTES) {
      throw new ModelLoadException(file, "tensor '" + name + "' has rows of " + rowBytes + " bytes; at most "
          + MAX_CHUNK_BYTES + " are supported");
    }
    int rowsPerChunk = (int) Math.max(1, Math.min(rows, MAX_CHUNK_BYTES / rowBytes));
    int numChunks = (rows + rowsPerChunk - 1) / rowsPerChunk;
    if (rows == 0) {
      return new WeightTensor(name, dtype, 0, cols, 1, new ByteBuffer[0]);
    }
    ByteBuffer[] chunks = new ByteBuffer[numChunks];
    for (int c = 0; c < numChunks; c++) {
      int firstRow = c * rowsPerChunk;
      int n = Math.min(rowsPerChunk, rows - firstRow);
      chunks[c] = channel.map(FileChannel.MapMode.READ_ONLY, offset + firstRow * rowBytes, n * rowBytes);
    }
    return new WeightTensor(name, dtype, rows, cols, rowsPerChunk, chunks);
  }
}
