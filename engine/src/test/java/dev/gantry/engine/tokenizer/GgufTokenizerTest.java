package dev.gantry.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GGUF tokenizer metadata built from the same vocabulary as a tokenizer.json fixture. */
class GgufTokenizerTest {
  @TempDir Path dir;

  private static Map<String, Object> metadata(ObjectNode json, String pre) {
    JsonNode vocab = json.get("model").get("vocab");
    int size = vocab.size() + json.get("added_tokens").size();
    String[] tokens = new String[size];
    vocab.fields().forEachRemaining(e -> tokens[e.getValue().asInt()] = e.getKey());
    int[] types = new int[size];
    java.util.Arrays.fill(types, 1);
    for (JsonNode t : json.get("added_tokens")) {
      tokens[t.get("id").asInt()] = t.get("content").asText();
      types[t.get("id").asInt()] = 3;
    }
    List<String> merges = new ArrayList<>();
    json.get("model").get("merges").forEach(m -> merges.add(m.asText()));
    Map<String, Object> md = new HashMap<>();
    md.put("tokenizer.ggml.model", "gpt2");
    md.put("tokenizer.ggml.pre", pre);
    md.put("tokenizer.ggml.tokens", List.of(tokens));
    md.put("tokenizer.ggml.token_type", types); // a primitive array, as some readers produce
    md.put("tokenizer.ggml.merges", merges.toArray(String[]::new));
    return md;
  }

  @Test
  void fromGguf_encodesLikeTheTokenizerJson() {
    ObjectNode json = TokenizerFixtures.byteLevel(TokenizerFixtures.Options.llama3());
    Tokenizer hf = Tokenizer.fromHfDirectory(TokenizerFixtures.write(dir, json,
        TokenizerFixtures.config("<|begin_of_text|>", "<|eot_id|>", null)));
    Map<String, Object> md = metadata(json, "llama-bpe");
    md.put("tokenizer.ggml.bos_token_id", hf.bosTokenId().getAsInt());
    md.put("tokenizer.ggml.eos_token_id", hf.eosTokenIds().get(0));
    md.put("tokenizer.ggml.add_bos_token", true);
    md.put("tokenizer.chat_template", "{{ bos_token }}{{ messages[0].content }}");
    Tokenizer gguf = Tokenizer.fromGguf(md);
    for (String s : List.of("Hello world! It's 12345 😀", "<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>")) {
      assertThat(gguf.encode(s)).isEqualTo(hf.encode(s));
    }
    assertThat(gguf.eosTokenIds()).isEqualTo(hf.eosTokenIds());
    assertThat(gguf.isSpecial(hf.eosTokenIds().get(0))).isTrue();
    assertThat(gguf.chatTemplate().orElseThrow().render(List.of(ChatMessage.user("x")), false))
        .isEqualTo("<|begin_of_text|>x");
  }

  @Test
  void fromGguf_ofASentencePieceModel_pointsToTheHfDirectory() {
    assertThatThrownBy(() -> Tokenizer.fromGguf(Map.of("tokenizer.ggml.model", "llama")))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining("tokenizer.ggml.model is 'llama'")
        .hasMessageContaining("tokenizer.json");
  }

  @Test
  void fromGguf_withoutTokens_saysTheKeyIsMissing() {
    assertThatThrownBy(() -> Tokenizer.fromGguf(Map.of("tokenizer.ggml.model", "gpt2")))
        .hasMessageContaining("tokenizer.ggml.tokens is missing; expected an array");
  }

  @Test
  void fromGguf_withUnknownPreTokenizer_listsTheSupportedOnes() {
    Map<String, Object> md = metadata(TokenizerFixtures.byteLevel(TokenizerFixtures.Options.llama3()), "falcon");
    assertThatThrownBy(() -> Tokenizer.fromGguf(md)).hasMessageContaining("tokenizer.ggml.pre 'falcon' is not supported");
  }

  @Test
  void fromGguf_withBadMerge_quotesIt() {
    Map<String, Object> md = metadata(TokenizerFixtures.byteLevel(TokenizerFixtures.Options.llama3()), "llama-bpe");
    md.put("tokenizer.ggml.merges", List.of("nospace"));
    assertThatThrownBy(() -> Tokenizer.fromGguf(md)).hasMessageContaining("tokenizer.ggml.merges[0] = \"nospace\"");
  }

  @Test
  void fromGguf_withEosOutsideTheVocabulary_namesTheKey() {
    Map<String, Object> md = metadata(TokenizerFixtures.byteLevel(TokenizerFixtures.Options.llama3()), "llama-bpe");
    md.put("tokenizer.ggml.eos_token_id", 1_000_000);
    assertThatThrownBy(() -> Tokenizer.fromGguf(md)).hasMessageContaining("tokenizer.ggml.eos_token_id = 1000000");
  }
}
