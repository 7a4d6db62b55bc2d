package dev.gantry.engine.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.engine.testing.TestTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes real tokenizer.json files for tests: a byte-level BPE whose merges are learned from a
 * small corpus by the textbook BPE training loop, so merges, ranks and vocabulary are
 * consistent the way a published tokenizer's are.
 */
public final class TokenizerFixtures {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String LLAMA3_REGEX = GgufTokenizerLoader.LLAMA3_PATTERN;
  static final String QWEN2_REGEX = GgufTokenizerLoader.QWEN2_PATTERN;

  static final String CORPUS = """
      The quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs away.
      Hello world! Hello there, hello again. It's a test: they're testing what we've built.
      Tokenizers split text into pieces, then merge the most frequent pairs of symbols.
      Numbers like 12345 and 2024 appear too, as do emojis 😀🎉 and accents: café, naïve, über.
      中文字符也会出现。日本語のテキストも。 Ünïcödé ßtraße — “quotes” and ‘apostrophes’.
      def main(): return x + y  # code with    spaces
      """;

  private TokenizerFixtures() {}

  /** A Llama-3-style byte-level BPE tokenizer (with config: BOS, EOS = <|eot_id|>) written into dir. */
  public static Tokenizer llama3(Path dir) {
    ObjectNode json = byteLevel(Options.llama3());
    return Tokenizer.fromHfDirectory(write(dir, json, config("<|begin_of_text|>", "<|eot_id|>", null)));
  }

  /** The id of the single-byte token for byte b. */
  public static int byteToken(Tokenizer t, int b) {
    return t.tokenId(String.valueOf((char) ByteLevel.BYTE_TO_CHAR[b & 0xFF])).orElseThrow();
  }

  /** Token ids that spell the text one UTF-8 byte per token (worst case for streaming). */
  public static int[] byteTokens(Tokenizer t, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    int[] ids = new int[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      ids[i] = byteToken(t, bytes[i]);
    }
    return ids;
  }

  /** Learned merges as (left, right) vocabulary strings, in rank order. */
  static List<String[]> learnMerges(String corpus, String regex, int numMerges) {
    java.util.regex.Pattern p = java.util.regex.Pattern.compile(regex, java.util.regex.Pattern.UNICODE_CHARACTER_CLASS);
    Map<List<String>, Integer> words = new HashMap<>();
    java.util.regex.Matcher m = p.matcher(corpus);
    while (m.find()) {
      List<String> symbols = new ArrayList<>();
      for (byte b : m.group().getBytes(StandardCharsets.UTF_8)) {
        symbols.add(String.valueOf((char) ByteLevel.BYTE_TO_CHAR[b & 0xFF]));
      }
      words.merge(symbols, 1, Integer::sum);
    }
    return learnMerges(words, numMerges);
  }

