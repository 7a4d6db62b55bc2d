package dev.gantry.engine.bench;

import dev.gantry.engine.model.DType;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleConsumer;

/**
 * Writes a Llama-shaped GGUF v3 file with random weights, streaming: each tensor is generated,
 * quantized and written row block by row block, so a model of hundreds of millions of
 * parameters never sits on the heap. The test tree's {@code TestModels} keeps every tensor and
 * its dense copy in memory for the reference forward, which suits 100k-parameter test models,
 * not this; see docs/DECISIONS.md. The tokenizer metadata is a byte-level vocabulary (the 256
 * GPT-2 byte symbols, BOS/EOS specials, padding up to the vocab size) with no merges.
 */
final class BenchModelWriter {
  /** Shape of the generated model; {@link #LLAMA_125M} is the default. */
  record Shape(int vocabSize, int hiddenSize, int intermediateSize, int numLayers, int numHeads, int numKvHeads, int contextLength) {
    Shape {
      if (hiddenSize % numHeads != 0 || numHeads % numKvHeads != 0) {
        throw new IllegalArgumentException("hiddenSize must be a multiple of numHeads, numHeads of numKvHeads: " + this);
      }
      if (hiddenSize % 32 != 0 || intermediateSize % 32 != 0) {
        throw new IllegalArgumentException("hidden and intermediate sizes must be multiples of 32 (quantization blocks): " + this);
      }
    }

    int headDim() {
      return hiddenSize / numHeads;
    }

    long numParameters() {
      long kv = (long) numKvHeads * headDim();
      long layer = 2L * hiddenSize * hiddenSize + 2L * kv * hiddenSize + 3L * hiddenSize * intermediateSize + 2L * hiddenSize;
      return 2L * vocabSize * hiddenSize + hiddenSize + numLayers * layer;
    }
  }

  /** Llama-shaped, 125M parameters: vocab 32000, hidden 768, 12 layers, 12 heads, 4 KV heads, MLP 2048. */
  static final Shape LLAMA_125M = new Shape(32000, 768, 2048, 12, 12, 4, 4096);
  /** A tiny shape for smoke runs of the bench itself. */
  static final Shape TINY = new Shape(512, 128, 256, 2, 4, 2, 1024);

  static final int BOS = 256;
  static final int EOS = 257;

  private record Tensor(String name, int rows, int cols, boolean isVector, DType dtype, float scale, float offset) {
    long bytes() {
      return dtype.bytesFor((long) rows * cols);
    }
  }

  private BenchModelWriter() {}

