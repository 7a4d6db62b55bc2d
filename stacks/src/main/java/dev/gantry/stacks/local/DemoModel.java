package dev.gantry.stacks.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes the demo model of {@code gantry local up}: a tiny Llama-3-shaped model with RANDOM
 * weights as a real Hugging Face directory (config.json, model.safetensors in F32,
 * tokenizer.json with a byte-level BPE trained here on a built-in paragraph, tokenizer_config.json
 * with the Llama 3 chat template, and a README.md that says the weights are random). It exists
 * to try the serving plumbing without downloading anything; its answers are gibberish.
 *
 * <p>The format follows the engine's test fixtures ({@code engine/src/test/.../TestModels} and
 * {@code TestTokenizer}); it is ported rather than shared because the stacks module must not
 * depend on the engine (docs/DECISIONS.md, "The demo model is written by the stacks module").
 * The end-to-end test in {@code e2e/} serves it with the real engine, which keeps the two in step.
 * Deterministic: the same seed writes the same bytes.
 */
public final class DemoModel {
  /** The name the engine serves it under and clients send as {@code "model"}. */
  public static final String SERVED_NAME = "gantry-demo";
  /** Model vocabulary: 256 bytes, learned merges, 5 chat specials, reserved specials up to this size. */
  static final int VOCAB_SIZE = 512;
  static final int HIDDEN = 128;
  static final int INTERMEDIATE = 256;
  static final int LAYERS = 2;
  static final int HEADS = 4;
  static final int KV_HEADS = 2;
  static final int MAX_POSITIONS = 2048;

  /** Llama 3's pre-tokenizer split (tokenizer.json Split pattern). */
  static final String LLAMA3_REGEX =
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
  static final String CHAT_TEMPLATE = "{% set loop_messages = messages %}{% for message in loop_messages %}"
      + "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim"
      + " + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}"
      + "{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";
  static final List<String> SPECIALS =
      List.of("<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>");
  /** Merges learned until the vocabulary holds this many non-special tokens (then reserved specials pad it). */
  static final int BPE_TOKENS = 448;

  private static final String CORPUS = """
      Gantry runs an inference engine and an LLM gateway on this machine. The engine keeps the keys and
      values of every token in a paged cache of fixed-size blocks, batches requests continuously, and
      streams the answer back token by token. The gateway checks the virtual key, applies the rate
      limits, routes the request to a healthy engine and writes the usage ledger. Hello, world! How are
      you today? This model has random weights, so what it says means nothing: it is here to try the
      plumbing. Pass a real model with --model, a Hugging Face directory or a GGUF file, to get answers.
      The quick brown fox jumps over the lazy dog; numbers 0 1 2 3 4 5 6 7 8 9 10 100 2024 3.14 too.
      """;
  private static final String README = """
      # gantry-demo: RANDOM WEIGHTS

      Written by `gantry local up` because no `--model` was given. A Llama-3-shaped model
      (vocab %d, hidden %d, %d layers, %d heads, %d KV heads, %,d parameters) whose weights are
      random numbers (seed %d): its answers are gibberish. It is for trying the serving plumbing
      (engine, gateway, keys, the OpenAI API) without downloading anything.

      For real answers: `gantry local up --model DIR` with a Hugging Face model directory
      (config.json, tokenizer.json, *.safetensors), or `--model FILE.gguf`.
      """;

  private DemoModel() {}

  /** Parameters of the model (embedding, layers, final norm, LM head). */
  public static long numParameters() {
    long kv = (long) KV_HEADS * (HIDDEN / HEADS);
    long layer = 2L * HIDDEN * HIDDEN + 2L * kv * HIDDEN + 3L * HIDDEN * INTERMEDIATE + 2L * HIDDEN;
    return 2L * VOCAB_SIZE * HIDDEN + HIDDEN + LAYERS * layer;
  }

  /** Writes the model into {@code dir} (created; existing files replaced) and returns {@code dir}. */
  public static Path write(Path dir, long seed) {
    try {
      Files.createDirectories(dir);
      Bpe bpe = Bpe.train(CORPUS, BPE_TOKENS);
      writeConfig(dir);
      writeTokenizer(dir, bpe);
      writeWeights(dir.resolve("model.safetensors"), seed);
      Files.writeString(dir.resolve("README.md"),
          README.formatted(VOCAB_SIZE, HIDDEN, LAYERS, HEADS, KV_HEADS, numParameters(), seed));
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the demo model to '" + dir + "': " + e.getMessage(), e);
    }
  }

