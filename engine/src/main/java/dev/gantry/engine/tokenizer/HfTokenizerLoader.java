package dev.gantry.engine.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads a Hugging Face tokenizer directory: tokenizer.json (the "fast" tokenizer: model, added
 * tokens, normalizer, pre-tokenizer, post-processor, decoder), tokenizer_config.json (bos/eos,
 * add_bos_token, chat_template) and generation_config.json (extra eos ids). Each unsupported
 * or malformed part fails with the file, the JSON path and the value.
 */
final class HfTokenizerLoader {
  /** GPT-2's pre-tokenizer regex, used by ByteLevel with use_regex=true. */
  static final String GPT2_PATTERN =
      "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

  private static final ObjectMapper JSON = new ObjectMapper();

  private HfTokenizerLoader() {}

  static Tokenizer load(Path directory) {
    Path tokenizerJson = directory.resolve("tokenizer.json");
    if (!Files.isRegularFile(tokenizerJson)) {
      throw new TokenizerException("no tokenizer.json in " + directory
          + "; Gantry reads the Hugging Face fast-tokenizer file. Create it with transformers: "
          + "AutoTokenizer.from_pretrained(dir).save_pretrained(dir)");
    }
    JsonNode config = readOptional(directory.resolve("tokenizer_config.json"));
    JsonNode generation = readOptional(directory.resolve("generation_config.json"));
    return new Tokenizer(parse(read(tokenizerJson), tokenizerJson.toString(), config,
        directory.resolve("tokenizer_config.json").toString(), generation));
  }

