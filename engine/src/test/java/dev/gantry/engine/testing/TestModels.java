package dev.gantry.engine.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.engine.model.Architecture;
import dev.gantry.engine.model.DType;
import dev.gantry.engine.model.GgufWriter;
import dev.gantry.engine.model.ModelConfig;
import dev.gantry.engine.model.RopeScaling;
import dev.gantry.engine.reference.DenseModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes small models with random weights as real files: a Hugging Face directory
 * (config.json, model.safetensors or two shards + model.safetensors.index.json,
 * tokenizer.json, tokenizer_config.json) or a single GGUF file (v3, with tokenizer
 * metadata), for any architecture and weight type. Returns, beside the path, the dense
 * float weights the files hold once dequantized, for {@code ReferenceForward}.
 *
 * <pre>
 *   TestModel m = TestModels.write(tempDir, TestModels.spec(Architecture.QWEN2).dtype(DType.Q8_0).format(Format.GGUF));
 *   LoadedModel loaded = ModelLoader.load(m.path());
 * </pre>
 */
public final class TestModels {
  /** How the model is stored. */
  public enum Format { HF, HF_SHARDED, GGUF }

  /**
   * What to write. Defaults: vocab 512, hidden 64, intermediate 128, 2 layers, 4 heads,
   * 2 KV heads (GQA), head dim 16, F32, HF, seed 1; Qwen2 ties embeddings.
   */
  public record Spec(Architecture arch, DType dtype, Format format, int vocabSize, int hiddenSize, int intermediateSize,
      int numLayers, int numHeads, int numKvHeads, RopeScaling ropeScaling, boolean tieWordEmbeddings, long seed) {
    public Spec dtype(DType d) {
      return new Spec(arch, d, format, vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, ropeScaling, tieWordEmbeddings, seed);
    }

    public Spec format(Format f) {
      return new Spec(arch, dtype, f, vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, ropeScaling, tieWordEmbeddings, seed);
    }

    public Spec dims(int vocab, int hidden, int intermediate, int layers, int heads, int kvHeads) {
      return new Spec(arch, dtype, format, vocab, hidden, intermediate, layers, heads, kvHeads, ropeScaling, tieWordEmbeddings, seed);
    }

    public Spec ropeScaling(RopeScaling s) {
      return new Spec(arch, dtype, format, vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, s, tieWordEmbeddings, seed);
    }

    public Spec tied(boolean tied) {
      return new Spec(arch, dtype, format, vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, ropeScaling, tied, seed);
    }

    public Spec seed(long s) {
      return new Spec(arch, dtype, format, vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, ropeScaling, tieWordEmbeddings, s);
    }

    public int headDim() {
      return hiddenSize / numHeads;
    }
  }

  /** A written model: where it is, the config it was written with, and its dequantized weights. */
  public record TestModel(Path path, ModelConfig config, DenseModel dense, TestTokenizer tokenizer) {}

  private TestModels() {}

  public static Spec spec(Architecture arch) {
    return new Spec(arch, DType.F32, Format.HF, 512, 64, 128, 2, 4, 2, null, arch == Architecture.QWEN2, 1);
  }