  /** The BPE training loop over words given as symbol lists with counts. */
  static List<String[]> learnMerges(Map<List<String>, Integer> words, int numMerges) {
    List<String[]> merges = new ArrayList<>();
    for (int step = 0; step < numMerges; step++) {
      Map<String, Integer> counts = TestTokenizer.countPairs(words, "\u0000");
      String best = null;
      int bestCount = 1;
      for (Map.Entry<String, Integer> e : counts.entrySet()) {
        if (e.getValue() > bestCount || (e.getValue() == bestCount && best != null && e.getKey().compareTo(best) < 0)) {
          best = e.getKey();
          bestCount = e.getValue();
        }
      }
      if (best == null) {
        break;
      }
      String[] pair = best.split("\u0000");
      merges.add(pair);
      Map<List<String>, Integer> next = new HashMap<>();
      for (Map.Entry<List<String>, Integer> w : words.entrySet()) {
        List<String> s = w.getKey();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < s.size(); i++) {
          if (i + 1 < s.size() && s.get(i).equals(pair[0]) && s.get(i + 1).equals(pair[1])) {
            out.add(pair[0] + pair[1]);
            i++;
          } else {
            out.add(s.get(i));
          }
        }
        next.merge(out, w.getValue(), Integer::sum);
      }
      words = next;
    }
    return merges;
  }

  /** Options for {@link #byteLevel}. */
  record Options(String regex, boolean pairMerges, List<String> specialTokens, String bosToken,
      int numMerges, boolean ignoreMerges) {
    static Options llama3() {
      return new Options(LLAMA3_REGEX, false,
          List.of("<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"),
          "<|begin_of_text|>", 300, true);
    }

    static Options qwen2() {
      return new Options(QWEN2_REGEX, true, List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>"), null, 300, false);
    }

    Options withPairMerges(boolean v) {
      return new Options(regex, v, specialTokens, bosToken, numMerges, ignoreMerges);
    }
  }

  /** tokenizer.json content for a byte-level BPE: 256 byte tokens, learned merges, specials. */
  static ObjectNode byteLevel(Options o) {
    return BUILT.computeIfAbsent(o, k -> buildByteLevel(k, CORPUS)).deepCopy();
  }

  private static final Map<Options, ObjectNode> BUILT = new java.util.concurrent.ConcurrentHashMap<>();

  /** Like {@link #byteLevel(Options)} with merges learned from another corpus. */
  static ObjectNode buildByteLevel(Options o, String corpus) {
    List<String[]> merges = learnMerges(corpus, o.regex(), o.numMerges());
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.0");
    ArrayNode added = root.putArray("added_tokens");
    ObjectNode model = JSON.createObjectNode();
    model.put("type", "BPE");
    model.putNull("dropout");
    model.put("byte_fallback", false);
    model.put("ignore_merges", o.ignoreMerges());
    ObjectNode vocab = model.putObject("vocab");
    int id = 0;
    for (int b = 0; b < 256; b++) {
      vocab.put(String.valueOf((char) ByteLevel.BYTE_TO_CHAR[b]), id++);
    }
    ArrayNode mergeArray = model.putArray("merges");
    for (String[] m : merges) {
      if (!vocab.has(m[0] + m[1])) {
        vocab.put(m[0] + m[1], id++);
      }
      if (o.pairMerges()) {
        mergeArray.addArray().add(m[0]).add(m[1]);
      } else {
        mergeArray.add(m[0] + " " + m[1]);
      }
    }
    for (String s : o.specialTokens()) {
      TestTokenizer.addSpecialToken(added, id++, s);
    }
    root.putNull("normalizer");
    ObjectNode pre = root.putObject("pre_tokenizer");
    pre.put("type", "Sequence");
    ArrayNode pres = pre.putArray("pretokenizers");
    ObjectNode split = pres.addObject();
    split.put("type", "Split");
    split.putObject("pattern").put("Regex", o.regex());
    split.put("behavior", "Isolated");
    split.put("invert", false);
    ObjectNode bl = pres.addObject();
    bl.put("type", "ByteLevel");
    bl.put("add_prefix_space", false);
    bl.put("trim_offsets", true);
    bl.put("use_regex", false);
    if (o.bosToken() != null) {
      ObjectNode post = root.putObject("post_processor");
      post.put("type", "TemplateProcessing");
      ArrayNode single = post.putArray("single");
      single.addObject().putObject("SpecialToken").put("id", o.bosToken()).put("type_id", 0);
      single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
      ObjectNode st = post.putObject("special_tokens").putObject(o.bosToken());
      st.put("id", o.bosToken());
      st.putArray("ids").add(vocabOrAdded(root, vocab, o.bosToken()));
      st.putArray("tokens").add(o.bosToken());
    } else {
      root.putNull("post_processor");
    }
    ObjectNode dec = root.putObject("decoder");
    dec.put("type", "ByteLevel");
    root.set("model", model);
    return root;
  }

  private static int vocabOrAdded(ObjectNode root, ObjectNode vocab, String token) {
    if (vocab.has(token)) {
      return vocab.get(token).asInt();
    }
    for (var t : root.get("added_tokens")) {
      if (t.get("content").asText().equals(token)) {
        return t.get("id").asInt();
      }
    }
    throw new IllegalArgumentException(token);
  }

  static Path write(Path dir, ObjectNode tokenizerJson, ObjectNode tokenizerConfig) {
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("tokenizer.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(tokenizerJson));
      if (tokenizerConfig != null) {
        Files.writeString(dir.resolve("tokenizer_config.json"), JSON.writeValueAsString(tokenizerConfig));
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ObjectNode config(String bos, String eos, String chatTemplate) {
    ObjectNode c = JSON.createObjectNode();
    if (bos != null) {
      c.put("bos_token", bos);
    } else {
      c.putNull("bos_token");
    }
    c.put("eos_token", eos);
    if (chatTemplate != null) {
      c.put("chat_template", chatTemplate);
    }
    return c;
  }

  /**
   * tokenizer.json of a SentencePiece-converted BPE like Llama 2's: U+2581 for spaces, byte
   * fallback tokens {@code <0x00>..<0xFF>}, characters outside the BMP left out of the
   * vocabulary so they fall back to bytes. {@code metaspace} selects the newer Metaspace
   * pre-tokenizer/decoder form instead of the Prepend/Replace normalizer and Strip decoder.
   */
  static ObjectNode sentencePiece(boolean metaspace) {
    String normalized = "\u2581" + CORPUS.replace(' ', '\u2581');
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\u2581?[^\u2581]+").matcher(normalized);
    Map<List<String>, Integer> words = new HashMap<>();
    java.util.Set<String> chars = new java.util.TreeSet<>();
    while (m.find()) {
      List<String> symbols = new ArrayList<>();
      m.group().codePoints().forEach(cp -> symbols.add(new String(Character.toChars(cp))));
      symbols.stream().filter(c -> c.length() == 1).forEach(chars::add);
      words.merge(symbols, 1, Integer::sum);
    }
    List<String[]> merges = learnMerges(words, 200);
    ObjectNode root = JSON.createObjectNode();
    ArrayNode added = root.putArray("added_tokens");
    String[] specials = {"<unk>", "<s>", "</s>"};
    for (int i = 0; i < 3; i++) {
      ObjectNode t = added.addObject();
      t.put("id", i);
      t.put("content", specials[i]);
      t.put("special", true);
    }
    ObjectNode model = JSON.createObjectNode();
    model.put("type", "BPE");
    model.put("unk_token", "<unk>");
    model.put("byte_fallback", true);
    model.put("fuse_unk", true);
    ObjectNode vocab = model.putObject("vocab");
    int id = 0;
    for (String sp : specials) {
      vocab.put(sp, id++);
    }
    for (int b = 0; b < 256; b++) {
      vocab.put(String.format("<0x%02X>", b), id++);
    }
    for (String c : chars) {
      vocab.put(c, id++);
    }
    ArrayNode mergeArray = model.putArray("merges");
    for (String[] pair : merges) {
      if (pair[0].codePoints().anyMatch(cp -> cp > 0xFFFF) || pair[1].codePoints().anyMatch(cp -> cp > 0xFFFF)) {
        continue; // symbols outside the vocabulary never merge
      }
      if (!vocab.has(pair[0] + pair[1])) {
        vocab.put(pair[0] + pair[1], id++);
      }
      mergeArray.add(pair[0] + " " + pair[1]);
    }
    root.set("model", model);
    if (metaspace) {
      root.putNull("normalizer");
      ObjectNode pre = root.putObject("pre_tokenizer");
      pre.put("type", "Metaspace").put("replacement", "\u2581").put("prepend_scheme", "first").put("split", false);
      ObjectNode dec = root.putObject("decoder");
      dec.put("type", "Metaspace").put("replacement", "\u2581").put("prepend_scheme", "first").put("split", false);
    } else {
      ObjectNode norm = root.putObject("normalizer");
      norm.put("type", "Sequence");
      ArrayNode ns = norm.putArray("normalizers");
      ns.addObject().put("type", "Prepend").put("prepend", "\u2581");
      ObjectNode rep = ns.addObject().put("type", "Replace");
      rep.putObject("pattern").put("String", " ");
      rep.put("content", "\u2581");
      root.putNull("pre_tokenizer");
      ObjectNode dec = root.putObject("decoder");
      dec.put("type", "Sequence");
      ArrayNode ds = dec.putArray("decoders");
      ObjectNode r = ds.addObject().put("type", "Replace");
      r.putObject("pattern").put("String", "\u2581");
      r.put("content", " ");
      ds.addObject().put("type", "ByteFallback");
      ds.addObject().put("type", "Fuse");
      ds.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
    }
    ObjectNode post = root.putObject("post_processor");
    post.put("type", "TemplateProcessing");
    ArrayNode single = post.putArray("single");
    single.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
    single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    ObjectNode st = post.putObject("special_tokens").putObject("<s>");
    st.put("id", "<s>");
    st.putArray("ids").add(1);
    st.putArray("tokens").add("<s>");
    return root;
  }

  /** The textbook BPE: repeatedly merge the lowest-ranked adjacent pair (O(n^2), for cross-checks). */
  static int[] naiveBpe(int[] symbols, BpeMerges merges) {
    List<Integer> s = new ArrayList<>();
    for (int v : symbols) {
      s.add(v);
    }
    while (true) {
      int bestRank = Integer.MAX_VALUE;
      int bestPos = -1;
      int merged = -1;
      for (int i = 0; i + 1 < s.size(); i++) {
        long v = merges.lookup(s.get(i), s.get(i + 1));
        if (v >= 0 && (int) (v >>> 32) < bestRank) {
          bestRank = (int) (v >>> 32);
          bestPos = i;
          merged = (int) v;
        }
      }
      if (bestPos < 0) {
        return s.stream().mapToInt(Integer::intValue).toArray();
      }
      s.set(bestPos, merged);
      s.remove(bestPos + 1);
    }
  }
}
