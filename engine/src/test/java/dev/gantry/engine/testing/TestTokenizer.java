package dev.gantry.engine.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.engine.model.Architecture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real byte-level BPE tokenizer trained here on a small built-in English corpus, in the
 * Hugging Face {@code tokenizer.json} format: the 256 GPT-2 byte-to-unicode symbols as ids
 * 0..255 (in GPT-2's order), learned merges after them, then the architecture's special
 * tokens as added tokens. Deterministic: the same vocabulary size gives the same file.
 */
public final class TestTokenizer {
  /** Llama 3 pre-tokenizer regex (tokenizer.json Split pattern). */
  public static final String LLAMA3_REGEX =
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
  /** Qwen2 pre-tokenizer regex (single digits). */
  public static final String QWEN2_REGEX =
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
  /** GPT-2 pre-tokenizer regex (what ByteLevel with use_regex applies). */
  public static final String GPT2_REGEX = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

  static final String LLAMA3_TEMPLATE = "{% set loop_messages = messages %}{% for message in loop_messages %}"
      + "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim"
      + " + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}"
      + "{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";
  static final String QWEN2_TEMPLATE = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
      + "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
      + "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
      + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
  static final String MISTRAL_TEMPLATE = "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}"
      + "{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}"
      + "{{ message['content'] + eos_token }}{% endif %}{% endfor %}";

  private static final String CORPUS = """
      The quick brown fox jumps over the lazy dog. A paged key-value cache stores the keys and values of
      every token in fixed-size blocks, so that no memory is reserved for context that is never used.
      Continuous batching lets new requests join the running batch at every step of the engine, and the
      scheduler decides which tokens run next. When the cache runs out of blocks, a request is preempted
      and recomputed later. The model reads its weights from memory once per step for all the tokens in
      the batch, which is why serving many users at once costs little more than serving one.
      Hello, world! How are you today? I am fine, thank you. What's the weather like in Paris in 2024?
      It's sunny and 21 degrees; they'll go to the park, we've seen the museum, and you're welcome too.
      def forward(self, tokens): return self.lm_head(self.norm(self.layers(self.embed(tokens))))
      for (int i = 0; i < n; i++) { sum += a[i] * b[i]; } // the dot product of two vectors
      Numbers: 0 1 2 3 4 5 6 7 8 9 10 100 1000 3.14159 2.71828 42 1234567890.
      Über café naïve résumé — ünïcödé text, 日本語のテキスト, and emoji 🙂 should all round-trip.
      The engine streams text back to the user token by token, and the detokenizer must never split a
      multi-byte character across two chunks of the stream. Stop strings are held back until it is
      certain that they do not match.
      """;

  private final List<String> vocab; // id -> token string (byte-level alphabet)
  private final List<String> merges;
  private final List<String> specials;
  private final int firstSpecialId;

  private TestTokenizer(List<String> vocab, List<String> merges, List<String> specials) {
    this.vocab = vocab;
    this.merges = merges;
    this.specials = specials;
    this.firstSpecialId = vocab.size();
  }

  /** Special tokens of an architecture's chat format; the first one listed is the BOS where the format has one. */
  public static List<String> specialTokens(Architecture arch) {
    return switch (arch) {
      case LLAMA -> List.of("<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>");
      case QWEN2 -> List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>");
      case MISTRAL -> List.of("<s>", "</s>", "[INST]", "[/INST]");
    };
  }

  static String regexFor(Architecture arch) {
    return switch (arch) {
      case LLAMA -> LLAMA3_REGEX;
      case QWEN2 -> QWEN2_REGEX;
      case MISTRAL -> GPT2_REGEX;
    };
  }

  private static final Map<String, TestTokenizer> TRAINED = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Trains merges until the vocabulary (bytes + merges + specials) has {@code vocabSize}
   * entries or pairs run out. Training is deterministic, so results are cached per
   * (architecture, size).
   */
  public static TestTokenizer train(Architecture arch, int vocabSize) {
    return TRAINED.computeIfAbsent(arch + "/" + vocabSize, k -> doTrain(arch, vocabSize));
  }

  private static TestTokenizer doTrain(Architecture arch, int vocabSize) {
    List<String> specials = specialTokens(arch);
    int targetMerges = vocabSize - 256 - specials.size();
    if (targetMerges < 0) {
      throw new IllegalArgumentException("vocab size " + vocabSize + " is below 256 bytes + " + specials.size() + " specials");
    }
    String[] byteToUnicode = byteToUnicode();
    List<String> vocab = new ArrayList<>(List.of(baseSymbols()));
    Map<List<String>, Integer> words = new LinkedHashMap<>();
    Matcher m = Pattern.compile(regexFor(arch)).matcher(CORPUS);
    while (m.find()) {
      List<String> symbols = new ArrayList<>();
      for (byte b : m.group().getBytes(StandardCharsets.UTF_8)) {
        symbols.add(byteToUnicode[b & 0xFF]);
      }
      words.merge(symbols, 1, Integer::sum);
    }
    List<String> merges = new ArrayList<>();
    java.util.Set<String> known = new java.util.HashSet<>(vocab);
    while (merges.size() < targetMerges) {
      Map<String, Integer> pairCounts = countPairs(words, " ");
      String best = null;
      int bestCount = 0;
      for (Map.Entry<String, Integer> e : pairCounts.entrySet()) {
        String merged = e.getKey().replace(" ", "");
        if (known.contains(merged)) {
          continue;
        }
        if (e.getValue() > bestCount || (e.getValue() == bestCount && e.getKey().compareTo(best) < 0)) {
          best = e.getKey();
          bestCount = e.getValue();
        }
      }
      if (best == null) {
        break;
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
    return new TestTokenizer(vocab, merges, specials);
  }

  /** Ids 0..n-1 of the BPE vocabulary (bytes and merges), specials excluded. */
  public List<String> vocab() {
    return List.copyOf(vocab);
  }

  public List<String> merges() {
    return List.copyOf(merges);
  }

  public List<String> specials() {
    return specials;
  }

  /** Id of a special token. */
  public int specialId(String token) {
    int i = specials.indexOf(token);
    if (i < 0) {
      throw new IllegalArgumentException("no special token " + token);
    }
    return firstSpecialId + i;
  }

  /** Total number of token ids (BPE vocabulary + specials). */
  public int size() {
    return vocab.size() + specials.size();
  }

  /** BOS id of the architecture's format, or -1 (Qwen2 adds none). */
  public int bosId(Architecture arch) {
    return switch (arch) {
      case LLAMA, MISTRAL -> firstSpecialId;
      case QWEN2 -> -1;
    };
  }

  /** EOS ids as config.json lists them. */
  public List<Integer> eosIds(Architecture arch) {
    return switch (arch) {
      case LLAMA -> List.of(specialId("<|end_of_text|>"), specialId("<|eot_id|>"));
      case QWEN2 -> List.of(specialId("<|im_end|>"));
      case MISTRAL -> List.of(specialId("</s>"));
    };
  }

  /** Writes tokenizer.json and tokenizer_config.json into {@code dir}. */
  public void write(Path dir, Architecture arch) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    for (String s : specials) {
      addSpecialToken(added, specialId(s), s);
    }
    root.putNull("normalizer");
    ObjectNode pre = root.putObject("pre_tokenizer");
    if (arch == Architecture.MISTRAL) {
      pre.put("type", "ByteLevel");
      pre.put("add_prefix_space", false);
      pre.put("trim_offsets", true);
      pre.put("use_regex", true);
    } else {
      pre.put("type", "Sequence");
      ArrayNode list = pre.putArray("pretokenizers");
      ObjectNode split = list.addObject();
      split.put("type", "Split");
      split.putObject("pattern").put("Regex", regexFor(arch));
      split.put("behavior", "Isolated");
      split.put("invert", false);
      ObjectNode byteLevel = list.addObject();
      byteLevel.put("type", "ByteLevel");
      byteLevel.put("add_prefix_space", false);
      byteLevel.put("trim_offsets", true);
      byteLevel.put("use_regex", false);
    }
    int bos = bosId(arch);
    if (bos >= 0) {
      String bosToken = specials.get(0);
      ObjectNode post = root.putObject("post_processor");
      post.put("type", "TemplateProcessing");
      ArrayNode single = post.putArray("single");
      single.addObject().putObject("SpecialToken").put("id", bosToken).put("type_id", 0);
      single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
      ArrayNode pair = post.putArray("pair");
      pair.addObject().putObject("SpecialToken").put("id", bosToken).put("type_id", 0);
      pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
      pair.addObject().putObject("SpecialToken").put("id", bosToken).put("type_id", 1);
      pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
      ObjectNode st = post.putObject("special_tokens").putObject(bosToken);
      st.put("id", bosToken);
      st.putArray("ids").add(bos);
      st.putArray("tokens").add(bosToken);
    } else {
      ObjectNode post = root.putObject("post_processor");
      post.put("type", "ByteLevel");
      post.put("add_prefix_space", false);
      post.put("trim_offsets", false);
      post.put("use_regex", false);
    }
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
    model.put("ignore_merges", arch == Architecture.LLAMA);
    ObjectNode v = model.putObject("vocab");
    for (int i = 0; i < vocab.size(); i++) {
      v.put(vocab.get(i), i);
    }
    ArrayNode mergeArray = model.putArray("merges");
    merges.forEach(mergeArray::add);
    json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("tokenizer.json").toFile(), root);

    ObjectNode cfg = json.createObjectNode();
    cfg.put("tokenizer_class", arch == Architecture.QWEN2 ? "Qwen2Tokenizer" : "PreTrainedTokenizerFast");
    cfg.put("add_bos_token", bos >= 0);
    cfg.put("add_eos_token", false);
    if (bos >= 0) {
      cfg.put("bos_token", specials.get(0));
    } else {
      cfg.putNull("bos_token");
    }
    String eos = switch (arch) {
      case LLAMA -> "<|eot_id|>";
      case QWEN2 -> "<|im_end|>";
      case MISTRAL -> "</s>";
    };
    cfg.put("eos_token", eos);
    if (arch == Architecture.QWEN2) {
      cfg.put("pad_token", "<|endoftext|>");
    }
    cfg.put("model_max_length", 4096);
    cfg.put("clean_up_tokenization_spaces", false);
    cfg.put("chat_template", chatTemplate(arch));
    ObjectNode decoderMap = cfg.putObject("added_tokens_decoder");
    for (String s : specials) {
      ObjectNode t = decoderMap.putObject(Integer.toString(specialId(s)));
      t.put("content", s);
      t.put("lstrip", false);
      t.put("normalized", false);
      t.put("rstrip", false);
      t.put("single_word", false);
      t.put("special", true);
    }
    json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("tokenizer_config.json").toFile(), cfg);
  }

  public static String chatTemplate(Architecture arch) {
    return switch (arch) {
      case LLAMA -> LLAMA3_TEMPLATE;
      case QWEN2 -> QWEN2_TEMPLATE;
      case MISTRAL -> MISTRAL_TEMPLATE;
    };
  }

  /** GPT-2's bytes_to_unicode: byte value -> printable code point. */
  public static String[] byteToUnicode() {
    String[] map = new String[256];
    int n = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      map[b] = printable ? Character.toString(b) : Character.toString(256 + n++);
    }
    return map;
  }

  /** The 256 base symbols in GPT-2 id order: printable bytes first, then the remapped ones. */
  private static String[] baseSymbols() {
    String[] map = byteToUnicode();
    List<String> printable = new ArrayList<>();
    List<String> remapped = new ArrayList<>();
    for (int b = 0; b < 256; b++) {
      boolean p = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      (p ? printable : remapped).add(map[b]);
    }
    printable.addAll(remapped);
    return printable.toArray(String[]::new);
  }

  /** Appends one special token to tokenizer.json's {@code added_tokens}, as HF writes it. */
  public static void addSpecialToken(ArrayNode added, int id, String content) {
    ObjectNode t = added.addObject();
    t.put("id", id);
    t.put("content", content);
    t.put("single_word", false);
    t.put("lstrip", false);
    t.put("rstrip", false);
    t.put("normalized", false);
    t.put("special", true);
  }

  /**
   * One BPE training step's statistics: for each adjacent symbol pair, keyed as
   * {@code left + separator + right}, the summed count of the words it occurs in (in
   * first-seen order). Shared with the tokenizer tests' own merge learner.
   */
  public static Map<String, Integer> countPairs(Map<List<String>, Integer> words, String separator) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (Map.Entry<List<String>, Integer> w : words.entrySet()) {
      List<String> s = w.getKey();
      for (int i = 0; i + 1 < s.size(); i++) {
        counts.merge(s.get(i) + separator + s.get(i + 1), w.getValue(), Integer::sum);
      }
    }
    return counts;
  }
}
