package dev.gantry.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerTest {
  @TempDir Path dir;

  private Tokenizer llama3() {
    return Tokenizer.fromHfDirectory(TokenizerFixtures.write(dir, TokenizerFixtures.byteLevel(
        TokenizerFixtures.Options.llama3()), TokenizerFixtures.config("<|begin_of_text|>", "<|eot_id|>", null)));
  }

  private Tokenizer qwen2() {
    return Tokenizer.fromHfDirectory(TokenizerFixtures.write(dir, TokenizerFixtures.byteLevel(
        TokenizerFixtures.Options.qwen2()), TokenizerFixtures.config(null, "<|im_end|>", null)));
  }

  private static final List<String> SAMPLES = List.of(
      "Hello world!", "The quick brown fox jumps over the lazy dog.", "It's 2024 and they're here.",
      "emoji 😀🎉 and café naïve über", "中文字符也会出现。", "  leading and trailing spaces  ",
      "tabs\tand\nnewlines\r\n\r\n", "", "a", "x".repeat(500), "12345678901234567890",
      "def main():\n    return x + y  # comment\n", "Ünïcödé ßtraße — “quotes”");

  @Test
  void decode_ofEncode_returnsTheOriginalText() {
    for (Tokenizer t : List.of(llama3(), qwen2())) {
      for (String s : SAMPLES) {
        assertThat(t.decode(t.encode(s, false))).as("%s on %s", t, s).isEqualTo(s);
      }
    }
  }

  @Test
  void decode_ofEncode_returnsRandomUnicodeUnchanged() {
    Tokenizer t = llama3();
    Random r = new Random(7);
    for (int i = 0; i < 300; i++) {
      StringBuilder sb = new StringBuilder();
      int n = r.nextInt(30);
      for (int j = 0; j < n; j++) {
        int cp = switch (r.nextInt(4)) {
          case 0 -> 32 + r.nextInt(95);
          case 1 -> 0xA0 + r.nextInt(0x700);
          case 2 -> 0x4E00 + r.nextInt(0x100);
          default -> 0x1F600 + r.nextInt(0x50);
        };
        sb.appendCodePoint(cp);
      }
      String s = sb.toString();
      assertThat(t.decode(t.encode(s, false))).isEqualTo(s);
    }
  }

  @Test
  void encode_mergesByRank_matchesTheTextbookBpeLoop() {
    Tokenizer t = llama3();
    ObjectNode json = TokenizerFixtures.byteLevel(TokenizerFixtures.Options.llama3());
    Tokenizer.Spec spec = HfTokenizerLoader.parse(json, "t.json", null, "c.json", null);
    Random r = new Random(1);
    String corpus = TokenizerFixtures.CORPUS;
    for (int i = 0; i < 500; i++) {
      int a = r.nextInt(corpus.length());
      String s = corpus.substring(a, Math.min(corpus.length(), a + 1 + r.nextInt(40)));
      List<Integer> expected = new ArrayList<>();
      for (String piece : t.preTokenize(s)) {
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        int[] symbols = new int[bytes.length];
        for (int k = 0; k < bytes.length; k++) {
          symbols[k] = t.tokenId(String.valueOf((char) ByteLevel.BYTE_TO_CHAR[bytes[k] & 0xFF])).orElseThrow();
        }
        for (int id : TokenizerFixtures.naiveBpe(symbols, spec.merges())) {
          expected.add(id);
        }
      }
      assertThat(t.encode(s, false)).as("'%s'", s).containsExactly(expected.stream().mapToInt(Integer::intValue).toArray());
    }
  }

  @Test
  void encode_mergesFrequentWordsIntoSingleTokens() {
    Tokenizer t = llama3();
    int[] ids = t.encode(" the", false);
    assertThat(ids).hasSize(1);
    assertThat(t.token(ids[0])).isEqualTo("\u0120the"); // Ġ is the byte-level space
  }

  @Test
  void merges_inPairForm_encodeLikeTheStringForm() {
    Tokenizer strings = Tokenizer.fromHfDirectory(TokenizerFixtures.write(dir.resolve("a"),
        TokenizerFixtures.byteLevel(TokenizerFixtures.Options.qwen2().withPairMerges(false)), null));
    Tokenizer pairs = Tokenizer.fromHfDirectory(TokenizerFixtures.write(dir.resolve("b"),
        TokenizerFixtures.byteLevel(TokenizerFixtures.Options.qwen2().withPairMerges(true)), null));
    for (String s : SAMPLES) {
      assertThat(pairs.encode(s)).isEqualTo(strings.encode(s));
    }
  }

  @Test
  void encode_matchesAddedTokensBeforePreTokenization() {
    Tokenizer t = qwen2();
    int imStart = t.tokenId("<|im_start|>").getAsInt();
    int imEnd = t.tokenId("<|im_end|>").getAsInt();
    int[] ids = t.encode("<|im_start|>user\nHello<|im_end|>\n", false);
    assertThat(ids[0]).isEqualTo(imStart);
    assertThat(ids).contains(imEnd);
    assertThat(t.decode(ids)).isEqualTo("<|im_start|>user\nHello<|im_end|>\n");
    assertThat(t.decode(ids, true)).isEqualTo("user\nHello\n");
    List<Integer> boxed = java.util.Arrays.stream(ids).boxed().toList();
    assertThat(t.decode(boxed)).isEqualTo("<|im_start|>user\nHello<|im_end|>\n");
    assertThat(t.decode(boxed, true)).isEqualTo("user\nHello\n");
    // Without the added-token pass the regex would split "<|" and "im" apart.
    assertThat(t.encode("x<|im_end|>y", false)).containsSubsequence(imEnd);
  }

  @Test
  void encode_withSpecialTokens_prependsBosFromThePostProcessor() {
    Tokenizer t = llama3();
    int bos = t.bosTokenId().getAsInt();
    assertThat(t.encode("Hi")[0]).isEqualTo(bos);
    assertThat(t.encode("Hi", false)[0]).isNotEqualTo(bos);
    assertThat(t.encode("Hi")).hasSize(t.encode("Hi", false).length + 1);
  }

  @Test
  void encode_withoutPostProcessor_usesAddBosTokenOfTheConfig() {
    ObjectNode json = TokenizerFixtures.byteLevel(TokenizerFixtures.Options.llama3());
    json.putNull("post_processor");
    ObjectNode config = TokenizerFixtures.config("<|begin_of_text|>", "<|eot_id|>", null);
    config.put("add_bos_token", true);
    Tokenizer t = Tokenizer.fromHfDirectory(TokenizerFixtures.write(dir, json, config));
    assertThat(t.encode("Hi")[0]).isEqualTo(t.bosTokenId().getAsInt());
    config.put("add_bos_token", false);
    Tokenizer u = Tokenizer.fromHfDirectory(TokenizerFixtures.write(dir, json, config));
    assertThat(u.encode("Hi")).isEqualTo(u.encode("Hi", false));
  }

  @Test
  void preTokenize_llama3Regex_groupsDigitsByThreeAndFoldsContractionCase() {
    assertThat(llama3().preTokenize("Hello world 12345!!\n\n  x I'M"))
        .containsExactly("Hello", " world", " ", "123", "45", "!!\n\n", " ", " x", " I", "'M");
  }

  @Test
  void preTokenize_qwen2Regex_splitsDigitsOneByOne() {
    assertThat(qwen2().preTokenize("Hello world 12345!!"))
        .containsExactly("Hello", " world", " ", "1", "2", "3", "4", "5", "!!");
  }

  @Test
  void preTokenize_gpt2ByteLevelRegex_keepsSpaceWithNumbers() {
    ObjectNode json = TokenizerFixtures.byteLevel(TokenizerFixtures.Options.llama3());
    ObjectNode bl = TokenizerFixtures.JSON.createObjectNode();
    bl.put("type", "ByteLevel");
    bl.put("add_prefix_space", false);
    bl.put("use_regex", true);
    json.set("pre_tokenizer", bl);
    Tokenizer t = Tokenizer.fromHfDirectory(TokenizerFixtures.write(dir, json, null));
    assertThat(t.preTokenize("Hello world 12345!!\n\n  x I'M"))
        .containsExactly("Hello", " world", " 12345", "!!", "\n\n ", " x", " I", "'", "M");
  }

  @Test
  void preTokenize_nfcNormalizer_composesCharacters() {
    ObjectNode json = TokenizerFixtures.byteLevel(TokenizerFixtures.Options.qwen2());
    json.putObject("normalizer").put("type", "NFC");
    Tokenizer t = Tokenizer.fromHfDirectory(TokenizerFixtures.write(dir, json, null));
    assertThat(t.encode("cafe\u0301", false)).isEqualTo(t.encode("caf\u00e9", false));
  }

  @Test
  void ignoreMerges_usesAWholeWordTokenEvenWhenMergesWouldNotReachIt() {
    ObjectNode json = TokenizerFixtures.byteLevel(TokenizerFixtures.Options.llama3());
    ((ObjectNode) json.get("model").get("vocab")).put("zqzq", 9999);
    Tokenizer t = Tokenizer.fromHfDirectory(TokenizerFixtures.write(dir, json, null));
    assertThat(t.encode("zqzq", false)).containsExactly(9999);
    ((ObjectNode) json.get("model")).put("ignore_merges", false);
    Tokenizer u = Tokenizer.fromHfDirectory(TokenizerFixtures.write(dir, json, null));
    assertThat(u.encode("zqzq", false)).hasSizeGreaterThan(1);
  }

  @Test
  void config_readsBosEosAndGenerationConfigEosIds() throws Exception {
    Tokenizer t = llama3();
    assertThat(t.bosToken()).contains("<|begin_of_text|>");
    assertThat(t.eosTokenIds()).containsExactly(t.tokenId("<|eot_id|>").getAsInt());
    int endOfText = t.tokenId("<|end_of_text|>").getAsInt();
    Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [" + endOfText + ", "
        + t.tokenId("<|eot_id|>").getAsInt() + "]}");
    Tokenizer u = Tokenizer.fromHfDirectory(dir);
    assertThat(u.eosTokenIds()).containsExactly(t.tokenId("<|eot_id|>").getAsInt(), endOfText);
  }

  @Test
  void config_acceptsAddedTokenObjectsAndNamedTemplateLists() {
    ObjectNode config = TokenizerFixtures.JSON.createObjectNode();
    config.putObject("bos_token").put("__type", "AddedToken").put("content", "<|begin_of_text|>");
    config.putObject("eos_token").put("__type", "AddedToken").put("content", "<|eot_id|>");
    var list = config.putArray("chat_template");
    list.addObject().put("name", "tool_use").put("template", "TOOLS");
    list.addObject().put("name", "default").put("template", "{{ bos_token }}{{ messages[0].content }}");
    Tokenizer t = Tokenizer.fromHfDirectory(TokenizerFixtures.write(dir,
        TokenizerFixtures.byteLevel(TokenizerFixtures.Options.llama3()), config));
    assertThat(t.chatTemplate().orElseThrow().render(List.of(ChatMessage.user("hey")), false))
        .isEqualTo("<|begin_of_text|>hey");
    assertThat(t.eosToken()).contains("<|eot_id|>");
  }

  @Test
  void specialTokens_areListedAndSkippable() {
    Tokenizer t = llama3();
    assertThat(t.specialTokenIds()).hasSize(5);
    int eot = t.tokenId("<|eot_id|>").getAsInt();
    assertThat(t.isSpecial(eot)).isTrue();
    assertThat(t.isSpecial(t.encode("a", false)[0])).isFalse();
  }

  @Test
  void decode_ofAnIdOutsideTheVocabulary_namesTheIdAndRange() {
    Tokenizer t = llama3();
    assertThatThrownBy(() -> t.decode(new int[] {t.vocabSize()}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("token id " + t.vocabSize())
        .hasMessageContaining("[0, " + t.vocabSize() + ")");
  }

  @Test
  void decode_ofACutMultiByteCharacter_givesReplacementCharacter() {
    Tokenizer t = llama3();
    int[] ids = t.encode("😀", false);
    int[] cut = Arrays.copyOf(ids, ids.length);
    // Single bytes: the first byte of the emoji alone is not a character.
    int firstByte = t.tokenId(String.valueOf((char) ByteLevel.BYTE_TO_CHAR[0xF0])).getAsInt();
    assertThat(t.decode(new int[] {firstByte})).isEqualTo("\uFFFD");
    assertThat(t.decode(cut)).isEqualTo("😀");
  }

  // ---- malformed input ----

  @Test
  void load_withoutTokenizerJson_namesTheDirectoryAndTheFix() {
    assertThatThrownBy(() -> Tokenizer.fromHfDirectory(dir))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining("no tokenizer.json in " + dir)
        .hasMessageContaining("save_pretrained");
  }

  @Test
  void load_ofInvalidJson_namesTheFileAndPosition() throws Exception {
    Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"vocab\": {\"a\": 0,}");
    assertThatThrownBy(() -> Tokenizer.fromHfDirectory(dir))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining(dir.resolve("tokenizer.json").toString())
        .hasMessageContaining("is not valid JSON")
        .hasMessageContaining("line 1");
  }

  @Test
  void load_ofMergeWithUnknownToken_namesTheMergeAndToken() {
    ObjectNode json = TokenizerFixtures.byteLevel(TokenizerFixtures.Options.llama3());
    ((com.fasterxml.jackson.databind.node.ArrayNode) json.get("model").get("merges")).insert(0, "Ġzz q");
    TokenizerFixtures.write(dir, json, null);
    assertThatThrownBy(() -> Tokenizer.fromHfDirectory(dir))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining("tokenizer.json")
        .hasMessageContaining("model.merges[0]")
        .hasMessageContaining("'Ġzz'");
  }

  @Test
  void load_ofMalformedMergeEntry_saysWhatShapeIsExpected() {
    ObjectNode json = TokenizerFixtures.byteLevel(TokenizerFixtures.Options.llama3());
    ((com.fasterxml.jackson.databind.node.ArrayNode) json.get("model").get("merges")).insert(3, 42);
    TokenizerFixtures.write(dir, json, null);
    assertThatThrownBy(() -> Tokenizer.fromHfDirectory(dir))
        .hasMessageContaining("model.merges[3] is 42; expected \"a b\" or [\"a\", \"b\"]");
  }

  @Test
  void load_ofUnigramModel_saysOnlyBpeIsSupported() {
    ObjectNode json = TokenizerFixtures.byteLevel(TokenizerFixtures.Options.llama3());
    ((ObjectNode) json.get("model")).put("type", "Unigram");
    TokenizerFixtures.write(dir, json, null);
    assertThatThrownBy(() -> Tokenizer.fromHfDirectory(dir))
        .hasMessageContaining("model.type is 'Unigram'; only BPE");
  }

  @Test
  void load_ofUnsupportedPreTokenizer_namesItsPathAndType() {
    ObjectNode json = TokenizerFixtures.byteLevel(TokenizerFixtures.Options.llama3());
    ((ObjectNode) json.get("pre_tokenizer").get("pretokenizers").get(0)).put("type", "Whitespace");
    TokenizerFixtures.write(dir, json, null);
    assertThatThrownBy(() -> Tokenizer.fromHfDirectory(dir))
        .hasMessageContaining("pre_tokenizer.pretokenizers[0].type 'Whitespace' is not supported");
  }

  @Test
  void load_ofBadRegex_quotesTheRegex() {
    ObjectNode json = TokenizerFixtures.byteLevel(TokenizerFixtures.Options.llama3());
    ((ObjectNode) json.get("pre_tokenizer").get("pretokenizers").get(0).get("pattern")).put("Regex", "(unclosed");
    TokenizerFixtures.write(dir, json, null);
    assertThatThrownBy(() -> Tokenizer.fromHfDirectory(dir)).hasMessageContaining("regex /(unclosed/ does not compile");
  }

  @Test
  void load_withEosTokenOutsideVocabulary_namesTheFieldAndTheFix() {
    TokenizerFixtures.write(dir, TokenizerFixtures.byteLevel(TokenizerFixtures.Options.llama3()),
        TokenizerFixtures.config("<|begin_of_text|>", "</s>", null));
    assertThatThrownBy(() -> Tokenizer.fromHfDirectory(dir))
        .hasMessageContaining("eos_token '</s>' is not a token of the vocabulary");
  }

  @Test
  void load_ofByteLevelVocabularyMissingAByte_namesTheByte() {
    ObjectNode json = TokenizerFixtures.byteLevel(TokenizerFixtures.Options.llama3());
    ObjectNode vocab = (ObjectNode) json.get("model").get("vocab");
    vocab.remove("A");
    json.set("model", json.get("model"));
    ((ObjectNode) json.get("model")).putArray("merges");
    TokenizerFixtures.write(dir, json, null);
    assertThatThrownBy(() -> Tokenizer.fromHfDirectory(dir)).hasMessageContaining("no token for byte 0x41");
  }

  @Test
  void load_ofDuplicateIds_namesBothTokens() {
    ObjectNode json = TokenizerFixtures.byteLevel(TokenizerFixtures.Options.llama3());
    ((ObjectNode) json.get("model").get("vocab")).put("duplicate", 5);
    TokenizerFixtures.write(dir, json, null);
    assertThatThrownBy(() -> Tokenizer.fromHfDirectory(dir)).hasMessageContaining("gives id 5 to both");
  }
}
