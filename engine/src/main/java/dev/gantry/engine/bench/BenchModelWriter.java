package dev.gantry.engine.bench;

import dev.gantry.engine.model.Architecture;
import dev.gantry.engine.model.DType;
import dev.gantry.engine.model.GgufQuantizer;
import dev.gantry.engine.model.GgufWriter;
import dev.gantry.engine.model.ModelConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleConsumer;

/**
 * Writes a Llama-shaped GGUF v3 file with random weights, streaming: each tensor is generated,
 * quantized and written row block by row block, so a model of hundreds of millions of
 * parameters never sits on the heap. The GGUF layout and the quantizer are the ones the test
 * tree's {@code TestModels} writes with ({@link GgufWriter}, {@link GgufQuantizer}); only the
 * model recipe differs (see docs/DECISIONS.md). The tokenizer metadata is a byte-level vocabulary (the 256
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

    GgufWriter gguf = header(s);
    SplittableRandom random = new SplittableRandom(seed);
    for (Tensor t : tensors) {
      gguf.tensor(t.name(), t.rows(), t.cols(), t.isVector(), t.dtype().ggmlType(), t.bytes(),
          out -> writeTensor(out, t, random));
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    double[] lastReported = {-1};
    gguf.write(file, (written, total) -> {
      double fraction = (double) written / total;
      if (fraction - lastReported[0] >= 0.1 || written == total) {
        progress.accept(fraction);
        lastReported[0] = fraction;
      }
    });
  }

  private static GgufWriter header(Shape s) {
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
    GgufWriter kv = new GgufWriter();
    String a = "llama";
    kv.put("general.architecture", a);
    kv.put("general.name", "gantry-bench-llama-" + s.numParameters() / 1_000_000 + "m");
    kv.putU32("general.alignment", 32);
    kv.putHyperparameters(a, new ModelConfig(Architecture.LLAMA, s.vocabSize(), s.hiddenSize(), s.intermediateSize(),
        s.numLayers(), s.numHeads(), s.numKvHeads(), s.headDim(), 1e-5, 500000, null, s.contextLength(), false, false,
        BOS, List.of(EOS)));
    kv.put("tokenizer.ggml.model", "gpt2");
    kv.put("tokenizer.ggml.pre", "llama-bpe");
    kv.putStrings("tokenizer.ggml.tokens", tokens);
    kv.putI32s("tokenizer.ggml.token_type", types);
    kv.putStrings("tokenizer.ggml.merges", List.of());
    kv.putU32("tokenizer.ggml.bos_token_id", BOS);
    kv.putU32("tokenizer.ggml.eos_token_id", EOS);
    return kv;
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
      out.write(GgufQuantizer.encode(t.dtype(), w, n));
    }
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
}
