package dev.gantry.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Llama 2 / Mistral style tokenizer.json: U+2581 spaces, byte fallback, no byte-level alphabet. */
class SentencePieceBpeTest {
  @TempDir Path dir;

  private Tokenizer load(boolean metaspace) {
    return Tokenizer.fromHfDirectory(TokenizerFixtures.write(dir.resolve(metaspace ? "m" : "n"),
        TokenizerFixtures.sentencePiece(metaspace), TokenizerFixtures.config("<s>", "</s>", null)));
  }

  private static List<String> tokens(Tokenizer t, int[] ids) {
    return java.util.Arrays.stream(ids).mapToObj(t::token).toList();
  }

  @Test
  void encode_prependsTheSpaceMarker_andMergesLikeTheTextbookLoop() {
    Tokenizer t = load(false);
    Tokenizer.Spec spec = HfTokenizerLoader.parse(TokenizerFixtures.sentencePiece(false), "t.json", null, "c.json", null);
    for (String s : List.of("Hello world", "the quick brown fox jumps over the lazy dog", "Tokenizers merge pairs")) {
      int[] symbols = ("\u2581" + s.replace(' ', '\u2581')).codePoints()
          .map(cp -> t.tokenId(new String(Character.toChars(cp))).getAsInt()).toArray();
      assertThat(t.encode(s, false)).isEqualTo(TokenizerFixtures.naiveBpe(symbols, spec.merges()));
    }
    assertThat(tokens(t, t.encode("the lazy dog", false))).allMatch(tok -> tok.length() > 0)
        .first().asString().startsWith("\u2581");
    assertThat(t.encode("the quick brown fox", false)).hasSizeLessThan("the quick brown fox".length());
    assertThat(t.encode("Hello world")[0]).isEqualTo(t.bosTokenId().getAsInt());
  }

  @Test
  void encode_characterOutsideTheVocabulary_fallsBackToItsUtf8Bytes() {
    Tokenizer t = load(false);
    int[] ids = t.encode("😀", false);
    assertThat(tokens(t, ids)).containsExactly("\u2581", "<0xF0>", "<0x9F>", "<0x98>", "<0x80>");
  }

  @Test
  void decode_ofEncode_roundTrips_withoutTheLeadingSpace() {
    for (boolean metaspace : List.of(false, true)) {
      Tokenizer t = load(metaspace);
      for (String s : List.of("Hello world", "The quick brown fox", "emoji 😀 and café", "  two spaces")) {
        assertThat(t.decode(t.encode(s, false))).as("metaspace=%s '%s'", metaspace, s).isEqualTo(s);
        assertThat(t.decode(t.encode(s), true)).isEqualTo(s);
      }
    }
  }

  @Test
  void metaspacePreTokenizer_encodesLikeTheLegacyNormalizer() {
    Tokenizer legacy = load(false);
    Tokenizer metaspace = load(true);
    for (String s : List.of("Hello world", "The dog sleeps; the fox runs away.", "numbers 12345")) {
      assertThat(metaspace.encode(s)).isEqualTo(legacy.encode(s));
    }
  }

  @Test
  void metaspaceFirstScheme_prependsOnlyAtTheStartOfTheInput() {
    Tokenizer legacy = load(false);
    Tokenizer metaspace = load(true);
    // After an added token the legacy normalizer prepends U+2581 again; prepend_scheme=first does not.
    assertThat(tokens(legacy, legacy.encode("</s>Hello", false)).get(1)).startsWith("\u2581");
    assertThat(tokens(metaspace, metaspace.encode("</s>Hello", false)).get(1)).doesNotStartWith("\u2581");
    assertThat(metaspace.decode(metaspace.encode("</s>Hello", false))).isEqualTo("</s>Hello");
  }

  @Test
  void detokenizer_stripsTheLeadingSpaceOnce_andStreamsByteFallbackCharacters() {
    Tokenizer t = load(false);
    int[] ids = t.encode("Hello 😀 world", false);
    IncrementalDetokenizer d = t.newDetokenizer(true);
    StringBuilder out = new StringBuilder();
    for (int id : ids) {
      String delta = d.add(id);
      assertThat(delta).doesNotContain("\uFFFD");
      out.append(delta);
    }
    assertThat(out.append(d.finish()).toString()).isEqualTo("Hello 😀 world");
  }
}
