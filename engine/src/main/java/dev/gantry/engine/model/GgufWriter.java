package dev.gantry.engine.model;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal GGUF v3 writer: key/values, tensor infos (dims innermost first), and tensor data
 * aligned to 32 bytes. Tensor data is not held here: each tensor comes with a {@link Body}
 * that writes its bytes when {@link #write} reaches it, so a caller can generate a large
 * model block by block (the bench) or hand over ready byte arrays (the test fixtures).
 */
public final class GgufWriter {
  private static final int ALIGNMENT = 32;

  /** Writes one tensor's data, exactly the byte count declared with it. */
  @FunctionalInterface
  public interface Body {
    void writeTo(OutputStream out) throws IOException;
  }

  /** Told after each tensor: padded data bytes written so far and in all. */
  @FunctionalInterface
  public interface Progress {
    void written(long bytes, long totalBytes);
  }

  private record Tensor(String name, int rows, int cols, boolean isVector, int ggmlType, long bytes, Body body) {}

  private final ByteBuffer kv = ByteBuffer.allocate(1 << 24).order(ByteOrder.LITTLE_ENDIAN);
  private int kvCount;
  private final List<Tensor> tensors = new ArrayList<>();

  public void put(String key, String value) {
    key(key, 8);
    string(value);
  }

  public void putU32(String key, int value) {
    key(key, 4);
    kv.putInt(value);
  }

  public void putF32(String key, float value) {
    key(key, 6);
    kv.putFloat(value);
  }

  public void putStrings(String key, List<String> values) {
    key(key, 9);
    kv.putInt(8).putLong(values.size());
    values.forEach(this::string);
  }

  public void putI32s(String key, List<Integer> values) {
    key(key, 9);
    kv.putInt(5).putLong(values.size());
    values.forEach(kv::putInt);
  }

  /**
   * Writes the hyperparameter keys llama.cpp reads for {@code arch} ({@code llama} or
   * {@code qwen2}): context, embedding and feed-forward lengths, block count, head counts,
   * RoPE dimension and base, RMS-norm epsilon and vocabulary size, in that order.
   */
  public void putHyperparameters(String arch, ModelConfig config) {
    putU32(arch + ".context_length", config.maxPositionEmbeddings());
    putU32(arch + ".embedding_length", config.hiddenSize());
    putU32(arch + ".feed_forward_length", config.intermediateSize());
    putU32(arch + ".block_count", config.numLayers());
    putU32(arch + ".attention.head_count", config.numHeads());
    putU32(arch + ".attention.head_count_kv", config.numKvHeads());
    putU32(arch + ".rope.dimension_count", config.headDim());
    putF32(arch + ".rope.freq_base", (float) config.ropeTheta());
    putF32(arch + ".attention.layer_norm_rms_epsilon", (float) config.rmsNormEps());
    putU32(arch + ".vocab_size", config.vocabSize());
  }

  /** Adds a tensor of (rows, cols) (ne = [cols, rows], or [cols] for a vector). */
  public void tensor(String name, int rows, int cols, boolean isVector, DType dtype, byte[] bytes) {
    tensor(name, rows, cols, isVector, dtype.ggmlType(), bytes);
  }

  /** Adds a tensor with a raw ggml type id (tests of unsupported types). */
  public void tensor(String name, int rows, int cols, boolean isVector, int ggmlType, byte[] bytes) {
    tensor(name, rows, cols, isVector, ggmlType, bytes.length, out -> out.write(bytes));
  }

  /** Adds a tensor whose {@code bytes} of data {@code body} writes when the file is written. */
  public void tensor(String name, int rows, int cols, boolean isVector, int ggmlType, long bytes, Body body) {
    tensors.add(new Tensor(name, rows, cols, isVector, ggmlType, bytes, body));
  }

  public void write(Path file) throws IOException {
    write(file, (bytes, total) -> {});
  }

  /** Writes the file, tensors in the order they were added. */
  public void write(Path file, Progress progress) throws IOException {
    int infoBytes = 0;
    for (Tensor t : tensors) {
      infoBytes += 8 + t.name().getBytes(StandardCharsets.UTF_8).length + 4 + 8 + (t.isVector() ? 0 : 8) + 4 + 8;
    }
    ByteBuffer head = ByteBuffer.allocate(24 + kv.position() + infoBytes).order(ByteOrder.LITTLE_ENDIAN);
    head.put("GGUF".getBytes(StandardCharsets.US_ASCII)).putInt(3).putLong(tensors.size()).putLong(kvCount);
    head.put(kv.array(), 0, kv.position());
    long offset = 0;
    for (Tensor t : tensors) {
      byte[] name = t.name().getBytes(StandardCharsets.UTF_8);
      head.putLong(name.length).put(name);
      head.putInt(t.isVector() ? 1 : 2).putLong(t.cols());
      if (!t.isVector()) {
        head.putLong(t.rows());
      }
      head.putInt(t.ggmlType()).putLong(offset);
      offset += align(t.bytes());
    }
    long total = offset;
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
      out.write(head.array(), 0, head.position());
      out.write(new byte[(int) (align(head.position()) - head.position())]);
      long written = 0;
      for (Tensor t : tensors) {
        Counting counted = new Counting(out);
        t.body().writeTo(counted);
        if (counted.count != t.bytes()) {
          throw new IllegalStateException("tensor " + t.name() + " declared " + t.bytes() + " bytes but wrote "
              + counted.count + "; declare the size its body writes");
        }
        out.write(new byte[(int) (align(t.bytes()) - t.bytes())]);
        written += align(t.bytes());
        progress.written(written, total);
      }
    }
  }

  private static long align(long n) {
    return (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
  }

  private void key(String key, int type) {
    kvCount++;
    string(key);
    kv.putInt(type);
  }

  private void string(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    kv.putLong(b.length).put(b);
  }

  /** Counts what a body writes; does not close the file's stream. */
  private static final class Counting extends FilterOutputStream {
    long count;

    Counting(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }

    @Override
    public void close() {}
  }
}