  /**
   * Writes {@code file}; {@code progress} receives the fraction of bytes written.
   *
   * @param dtype F32, Q8_0 or Q4_0 for the matrices (norms stay F32, as llama.cpp writes them)
   */
  static void write(Path file, Shape s, DType dtype, long seed, DoubleConsumer progress) throws IOException {
    List<Tensor> tensors = new ArrayList<>();
    int h = s.hiddenSize();
    int kv = s.numKvHeads() * s.headDim();
    float wScale = (float) (1.5 / Math.sqrt(h));
    tensors.add(new Tensor("token_embd.weight", s.vocabSize(), h, false, dtype, 1f, 0f));
    for (int i = 0; i < s.numLayers(); i++) {
      String p = "blk." + i + ".";
      tensors.add(new Tensor(p + "attn_norm.weight", 1, h, true, DType.F32, 0.2f, 1f));
      tensors.add(new Tensor(p + "attn_q.weight", h, h, false, dtype, wScale, 0f));
      tensors.add(new Tensor(p + "attn_k.weight", kv, h, false, dtype, wScale, 0f));
      tensors.add(new Tensor(p + "attn_v.weight", kv, h, false, dtype, wScale, 0f));
      tensors.add(new Tensor(p + "attn_output.weight", h, h, false, dtype, wScale, 0f));
      tensors.add(new Tensor(p + "ffn_norm.weight", 1, h, true, DType.F32, 0.2f, 1f));
      tensors.add(new Tensor(p + "ffn_gate.weight", s.intermediateSize(), h, false, dtype, wScale, 0f));
      tensors.add(new Tensor(p + "ffn_up.weight", s.intermediateSize(), h, false, dtype, wScale, 0f));
      tensors.add(new Tensor(p + "ffn_down.weight", h, s.intermediateSize(), false, dtype,
          (float) (1.5 / Math.sqrt(s.intermediateSize())), 0f));
    }
    tensors.add(new Tensor("output_norm.weight", 1, h, true, DType.F32, 0.2f, 1f));
    tensors.add(new Tensor("output.weight", s.vocabSize(), h, false, dtype, wScale, 0f));

    ByteBuffer head = header(s, tensors);
    long total = 0;
    for (Tensor t : tensors) {
      total += align(t.bytes());
    }
    SplittableRandom random = new SplittableRandom(seed);
    Files.createDirectories(file.toAbsolutePath().getParent());
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
      out.write(head.array(), 0, head.position());
      out.write(new byte[(int) (align(head.position()) - head.position())]);
      long written = 0;
      double lastReported = -1;
      for (Tensor t : tensors) {
        writeTensor(out, t, random);
        long padded = align(t.bytes());
        out.write(new byte[(int) (padded - t.bytes())]);
        written += padded;
        double fraction = (double) written / total;
        if (fraction - lastReported >= 0.1 || written == total) {
          progress.accept(fraction);
          lastReported = fraction;
        }
      }
    }
  }

  private static ByteBuffer header(Shape s, List<Tensor> tensors) {
    List<String> tokens = new ArrayList<>(s.vocabSize());
    List<Integer> types = new ArrayList<>(s.vocabSize());
    for (int b = 0; b < 256; b++) {
      tokens.add(byteSymbol(b));
      types.add(1);
    }
    tokens.add("<|begin_of_text|>");
    types.add(3);
    tokens.add("<|end_of_text|>");
    types.add(3);
    for (int i = tokens.size(); i < s.vocabSize(); i++) {
      tokens.add("[PAD" + i + "]");
      types.add(4);
    }
    Kv kv = new Kv();
    String a = "llama";
    kv.string("general.architecture", a);
    kv.string("general.name", "gantry-bench-llama-" + s.numParameters() / 1_000_000 + "m");
    kv.u32("general.alignment", 32);
    kv.u32(a + ".context_length", s.contextLength());
    kv.u32(a + ".embedding_length", s.hiddenSize());
    kv.u32(a + ".feed_forward_length", s.intermediateSize());
    kv.u32(a + ".block_count", s.numLayers());
    kv.u32(a + ".attention.head_count", s.numHeads());
    kv.u32(a + ".attention.head_count_kv", s.numKvHeads());
    kv.u32(a + ".rope.dimension_count", s.headDim());
    kv.f32(a + ".rope.freq_base", 500000f);
    kv.f32(a + ".attention.layer_norm_rms_epsilon", 1e-5f);
    kv.u32(a + ".vocab_size", s.vocabSize());
    kv.string("tokenizer.ggml.model", "gpt2");
    kv.string("tokenizer.ggml.pre", "llama-bpe");
    kv.strings("tokenizer.ggml.tokens", tokens);
    kv.i32s("tokenizer.ggml.token_type", types);
    kv.strings("tokenizer.ggml.merges", List.of());
    kv.u32("tokenizer.ggml.bos_token_id", BOS);
    kv.u32("tokenizer.ggml.eos_token_id", EOS);

    ByteBuffer head = ByteBuffer.allocate(kv.buf.position() + 64 + tensors.size() * 128).order(ByteOrder.LITTLE_ENDIAN);
    head.put("GGUF".getBytes(StandardCharsets.US_ASCII)).putInt(3).putLong(tensors.size()).putLong(kv.count);
    head.put(kv.buf.array(), 0, kv.buf.position());
    long offset = 0;
    for (Tensor t : tensors) {
      byte[] name = t.name().getBytes(StandardCharsets.UTF_8);
      head.putLong(name.length).put(name);
      // GGUF dims are innermost first: ne = [cols, rows], or [cols] for a vector.
      head.putInt(t.isVector() ? 1 : 2).putLong(t.cols());
      if (!t.isVector()) {
        head.putLong(t.rows());
      }
      head.putInt(t.dtype().ggmlType()).putLong(offset);
      offset += align(t.bytes());
    }
    return head;
  }

  /** Generates and encodes a tensor 32 rows at a time (uniform values of the given std-dev around offset). */
  private static void writeTensor(OutputStream out, Tensor t, SplittableRandom random) throws IOException {
    int rowsPerChunk = Math.max(1, Math.min(t.rows(), 32));
    float[] w = new float[rowsPerChunk * t.cols()];
    float amplitude = (float) (t.scale() * Math.sqrt(3));
    for (int r = 0; r < t.rows(); r += rowsPerChunk) {
      int n = Math.min(rowsPerChunk, t.rows() - r) * t.cols();
      for (int i = 0; i < n; i++) {
        w[i] = t.offset() + amplitude * (float) (2 * random.nextDouble() - 1);
      }
      out.write(encode(t.dtype(), w, n));
    }
  }

  /** Encodes n values as ggml's reference quantizers do (quantize_row_q8_0_ref / q4_0_ref). */
  static byte[] encode(DType dtype, float[] w, int n) {
    ByteBuffer out = ByteBuffer.allocate((int) dtype.bytesFor(n)).order(ByteOrder.LITTLE_ENDIAN);
    switch (dtype) {
      case F32 -> {
        for (int i = 0; i < n; i++) {
          out.putFloat(w[i]);
        }
      }
      case Q8_0 -> {
        for (int b = 0; b < n / 32; b++) {
          float amax = 0;
          for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(w[b * 32 + j]));
          }
          float d = amax / 127f;
          float id = d != 0 ? 1 / d : 0;
          out.putShort(Float.floatToFloat16(d));
          for (int j = 0; j < 32; j++) {
            out.put((byte) Math.round(w[b * 32 + j] * id));
          }
        }
      }
      case Q4_0 -> {
        for (int b = 0; b < n / 32; b++) {
          float amax = 0;
          float max = 0;
          for (int j = 0; j < 32; j++) {
            float v = w[b * 32 + j];
            if (Math.abs(v) > amax) {
              amax = Math.abs(v);
              max = v;
            }
          }
          float d = max / -8f;
          float id = d != 0 ? 1 / d : 0;
          out.putShort(Float.floatToFloat16(d));
          for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (int) (w[b * 32 + j] * id + 8.5f));
            int hi = Math.min(15, (int) (w[b * 32 + j + 16] * id + 8.5f));
            out.put((byte) (lo | hi << 4));
          }
        }
      }
      default -> throw new IllegalArgumentException("the bench writes F32, Q8_0 or Q4_0, not " + dtype);
    }
    return out.array();
  }

  /** GPT-2's byte-to-unicode map: printable bytes stand for themselves, the rest move to U+0100 and up. */
  static String byteSymbol(int b) {
    if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) {
      return String.valueOf((char) b);
    }
    int n = 0;
    for (int x = 0; x < b; x++) {
      if (!((x >= '!' && x <= '~') || (x >= 0xA1 && x <= 0xAC) || (x >= 0xAE && x <= 0xFF))) {
        n++;
      }
    }
    return String.valueOf((char) (256 + n));
  }

  private static long align(long n) {
    return (n + 31) / 32 * 32;
  }

  /** GGUF key/value section. */
  private static final class Kv {
    final ByteBuffer buf = ByteBuffer.allocate(1 << 22).order(ByteOrder.LITTLE_ENDIAN);
    int count;

    void string(String key, String value) {
      key(key, 8);
      str(value);
    }

    void u32(String key, int value) {
      key(key, 4);
      buf.putInt(value);
    }

    void f32(String key, float value) {
      key(key, 6);
      buf.putFloat(value);
    }

    void strings(String key, List<String> values) {
      key(key, 9);
      buf.putInt(8).putLong(values.size());
      values.forEach(this::str);
    }

    void i32s(String key, List<Integer> values) {
      key(key, 9);
      buf.putInt(5).putLong(values.size());
      values.forEach(buf::putInt);
    }

    private void key(String key, int type) {
      count++;
      str(key);
      buf.putInt(type);
    }

    private void str(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      buf.putLong(b.length).put(b);
    }
  }
}