  /** Writes the model into {@code dir} (a new subdirectory for HF formats, a .gguf file for GGUF). */
  public static TestModel write(Path dir, Spec spec) {
    try {
      return new Writer(spec).write(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The config a spec describes (as config.json states it). */
  public static ModelConfig config(Spec s, TestTokenizer tok) {
    return new ModelConfig(s.arch(), s.vocabSize(), s.hiddenSize(), s.intermediateSize(), s.numLayers(), s.numHeads(),
        s.numKvHeads(), s.headDim(), 1e-5, s.arch() == Architecture.LLAMA ? 500000 : 10000, s.ropeScaling(), 2048,
        s.tieWordEmbeddings(), s.arch() == Architecture.QWEN2, tok.bosId(s.arch()), tok.eosIds(s.arch()));
  }

  /** One tensor about to be written: its HF name, shape, dtype and encoded bytes (row-major). */
  record Encoded(String name, int rows, int cols, DType dtype, byte[] bytes, boolean isVector) {}

  private static final class Writer {
    private final Spec s;
    private final Random random;
    private final ModelConfig config;
    private final TestTokenizer tokenizer;
    private final Map<String, Encoded> tensors = new LinkedHashMap<>();

    Writer(Spec spec) {
      this.s = spec;
      this.random = new Random(spec.seed());
      this.tokenizer = TestTokenizer.train(spec.arch(), spec.vocabSize());
      this.config = config(spec, tokenizer);
      if (spec.format() != Format.GGUF && spec.dtype().isQuantized()) {
        throw new IllegalArgumentException(spec.dtype() + " weights exist only in GGUF files; use Format.GGUF");
      }
    }

    TestModel write(Path dir) throws IOException {
      int h = s.hiddenSize();
      int inter = s.intermediateSize();
      int q = s.numHeads() * s.headDim();
      int kv = s.numKvHeads() * s.headDim();
      float[] embedding = matrix("model.embed_tokens.weight", s.vocabSize(), h, 1.0f);
      List<DenseModel.Layer> layers = new ArrayList<>();
      for (int i = 0; i < s.numLayers(); i++) {
        String p = "model.layers." + i + ".";
        boolean bias = config.attentionBias();
        layers.add(new DenseModel.Layer(
            norm(p + "input_layernorm.weight", h),
            matrix(p + "self_attn.q_proj.weight", q, h, scale(h)),
            matrix(p + "self_attn.k_proj.weight", kv, h, scale(h)),
            matrix(p + "self_attn.v_proj.weight", kv, h, scale(h)),
            matrix(p + "self_attn.o_proj.weight", h, q, scale(q)),
            bias ? vector(p + "self_attn.q_proj.bias", q, 0.1f) : null,
            bias ? vector(p + "self_attn.k_proj.bias", kv, 0.1f) : null,
            bias ? vector(p + "self_attn.v_proj.bias", kv, 0.1f) : null,
            norm(p + "post_attention_layernorm.weight", h),
            matrix(p + "mlp.gate_proj.weight", inter, h, scale(h)),
            matrix(p + "mlp.up_proj.weight", inter, h, scale(h)),
            matrix(p + "mlp.down_proj.weight", h, inter, scale(inter))));
      }
      float[] finalNorm = norm("model.norm.weight", h);
      float[] lmHead = s.tieWordEmbeddings() ? embedding : matrix("lm_head.weight", s.vocabSize(), h, scale(h));
      DenseModel dense = new DenseModel(config, embedding, layers, finalNorm, lmHead);
      Path path = switch (s.format()) {
        case HF, HF_SHARDED -> writeHf(dir);
        case GGUF -> writeGguf(dir);
      };
      return new TestModel(path, config, dense, tokenizer);
    }

    private static float scale(int fanIn) {
      return (float) (1.5 / Math.sqrt(fanIn));
    }

    private float[] matrix(String name, int rows, int cols, float scale) {
      float[] w = new float[rows * cols];
      for (int i = 0; i < w.length; i++) {
        w[i] = (float) random.nextGaussian() * scale;
      }
      return encode(name, rows, cols, s.dtype(), w, false);
    }

    private float[] norm(String name, int n) {
      float[] w = new float[n];
      for (int i = 0; i < n; i++) {
        w[i] = 1f + 0.2f * (float) random.nextGaussian();
      }
      return encode(name, 1, n, s.format() == Format.GGUF ? DType.F32 : s.dtype(), w, true);
    }

    private float[] vector(String name, int n, float scale) {
      float[] w = new float[n];
      for (int i = 0; i < n; i++) {
        w[i] = scale * (float) random.nextGaussian();
      }
      return encode(name, 1, n, s.format() == Format.GGUF ? DType.F32 : s.dtype(), w, true);
    }

    /** Stores the encoded tensor and returns the values it decodes to. */
    private float[] encode(String name, int rows, int cols, DType dtype, float[] w, boolean isVector) {
      byte[] bytes = Quantizer.encode(dtype, w, rows, cols);
      tensors.put(name, new Encoded(name, rows, cols, dtype, bytes, isVector));
      return Quantizer.decode(dtype, bytes, rows, cols);
    }

    private Path writeHf(Path parent) throws IOException {
      Path dir = Files.createDirectories(parent.resolve(s.arch().modelType() + "-" + s.dtype() + "-" + s.format()));
      writeConfigJson(dir);
      tokenizer.write(dir, s.arch());
      List<Encoded> all = new ArrayList<>(tensors.values());
      if (s.format() == Format.HF) {
        Safetensors.write(dir.resolve("model.safetensors"), all);
        return dir;
      }
      int half = all.size() / 2;
      List<List<Encoded>> shards = List.of(all.subList(0, half), all.subList(half, all.size()));
      ObjectMapper json = new ObjectMapper();
      ObjectNode index = json.createObjectNode();
      long total = 0;
      ObjectNode weightMap = json.createObjectNode();
      for (int i = 0; i < shards.size(); i++) {
        String file = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
        Safetensors.write(dir.resolve(file), shards.get(i));
        for (Encoded e : shards.get(i)) {
          weightMap.put(e.name(), file);
          total += e.bytes().length;
        }
      }
      index.putObject("metadata").put("total_size", total);
      index.set("weight_map", weightMap);
      json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("model.safetensors.index.json").toFile(), index);
      return dir;
    }

    private void writeConfigJson(Path dir) throws IOException {
      ObjectMapper json = new ObjectMapper();
      ObjectNode c = json.createObjectNode();
      c.putArray("architectures").add(s.arch().hfClass());
      c.put("model_type", s.arch().modelType());
      c.put("vocab_size", config.vocabSize());
      c.put("hidden_size", config.hiddenSize());
      c.put("intermediate_size", config.intermediateSize());
      c.put("num_hidden_layers", config.numLayers());
      c.put("num_attention_heads", config.numHeads());
      c.put("num_key_value_heads", config.numKvHeads());
      c.put("rms_norm_eps", config.rmsNormEps());
      c.put("rope_theta", config.ropeTheta());
      c.put("max_position_embeddings", config.maxPositionEmbeddings());
      c.put("tie_word_embeddings", config.tieWordEmbeddings());
      c.put("hidden_act", "silu");
      c.put("torch_dtype", switch (s.dtype()) {
        case F16 -> "float16";
        case BF16 -> "bfloat16";
        default -> "float32";
      });
      if (config.bosTokenId() >= 0) {
        c.put("bos_token_id", config.bosTokenId());
      } else {
        c.putNull("bos_token_id");
      }
      if (config.eosTokenIds().size() == 1) {
        c.put("eos_token_id", config.eosTokenIds().get(0));
      } else {
        ArrayNode eos = c.putArray("eos_token_id");
        config.eosTokenIds().forEach(eos::add);
      }
      switch (s.arch()) {
        case LLAMA -> c.put("attention_bias", false);
        case QWEN2 -> {
          c.put("use_sliding_window", false);
          c.put("sliding_window", 4096);
        }
        case MISTRAL -> c.putNull("sliding_window");
      }
      if (config.ropeScaling() != null) {
        RopeScaling r = config.ropeScaling();
        ObjectNode rs = c.putObject("rope_scaling");
        rs.put("rope_type", "llama3");
        rs.put("factor", r.factor());
        rs.put("low_freq_factor", r.lowFreqFactor());
        rs.put("high_freq_factor", r.highFreqFactor());
        rs.put("original_max_position_embeddings", r.originalMaxPositionEmbeddings());
      }
      json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), c);
    }

    private Path writeGguf(Path dir) throws IOException {
      Files.createDirectories(dir);
      // llama.cpp converts Mistral to the "llama" architecture; Qwen2 keeps its own.
      String arch = s.arch() == Architecture.QWEN2 ? "qwen2" : "llama";
      boolean permute = !arch.equals("qwen2");
      GgufWriter g = new GgufWriter();
      g.put("general.architecture", arch);
      g.put("general.name", "gantry-test-" + s.arch().modelType());
      g.putU32("general.alignment", 32);
      g.putHyperparameters(arch, config);
      g.put("tokenizer.ggml.model", "gpt2");
      g.put("tokenizer.ggml.pre", s.arch() == Architecture.QWEN2 ? "qwen2" : "llama-bpe");
      List<String> tokens = new ArrayList<>(tokenizer.vocab());
      tokens.addAll(tokenizer.specials());
      List<Integer> types = new ArrayList<>();
      for (int i = 0; i < tokens.size(); i++) {
        types.add(i < tokenizer.vocab().size() ? 1 : 3);
      }
      // Model vocab may be larger than the tokenizer's: pad like converters do.
      for (int i = tokens.size(); i < config.vocabSize(); i++) {
        tokens.add("[PAD" + i + "]");
        types.add(4);
      }
      g.putStrings("tokenizer.ggml.tokens", tokens);
      g.putI32s("tokenizer.ggml.token_type", types);
      g.putStrings("tokenizer.ggml.merges", tokenizer.merges());
      if (config.bosTokenId() >= 0) {
        g.putU32("tokenizer.ggml.bos_token_id", config.bosTokenId());
      }
      g.putU32("tokenizer.ggml.eos_token_id", config.eosTokenIds().get(config.eosTokenIds().size() - 1));
      g.put("tokenizer.chat_template", TestTokenizer.chatTemplate(s.arch()));
      for (Encoded e : tensors.values()) {
        byte[] bytes = e.bytes();
        if (permute && (e.name().endsWith("q_proj.weight") || e.name().endsWith("k_proj.weight"))) {
          int heads = e.name().endsWith("q_proj.weight") ? config.numHeads() : config.numKvHeads();
          bytes = permuteRows(bytes, e.rows(), heads);
        }
        g.tensor(ggufName(e.name()), e.rows(), e.cols(), e.isVector(), e.dtype(), bytes);
      }
      if (config.ropeScaling() != null) {
        float[] factors = new float[config.headDim() / 2];
        for (int i = 0; i < factors.length; i++) {
          double f = 1.0 / Math.pow(config.ropeTheta(), 2.0 * i / config.headDim());
          factors[i] = (float) (f / config.ropeScaling().scale(f));
        }
        g.tensor("rope_freqs.weight", 1, factors.length, true, DType.F32, Quantizer.encode(DType.F32, factors, 1, factors.length));
      }
      Path file = dir.resolve(s.arch().modelType() + "-" + s.dtype() + ".gguf");
      g.write(file);
      return file;
    }
  }

