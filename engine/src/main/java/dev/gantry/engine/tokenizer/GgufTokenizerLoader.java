package dev.gantry.engine.tokenizer;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a tokenizer from GGUF metadata ({@code tokenizer.ggml.*}), as llama.cpp writes it for
 * byte-level BPE models ({@code tokenizer.ggml.model = "gpt2"}: Llama 3, Qwen2). The
 * pre-tokenizer regex is chosen by {@code tokenizer.ggml.pre}. Control tokens (token_type 3)
 * become special added tokens, user-defined ones (4) ordinary added tokens.
 */
final class GgufTokenizerLoader {
  static final String LLAMA3_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
      + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
  static final String QWEN2_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
      + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
  private static final int TOKEN_TYPE_CONTROL = 3;
  private static final int TOKEN_TYPE_USER_DEFINED = 4;

  private GgufTokenizerLoader() {}

  static Tokenizer load(Map<String, ?> metadata) {
    String source = "GGUF metadata";
    Object model = metadata.get("tokenizer.ggml.model");
    if (!"gpt2".equals(model)) {
      throw new TokenizerException(source + ": tokenizer.ggml.model is '" + model
          + "'; only byte-level BPE ('gpt2', used by Llama 3 and Qwen2 GGUFs) is supported. "
          + "Use the model's Hugging Face directory (tokenizer.json) instead");
    }
    List<?> tokenList = list(metadata, "tokenizer.ggml.tokens", source);
    String[] tokens = new String[tokenList.size()];
    Map<String, Integer> ids = new HashMap<>();
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = String.valueOf(tokenList.get(i));
      ids.putIfAbsent(tokens[i], i);
    }
    List<?> types = metadata.containsKey("tokenizer.ggml.token_type")
        ? list(metadata, "tokenizer.ggml.token_type", source) : List.of();
    List<AddedToken> added = new ArrayList<>();
    for (int i = 0; i < types.size() && i < tokens.length; i++) {
      int t = ((Number) types.get(i)).intValue();
      if ((t == TOKEN_TYPE_CONTROL || t == TOKEN_TYPE_USER_DEFINED) && !tokens[i].isEmpty()) {
        added.add(new AddedToken(i, tokens[i], t == TOKEN_TYPE_CONTROL, false, false));
      }
    }
    List<?> mergeList = metadata.containsKey("tokenizer.ggml.merges")
        ? list(metadata, "tokenizer.ggml.merges", source) : List.of();
    int n = mergeList.size();
    int[] left = new int[n];
    int[] right = new int[n];
    int[] merged = new int[n];
    for (int i = 0; i < n; i++) {
      String s = String.valueOf(mergeList.get(i));
      int space = s.indexOf(' ');
      Integer a = space < 0 ? null : ids.get(s.substring(0, space));
      Integer b = space < 0 ? null : ids.get(s.substring(space + 1));
      Integer m = space < 0 ? null : ids.get(s.substring(0, space) + s.substring(space + 1));
      if (a == null || b == null || m == null) {
        throw new TokenizerException(source + ": tokenizer.ggml.merges[" + i + "] = \"" + s
            + "\" does not name two tokens of tokenizer.ggml.tokens whose concatenation is a token");
      }
      left[i] = a;
      right[i] = b;
      merged[i] = m;
    }
    Object preValue = metadata.get("tokenizer.ggml.pre");
    String pre = preValue == null ? "default" : preValue.toString();
    String regex = switch (pre) {
      case "llama-bpe", "llama3", "smaug-bpe" -> LLAMA3_PATTERN;
      case "qwen2", "deepseek-r1-qwen" -> QWEN2_PATTERN;
      case "gpt-2", "gpt2", "default" -> HfTokenizerLoader.GPT2_PATTERN;
      default -> throw new TokenizerException(source + ": tokenizer.ggml.pre '" + pre
          + "' is not supported; supported: llama-bpe, qwen2, gpt-2, default");
    };
    String bos = tokenAt(metadata, "tokenizer.ggml.bos_token_id", tokens, source);
    String eos = tokenAt(metadata, "tokenizer.ggml.eos_token_id", tokens, source);
    boolean addBos = Boolean.TRUE.equals(metadata.get("tokenizer.ggml.add_bos_token"))
        || (!metadata.containsKey("tokenizer.ggml.add_bos_token") && bos != null && "llama-bpe".equals(pre));
    int[] prefix = addBos && bos != null ? new int[] {ids.get(bos)} : new int[0];
    List<Integer> extraEos = new ArrayList<>();
    Object eot = metadata.get("tokenizer.ggml.eot_token_id");
    if (eot instanceof Number num) {
      extraEos.add(num.intValue());
    }
    Object template = metadata.get("tokenizer.chat_template");
    return new Tokenizer(new Tokenizer.Spec(source, Tokenizer.Alphabet.BYTE_LEVEL, tokens,
        new BpeMerges(left, right, merged), added, TextNormalizer.IDENTITY,
        List.of(PieceSplitter.of(regex)), false, false, false, -1, false,
        prefix, new int[0], bos, eos, extraEos, template == null ? null : template.toString()));
  }

  private static String tokenAt(Map<String, ?> metadata, String key, String[] tokens, String source) {
    Object v = metadata.get(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Number num) || num.intValue() < 0 || num.intValue() >= tokens.length) {
      throw new TokenizerException(source + ": " + key + " = " + v + " is not a token id in [0, " + tokens.length + ")");
    }
    return tokens[num.intValue()];
  }

  private static List<?> list(Map<String, ?> metadata, String key, String source) {
    Object v = metadata.get(key);
    if (v instanceof List<?> l) {
      return l;
    }
    if (v != null && v.getClass().isArray()) {
      int len = Array.getLength(v);
      List<Object> out = new ArrayList<>(len);
      for (int i = 0; i < len; i++) {
        out.add(Array.get(v, i));
      }
      return out;
    }
    throw new TokenizerException(source + ": " + key + " is " + (v == null ? "missing" : "a " + v.getClass().getSimpleName())
        + "; expected an array");
  }
}