  private static JsonNode read(Path file) {
    try {
      return JSON.readTree(Files.readString(file));
    } catch (JsonProcessingException e) {
      throw new TokenizerException(file + " is not valid JSON: " + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
          + e.getLocation().getColumnNr()), e);
    } catch (IOException e) {
      throw new TokenizerException("cannot read " + file + ": " + e, e);
    }
  }

  private static JsonNode readOptional(Path file) {
    try {
      return Files.exists(file) ? read(file) : null;
    } catch (TokenizerException e) {
      if (e.getCause() instanceof NoSuchFileException) {
        return null;
      }
      throw e;
    }
  }

  /** Parses tokenizer.json (+ optional config nodes); {@code file} names it in messages. */
  static Tokenizer.Spec parse(JsonNode root, String file, JsonNode config, String configFile,
      JsonNode generation) {
    if (root == null || !root.isObject()) {
      throw new TokenizerException(file + ": expected a JSON object at the top level");
    }
    JsonNode model = root.path("model");
    if (!model.isObject()) {
      throw new TokenizerException(file + ": missing \"model\" object; this is not a tokenizer.json");
    }
    String type = model.path("type").asText("BPE");
    if (!type.equals("BPE")) {
      throw new TokenizerException(file + ": model.type is '" + type
          + "'; only BPE tokenizers are supported (Llama 2/3, Qwen2, Mistral use BPE)");
    }
    JsonNode vocab = model.path("vocab");
    if (!vocab.isObject() || vocab.isEmpty()) {
      throw new TokenizerException(file + ": model.vocab must be a non-empty object of token -> id");
    }
    List<AddedToken> added = parseAddedTokens(root.path("added_tokens"), file);
    int size = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0 || !e.getValue().isIntegralNumber()) {
        throw new TokenizerException(file + ": model.vocab['" + e.getKey() + "'] is " + e.getValue()
            + "; token ids must be non-negative integers");
      }
      size = Math.max(size, e.getValue().asInt() + 1);
    }
    for (AddedToken t : added) {
      size = Math.max(size, t.id() + 1);
    }
    String[] tokens = new String[size];
    for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      int id = e.getValue().asInt();
      if (tokens[id] != null) {
        throw new TokenizerException(file + ": model.vocab gives id " + id + " to both '" + tokens[id]
            + "' and '" + e.getKey() + "'");
      }
      tokens[id] = e.getKey();
    }
    for (AddedToken t : added) {
      if (tokens[t.id()] != null && !tokens[t.id()].equals(t.content())) {
        throw new TokenizerException(file + ": added_tokens gives id " + t.id() + " to '" + t.content()
            + "' but model.vocab has '" + tokens[t.id()] + "' there");
      }
      tokens[t.id()] = t.content();
    }
    Map<String, Integer> ids = new java.util.HashMap<>();
    for (int i = 0; i < tokens.length; i++) {
      if (tokens[i] != null) {
        ids.putIfAbsent(tokens[i], i);
      }
    }
    BpeMerges merges = parseMerges(model.path("merges"), ids, file);

    // Normalizer and pre-tokenizer.
    List<TextNormalizer> norm = new ArrayList<>();
    parseNormalizer(root.path("normalizer"), file, "normalizer", norm);
    List<PieceSplitter> splits = new ArrayList<>();
    boolean[] byteLevel = {false};
    boolean[] addPrefixSpace = {false};
    parsePreTokenizer(root.path("pre_tokenizer"), file, "pre_tokenizer", splits, norm, byteLevel, addPrefixSpace);
    boolean[] stripLeadingSpace = {false};
    parseDecoder(root.path("decoder"), file, "decoder", byteLevel, stripLeadingSpace);

    String unkToken = model.path("unk_token").isTextual() ? model.path("unk_token").asText() : null;
    int unkId = unkToken == null ? -1 : ids.getOrDefault(unkToken, -1);

    // tokenizer_config.json
    String bos = config == null ? null : tokenContent(config.get("bos_token"), configFile, "bos_token");
    String eos = config == null ? null : tokenContent(config.get("eos_token"), configFile, "eos_token");
    String chatTemplate = config == null ? null : chatTemplate(config.get("chat_template"), configFile);

    // BOS/EOS added by encode(text, true): the post-processor template wins; without one the
    // add_bos_token / add_eos_token flags of tokenizer_config.json decide (LlamaTokenizer style).
    int[][] affixes = parsePostProcessor(root.path("post_processor"), file, ids);
    if (affixes == null) {
      boolean addBos = config != null && config.path("add_bos_token").asBoolean(false);
      boolean addEos = config != null && config.path("add_eos_token").asBoolean(false);
      affixes = new int[][] {
          addBos && bos != null && ids.containsKey(bos) ? new int[] {ids.get(bos)} : new int[0],
          addEos && eos != null && ids.containsKey(eos) ? new int[] {ids.get(eos)} : new int[0]};
    }
    List<Integer> extraEos = new ArrayList<>();
    if (generation != null) {
      JsonNode e = generation.path("eos_token_id");
      if (e.isInt()) {
        extraEos.add(e.asInt());
      } else if (e.isArray()) {
        e.forEach(n -> extraEos.add(n.asInt()));
      }
    }
    TextNormalizer normalizer = norm.isEmpty() ? TextNormalizer.IDENTITY
        : norm.size() == 1 ? norm.get(0) : new TextNormalizer.Sequence(norm);
    return new Tokenizer.Spec(file, byteLevel[0] ? Tokenizer.Alphabet.BYTE_LEVEL : Tokenizer.Alphabet.CHARACTER,
        tokens, merges, added, normalizer, splits, addPrefixSpace[0], model.path("ignore_merges").asBoolean(false),
        model.path("byte_fallback").asBoolean(false), unkId, stripLeadingSpace[0], affixes[0], affixes[1],
        bos, eos, extraEos, chatTemplate);
  }

  private static List<AddedToken> parseAddedTokens(JsonNode node, String file) {
    List<AddedToken> out = new ArrayList<>();
    if (node.isMissingNode() || node.isNull()) {
      return out;
    }
    if (!node.isArray()) {
      throw new TokenizerException(file + ": added_tokens must be an array");
    }
    for (int i = 0; i < node.size(); i++) {
      JsonNode t = node.get(i);
      if (!t.path("id").canConvertToInt() || t.path("id").asInt() < 0 || !t.path("content").isTextual()
          || t.path("content").asText().isEmpty()) {
        throw new TokenizerException(file + ": added_tokens[" + i + "] needs a non-negative integer \"id\" and a "
            + "non-empty string \"content\", got " + t);
      }
      out.add(new AddedToken(t.path("id").asInt(), t.path("content").asText(), t.path("special").asBoolean(false),
          t.path("lstrip").asBoolean(false), t.path("rstrip").asBoolean(false)));
    }
    return out;
  }

  private static BpeMerges parseMerges(JsonNode node, Map<String, Integer> ids, String file) {
    if (node.isMissingNode() || node.isNull()) {
      return new BpeMerges(new int[0], new int[0], new int[0]);
    }
    if (!node.isArray()) {
      throw new TokenizerException(file + ": model.merges must be an array of \"a b\" strings or [a, b] pairs");
    }
    int n = node.size();
    int[] left = new int[n];
    int[] right = new int[n];
    int[] merged = new int[n];
    for (int i = 0; i < n; i++) {
      JsonNode m = node.get(i);
      String a;
      String b;
      if (m.isTextual()) {
        String s = m.asText();
        int space = s.indexOf(' ', 1); // a token may itself be a lone space in non-byte-level vocabs
        if (space < 0 || s.indexOf(' ', space + 1) >= 0) {
          throw new TokenizerException(file + ": model.merges[" + i + "] is \"" + s
              + "\"; expected two tokens separated by one space");
        }
        a = s.substring(0, space);
        b = s.substring(space + 1);
      } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
        a = m.get(0).asText();
        b = m.get(1).asText();
      } else {
        throw new TokenizerException(file + ": model.merges[" + i + "] is " + m
            + "; expected \"a b\" or [\"a\", \"b\"]");
      }
      Integer ia = ids.get(a);
      Integer ib = ids.get(b);
      Integer im = ids.get(a + b);
      if (ia == null || ib == null || im == null) {
        String missing = ia == null ? a : ib == null ? b : a + b;
        throw new TokenizerException(file + ": model.merges[" + i + "] (" + a + " + " + b + ") needs token '"
            + missing + "' which is not in model.vocab; the merges do not belong to this vocabulary");
      }
      left[i] = ia;
      right[i] = ib;
      merged[i] = im;
    }
    return new BpeMerges(left, right, merged);
  }

  private static void parseNormalizer(JsonNode node, String file, String path, List<TextNormalizer> out) {
    if (node.isMissingNode() || node.isNull()) {
      return;
    }
    String type = node.path("type").asText("");
    switch (type) {
      case "NFC" -> out.add(new TextNormalizer.Unicode(Normalizer.Form.NFC));
      case "NFD" -> out.add(new TextNormalizer.Unicode(Normalizer.Form.NFD));
      case "NFKC" -> out.add(new TextNormalizer.Unicode(Normalizer.Form.NFKC));
      case "NFKD" -> out.add(new TextNormalizer.Unicode(Normalizer.Form.NFKD));
      case "Prepend" -> out.add(new TextNormalizer.Prepend(node.path("prepend").asText(), false));
      case "Replace" -> {
        JsonNode p = node.path("pattern");
        if (!p.path("String").isTextual()) {
          throw new TokenizerException(file + ": " + path + " Replace with pattern " + p
              + " is not supported; only {\"String\": ...} patterns are");
        }
        out.add(new TextNormalizer.Replace(p.path("String").asText(), node.path("content").asText()));
      }
      case "Sequence" -> {
        JsonNode list = node.path("normalizers");
        for (int i = 0; i < list.size(); i++) {
          parseNormalizer(list.get(i), file, path + ".normalizers[" + i + "]", out);
        }
      }
      default -> throw new TokenizerException(file + ": " + path + ".type '" + type
          + "' is not supported; supported: NFC, NFD, NFKC, NFKD, Prepend, Replace, Sequence");
    }
  }

  private static void parsePreTokenizer(JsonNode node, String file, String path, List<PieceSplitter> splits,
      List<TextNormalizer> norm, boolean[] byteLevel, boolean[] addPrefixSpace) {
    if (node.isMissingNode() || node.isNull()) {
      return;
    }
    String type = node.path("type").asText("");
    switch (type) {
      case "Sequence" -> {
        JsonNode list = node.path("pretokenizers");
        for (int i = 0; i < list.size(); i++) {
          parsePreTokenizer(list.get(i), file, path + ".pretokenizers[" + i + "]", splits, norm, byteLevel,
              addPrefixSpace);
        }
      }
      case "ByteLevel" -> {
        byteLevel[0] = true;
        addPrefixSpace[0] = node.path("add_prefix_space").asBoolean(true);
        if (node.path("use_regex").asBoolean(true)) {
          splits.add(compile(GPT2_PATTERN, file, path));
        }
      }
      case "Split" -> {
        String behavior = node.path("behavior").asText("Isolated");
        if (!behavior.equals("Isolated") || node.path("invert").asBoolean(false)) {
          throw new TokenizerException(file + ": " + path + " Split with behavior '" + behavior + "' and invert "
              + node.path("invert").asBoolean(false) + " is not supported; Llama 3 and Qwen2 use Isolated, "
              + "invert=false");
        }
        JsonNode p = node.path("pattern");
        if (p.path("Regex").isTextual()) {
          splits.add(compile(p.path("Regex").asText(), file, path));
        } else if (p.path("String").isTextual()) {
          splits.add(new PieceSplitter.RegexSplitter(Pattern.compile(Pattern.quote(p.path("String").asText()))));
        } else {
          throw new TokenizerException(file + ": " + path + ".pattern must be {\"Regex\": ...} or {\"String\": ...}, got "
              + p);
        }
      }
      case "Metaspace" -> {
        String replacement = node.path("replacement").asText("\u2581");
        String scheme = node.path("prepend_scheme").asText(node.path("add_prefix_space").asBoolean(true) ? "always" : "never");
        norm.add(new TextNormalizer.Replace(" ", replacement));
        if (!scheme.equals("never")) {
          norm.add(new TextNormalizer.Prepend(replacement, scheme.equals("first")));
        }
        if (node.path("split").asBoolean(true)) {
          String r = Pattern.quote(replacement);
          splits.add(new PieceSplitter.RegexSplitter(Pattern.compile(r + "[^" + r + "]*|[^" + r + "]+")));
        }
      }
      default -> throw new TokenizerException(file + ": " + path + ".type '" + type
          + "' is not supported; supported: ByteLevel, Split, Metaspace, Sequence");
    }
  }

  private static PieceSplitter compile(String regex, String file, String path) {
    try {
      return PieceSplitter.of(regex);
    } catch (PatternSyntaxException e) {
      throw new TokenizerException(file + ": " + path + " regex /" + regex + "/ does not compile: "
          + e.getDescription(), e);
    }
  }

  private static void parseDecoder(JsonNode node, String file, String path, boolean[] byteLevel,
      boolean[] stripLeadingSpace) {
    if (node.isMissingNode() || node.isNull()) {
      return;
    }
    String type = node.path("type").asText("");
    switch (type) {
      case "ByteLevel" -> byteLevel[0] = true;
      case "Sequence" -> {
        JsonNode list = node.path("decoders");
        for (int i = 0; i < list.size(); i++) {
          parseDecoder(list.get(i), file, path + ".decoders[" + i + "]", byteLevel, stripLeadingSpace);
        }
      }
      // SentencePiece-style decoders: tokens map to bytes with U+2581 read as a space and
      // <0xXX> as a byte; Strip/Metaspace drop the space the normalizer prepended.
      case "Replace", "ByteFallback", "Fuse" -> { }
      case "Strip" -> stripLeadingSpace[0] = node.path("start").asInt(0) > 0;
      case "Metaspace" -> stripLeadingSpace[0] = !"never".equals(node.path("prepend_scheme").asText("always"));
      default -> throw new TokenizerException(file + ": " + path + ".type '" + type
          + "' is not supported; supported: ByteLevel, Metaspace, Sequence of Replace/ByteFallback/Fuse/Strip");
    }
  }

  /** Returns {prefixIds, suffixIds} for a single sequence, or null when there is no template. */
  private static int[][] parsePostProcessor(JsonNode node, String file, Map<String, Integer> ids) {
    if (node.isMissingNode() || node.isNull()) {
      return null;
    }
    String type = node.path("type").asText("");
    switch (type) {
      case "ByteLevel":
        return null;
      case "Sequence": {
        int[][] found = null;
        for (JsonNode p : node.path("processors")) {
          int[][] r = parsePostProcessor(p, file, ids);
          if (r != null) {
            found = r;
          }
        }
        return found;
      }
      case "TemplateProcessing": {
        List<Integer> prefix = new ArrayList<>();
        List<Integer> suffix = new ArrayList<>();
        boolean seenSequence = false;
        for (JsonNode item : node.path("single")) {
          if (item.has("Sequence")) {
            seenSequence = true;
          } else if (item.has("SpecialToken")) {
            String name = item.path("SpecialToken").path("id").asText();
            JsonNode special = node.path("special_tokens").path(name);
            List<Integer> tokenIds = new ArrayList<>();
            if (special.path("ids").isArray()) {
              special.path("ids").forEach(n -> tokenIds.add(n.asInt()));
            } else if (ids.containsKey(name)) {
              tokenIds.add(ids.get(name));
            } else {
              throw new TokenizerException(file + ": post_processor.single names special token '" + name
                  + "' which is neither in post_processor.special_tokens nor in the vocabulary");
            }
            (seenSequence ? suffix : prefix).addAll(tokenIds);
          }
        }
        return new int[][] {
            prefix.stream().mapToInt(Integer::intValue).toArray(), suffix.stream().mapToInt(Integer::intValue).toArray()};
      }
      default:
        throw new TokenizerException(file + ": post_processor.type '" + type
            + "' is not supported; supported: TemplateProcessing, ByteLevel, Sequence");
    }
  }

  /** bos_token/eos_token are strings or AddedToken objects {"content": ...}; null stays null. */
  static String tokenContent(JsonNode node, String file, String field) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isTextual()) {
      return node.asText();
    }
    if (node.isObject() && node.path("content").isTextual()) {
      return node.path("content").asText();
    }
    throw new TokenizerException(file + ": " + field + " must be a string or an object with \"content\", got " + node);
  }

  /** chat_template is a string, or a list of {name, template} where "default" is used. */
  static String chatTemplate(JsonNode node, String file) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isTextual()) {
      return node.asText();
    }
    if (node.isArray()) {
      for (JsonNode t : node) {
        if ("default".equals(t.path("name").asText()) && t.path("template").isTextual()) {
          return t.path("template").asText();
        }
      }
      throw new TokenizerException(file + ": chat_template is a list without a template named \"default\"");
    }
    throw new TokenizerException(file + ": chat_template must be a string or a list of {name, template}, got "
        + node.getNodeType());
  }
}