  /**
   * llama.cpp's convert_hf_to_gguf permutation of Q/K rows for the llama architecture:
   * within each head, row {@code j * headDim/2 + i} moves to {@code 2i + j}, so the pairs
   * HF rotates together (i, i + headDim/2) become adjacent.
   */
  static byte[] permuteRows(byte[] bytes, int rows, int heads) {
    int rowBytes = bytes.length / rows;
    int hd = rows / heads;
    byte[] out = new byte[bytes.length];
    for (int h = 0; h < heads; h++) {
      for (int i = 0; i < hd / 2; i++) {
        for (int j = 0; j < 2; j++) {
          int src = h * hd + j * (hd / 2) + i;
          int dst = h * hd + 2 * i + j;
          System.arraycopy(bytes, src * rowBytes, out, dst * rowBytes, rowBytes);
        }
      }
    }
    return out;
  }

  static String ggufName(String hf) {
    if (hf.equals("model.embed_tokens.weight")) {
      return "token_embd.weight";
    }
    if (hf.equals("lm_head.weight")) {
      return "output.weight";
    }
    if (hf.equals("model.norm.weight")) {
      return "output_norm.weight";
    }
    String rest = hf.substring("model.layers.".length());
    int dot = rest.indexOf('.');
    String layer = rest.substring(0, dot);
    String role = rest.substring(dot + 1);
    String g = switch (role) {
      case "input_layernorm.weight" -> "attn_norm.weight";
      case "post_attention_layernorm.weight" -> "ffn_norm.weight";
      case "self_attn.q_proj.weight" -> "attn_q.weight";
      case "self_attn.k_proj.weight" -> "attn_k.weight";
      case "self_attn.v_proj.weight" -> "attn_v.weight";
      case "self_attn.o_proj.weight" -> "attn_output.weight";
      case "self_attn.q_proj.bias" -> "attn_q.bias";
      case "self_attn.k_proj.bias" -> "attn_k.bias";
      case "self_attn.v_proj.bias" -> "attn_v.bias";
      case "mlp.gate_proj.weight" -> "ffn_gate.weight";
      case "mlp.up_proj.weight" -> "ffn_up.weight";
      case "mlp.down_proj.weight" -> "ffn_down.weight";
      default -> throw new IllegalArgumentException(hf);
    };
    return "blk." + layer + "." + g;
  }

