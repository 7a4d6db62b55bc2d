package dev.gantry.engine.api;

import dev.gantry.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A real byte-level tokenizer without merges (256 byte tokens, BOS 256, EOS 257), built from GGUF-style metadata. */
final class ByteTokenizer {
  private ByteTokenizer() {}

  static Tokenizer create() {
    List<String> tokens = new ArrayList<>();
    List<Integer> types = new ArrayList<>();
    int extra = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      tokens.add(String.valueOf((char) (printable ? b : 256 + extra++)));
      types.add(1);
    }
    tokens.add("<|begin_of_text|>");
    types.add(3);
    tokens.add("<|end_of_text|>");
    types.add(3);
    Map<String, Object> m = new HashMap<>();
    m.put("tokenizer.ggml.model", "gpt2");
    m.put("tokenizer.ggml.pre", "llama-bpe");
    m.put("tokenizer.ggml.tokens", tokens);
    m.put("tokenizer.ggml.token_type", types);
    m.put("tokenizer.ggml.merges", List.of());
    m.put("tokenizer.ggml.bos_token_id", 256);
    m.put("tokenizer.ggml.eos_token_id", 257);
    return Tokenizer.fromGguf(m);
  }
}