  /** True when {@code dir} holds a complete demo model (so {@code local up} can reuse it). */
  public static boolean present(Path dir) {
    return Files.isRegularFile(dir.resolve("model.safetensors")) && Files.isRegularFile(dir.resolve("config.json"))
        && Files.isRegularFile(dir.resolve("tokenizer.json")) && Files.isRegularFile(dir.resolve("tokenizer_config.json"));
  }

  static int bosId() {
    return BPE_TOKENS;
  }

  static List<Integer> eosIds() {
    return List.of(BPE_TOKENS + SPECIALS.indexOf("<|end_of_text|>"), BPE_TOKENS + SPECIALS.indexOf("<|eot_id|>"));
  }

  private static void writeConfig(Path dir) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode c = json.createObjectNode();
    c.putArray("architectures").add("LlamaForCausalLM");
    c.put("model_type", "llama");
    c.put("vocab_size", VOCAB_SIZE);
    c.put("hidden_size", HIDDEN);
    c.put("intermediate_size", INTERMEDIATE);
    c.put("num_hidden_layers", LAYERS);
    c.put("num_attention_heads", HEADS);
    c.put("num_key_value_heads", KV_HEADS);
    c.put("rms_norm_eps", 1e-5);
    c.put("rope_theta", 500000.0);
    c.put("max_position_embeddings", MAX_POSITIONS);
    c.put("tie_word_embeddings", false);
    c.put("hidden_act", "silu");
    c.put("attention_bias", false);
    c.put("torch_dtype", "float32");
    c.put("bos_token_id", bosId());
    ArrayNode eos = c.putArray("eos_token_id");
    eosIds().forEach(eos::add);
    c.put("_gantry_note", "RANDOM WEIGHTS: a demo model for trying the plumbing; see README.md");
    json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), c);
  }

  /** tokenizer.json (BPE vocab + merges, specials as added tokens) and tokenizer_config.json, as HF writes them. */
  private static void writeTokenizer(Path dir, Bpe bpe) throws IOException {
    List<String> specials = new ArrayList<>(SPECIALS);
    for (int i = 0; bpe.vocab().size() + specials.size() < VOCAB_SIZE; i++) {
      specials.add("<|reserved_special_token_" + i + "|>");
    }
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    for (int i = 0; i < specials.size(); i++) {
      ObjectNode t = added.addObject();
      t.put("id", BPE_TOKENS + i);
      t.put("content", specials.get(i));
      t.put("single_word", false);
      t.put("lstrip", false);
      t.put("rstrip", false);
      t.put("normalized", false);
      t.put("special", true);
    }
    root.putNull("normalizer");
    ObjectNode pre = root.putObject("pre_tokenizer");
    pre.put("type", "Sequence");
    ArrayNode list = pre.putArray("pretokenizers");
    ObjectNode split = list.addObject();
    split.put("type", "Split");
    split.putObject("pattern").put("Regex", LLAMA3_REGEX);
    split.put("behavior", "Isolated");
    split.put("invert", false);
    ObjectNode byteLevel = list.addObject();
    byteLevel.put("type", "ByteLevel");
    byteLevel.put("add_prefix_space", false);
    byteLevel.put("trim_offsets", true);
    byteLevel.put("use_regex", false);
    String bos = SPECIALS.get(0);
    ObjectNode post = root.putObject("post_processor");
    post.put("type", "TemplateProcessing");
    ArrayNode single = post.putArray("single");
    single.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 0);
    single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    ArrayNode pair = post.putArray("pair");
    pair.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 0);
    pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    pair.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 1);
    pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
    ObjectNode st = post.putObject("special_tokens").putObject(bos);
    st.put("id", bos);
    st.putArray("ids").add(bosId());
    st.putArray("tokens").add(bos);
    ObjectNode decoder = root.putObject("decoder");
    decoder.put("type", "ByteLevel");
    decoder.put("add_prefix_space", true);
    decoder.put("trim_offsets", true);
    decoder.put("use_regex", true);
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE");
    model.putNull("dropout");
    model.putNull("unk_token");
    model.putNull("continuing_subword_prefix");
    model.putNull("end_of_word_suffix");
    model.put("fuse_unk", false);
    model.put("byte_fallback", false);
    model.put("ignore_merges", true);
    ObjectNode v = model.putObject("vocab");
    for (int i = 0; i < bpe.vocab().size(); i++) {
      v.put(bpe.vocab().get(i), i);
    }
    ArrayNode merges = model.putArray("merges");
    bpe.merges().forEach(merges::add);
    json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("tokenizer.json").toFile(), root);

    ObjectNode cfg = json.createObjectNode();
    cfg.put("tokenizer_class", "PreTrainedTokenizerFast");
    cfg.put("add_bos_token", true);
    cfg.put("add_eos_token", false);
    cfg.put("bos_token", bos);
    cfg.put("eos_token", "<|eot_id|>");
    cfg.put("model_max_length", MAX_POSITIONS);
    cfg.put("clean_up_tokenization_spaces", false);
    cfg.put("chat_template", CHAT_TEMPLATE);
    ObjectNode decoderMap = cfg.putObject("added_tokens_decoder");
    for (int i = 0; i < specials.size(); i++) {
      ObjectNode t = decoderMap.putObject(Integer.toString(BPE_TOKENS + i));
      t.put("content", specials.get(i));
      t.put("lstrip", false);
      t.put("normalized", false);
      t.put("rstrip", false);
      t.put("single_word", false);
      t.put("special", true);
    }
    json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("tokenizer_config.json").toFile(), cfg);
  }

  /** One tensor: its HF name and shape; a vector has one dimension. */
  private record Tensor(String name, int rows, int cols, boolean isVector, boolean isNorm) {
    long bytes() {
      return 4L * rows * cols;
    }
  }

  private static List<Tensor> tensors() {
    int q = HIDDEN;
    int kv = KV_HEADS * (HIDDEN / HEADS);
    List<Tensor> t = new ArrayList<>();
    t.add(new Tensor("model.embed_tokens.weight", VOCAB_SIZE, HIDDEN, false, false));
    for (int i = 0; i < LAYERS; i++) {
      String p = "model.layers." + i + ".";
      t.add(new Tensor(p + "input_layernorm.weight", 1, HIDDEN, true, true));
      t.add(new Tensor(p + "self_attn.q_proj.weight", q, HIDDEN, false, false));
      t.add(new Tensor(p + "self_attn.k_proj.weight", kv, HIDDEN, false, false));
      t.add(new Tensor(p + "self_attn.v_proj.weight", kv, HIDDEN, false, false));
      t.add(new Tensor(p + "self_attn.o_proj.weight", HIDDEN, q, false, false));
      t.add(new Tensor(p + "post_attention_layernorm.weight", 1, HIDDEN, true, true));
      t.add(new Tensor(p + "mlp.gate_proj.weight", INTERMEDIATE, HIDDEN, false, false));
      t.add(new Tensor(p + "mlp.up_proj.weight", INTERMEDIATE, HIDDEN, false, false));
      t.add(new Tensor(p + "mlp.down_proj.weight", HIDDEN, INTERMEDIATE, false, false));
    }
    t.add(new Tensor("model.norm.weight", 1, HIDDEN, true, true));
    t.add(new Tensor("lm_head.weight", VOCAB_SIZE, HIDDEN, false, false));
    return t;
  }

  /**
   * model.safetensors: an 8-byte little-endian header length, the JSON header (space-padded to 8
   * bytes), then the F32 tensors back to back. Matrices are Gaussian scaled by 1.5/sqrt(fan-in),
   * norms 1 + 0.2 * Gaussian, as the engine's fixtures draw them.
   */
  private static void writeWeights(Path file, long seed) throws IOException {
    List<Tensor> tensors = tensors();
    ObjectMapper json = new ObjectMapper();
    ObjectNode header = json.createObjectNode();
    header.putObject("__metadata__").put("format", "pt").put("gantry", "random weights (demo model)");
    long offset = 0;
    for (Tensor t : tensors) {
      ObjectNode n = header.putObject(t.name());
      n.put("dtype", "F32");
      ArrayNode shape = n.putArray("shape");
      if (!t.isVector()) {
        shape.add(t.rows());
      }
      shape.add(t.cols());
      n.putArray("data_offsets").add(offset).add(offset + t.bytes());
      offset += t.bytes();
    }
    byte[] headerBytes = json.writeValueAsBytes(header);
    byte[] padded = Arrays.copyOf(headerBytes, headerBytes.length + (8 - headerBytes.length % 8) % 8);
    Arrays.fill(padded, headerBytes.length, padded.length, (byte) ' ');
    Random random = new Random(seed);
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
      out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded.length).array());
      out.write(padded);
      for (Tensor t : tensors) {
        ByteBuffer row = ByteBuffer.allocate(4 * t.cols()).order(ByteOrder.LITTLE_ENDIAN);
        float scale = (float) (1.5 / Math.sqrt(t.cols()));
        for (int r = 0; r < t.rows(); r++) {
          row.clear();
          for (int c = 0; c < t.cols(); c++) {
            float g = (float) random.nextGaussian();
            row.putFloat(t.isNorm() ? 1f + 0.2f * g : g * (t.name().endsWith("embed_tokens.weight") ? 1f : scale));
          }
          out.write(row.array());
        }
      }
    }
  }

  /** A byte-level BPE vocabulary (GPT-2's 256 byte symbols in GPT-2 order, then merges) trained on a text. */
  record Bpe(List<String> vocab, List<String> merges) {
    static Bpe train(String corpus, int vocabSize) {
      String[] byteToUnicode = byteToUnicode();
      List<String> vocab = new ArrayList<>(baseSymbols(byteToUnicode));
      Map<List<String>, Integer> words = new LinkedHashMap<>();
      Matcher m = Pattern.compile(LLAMA3_REGEX).matcher(corpus);
      while (m.find()) {
        List<String> symbols = new ArrayList<>();
        for (byte b : m.group().getBytes(StandardCharsets.UTF_8)) {
          symbols.add(byteToUnicode[b & 0xFF]);
        }
        words.merge(symbols, 1, Integer::sum);
      }
      List<String> merges = new ArrayList<>();
      Set<String> known = new HashSet<>(vocab);
      while (vocab.size() < vocabSize) {
        Map<String, Integer> pairs = new LinkedHashMap<>();
        for (Map.Entry<List<String>, Integer> w : words.entrySet()) {
          List<String> s = w.getKey();
          for (int i = 0; i + 1 < s.size(); i++) {
            pairs.merge(s.get(i) + " " + s.get(i + 1), w.getValue(), Integer::sum);
          }
        }
        String best = null;
        int bestCount = 0;
        for (Map.Entry<String, Integer> e : pairs.entrySet()) {
          // Most frequent pair first; ties by the pair's text, so training is deterministic.
          if (!known.contains(e.getKey().replace(" ", ""))
              && (e.getValue() > bestCount || (e.getValue() == bestCount && e.getKey().compareTo(best) < 0))) {
            best = e.getKey();
            bestCount = e.getValue();
          }
        }
        if (best == null) {
          throw new IllegalStateException("the demo corpus has too few distinct pairs for " + vocabSize + " tokens");
        }
        String[] parts = best.split(" ");
        String merged = parts[0] + parts[1];
        merges.add(best);
        vocab.add(merged);
        known.add(merged);
        Map<List<String>, Integer> next = new LinkedHashMap<>();
        for (Map.Entry<List<String>, Integer> w : words.entrySet()) {
          List<String> s = w.getKey();
          List<String> out = new ArrayList<>(s.size());
          for (int i = 0; i < s.size(); i++) {
            if (i + 1 < s.size() && s.get(i).equals(parts[0]) && s.get(i + 1).equals(parts[1])) {
              out.add(merged);
              i++;
            } else {
              out.add(s.get(i));
            }
          }
          next.merge(out, w.getValue(), Integer::sum);
        }
        words = next;
      }
      return new Bpe(List.copyOf(vocab), List.copyOf(merges));
    }

    /** GPT-2's bytes_to_unicode: byte value -> printable code point. */
    static String[] byteToUnicode() {
      String[] map = new String[256];
      int n = 0;
      for (int b = 0; b < 256; b++) {
        map[b] = printable(b) ? Character.toString(b) : Character.toString(256 + n++);
      }
      return map;
    }

    private static boolean printable(int b) {
      return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    }

    /** The 256 base symbols in GPT-2 id order: printable bytes first, then the remapped ones. */
    private static List<String> baseSymbols(String[] map) {
      List<String> printable = new ArrayList<>();
      List<String> remapped = new ArrayList<>();
      for (int b = 0; b < 256; b++) {
        (printable(b) ? printable : remapped).add(map[b]);
      }
      printable.addAll(remapped);
      return printable;
    }
  }
}