  /** Writes safetensors files (also used by load-error tests to build broken ones). */
  public static final class Safetensors {
    private Safetensors() {}

    static void write(Path file, List<Encoded> tensors) throws IOException {
      ObjectMapper json = new ObjectMapper();
      ObjectNode header = json.createObjectNode();
      header.putObject("__metadata__").put("format", "pt");
      long offset = 0;
      for (Encoded e : tensors) {
        ObjectNode t = header.putObject(e.name());
        t.put("dtype", e.dtype().name());
        ArrayNode shape = t.putArray("shape");
        if (!e.isVector()) {
          shape.add(e.rows());
        }
        shape.add(e.cols());
        t.putArray("data_offsets").add(offset).add(offset + e.bytes().length);
        offset += e.bytes().length;
      }
      byte[] headerBytes = json.writeValueAsBytes(header);
      int pad = (8 - headerBytes.length % 8) % 8;
      byte[] padded = new byte[headerBytes.length + pad];
      System.arraycopy(headerBytes, 0, padded, 0, headerBytes.length);
      java.util.Arrays.fill(padded, headerBytes.length, padded.length, (byte) ' ');
      try (var out = new java.io.BufferedOutputStream(Files.newOutputStream(file))) {
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded.length);
        out.write(len.array());
        out.write(padded);
        for (Encoded e : tensors) {
          out.write(e.bytes());
        }
      }
    }
  }
}
