package dev.gantry.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PieceSplitterTest {
  private static final String[] ALPHABET = {"a", "Z", "é", "中", "ſ", "K", "İ", "s", "t", "re", "VE", "Ll", "m", "D",
      "'", "0", "7", "٣", "Ⅻ", "½", " ", "  ", "\t", "\n", "\r\n", "\u00A0", "\u2028", "\u3000", "\u0085", "!", "?.",
      "(", "😀", "𝐀", "_", "-", "\uD800", "\u000B"};

  @ParameterizedTest
  @ValueSource(strings = {"GPT2", "LLAMA3", "QWEN2"})
  void scanner_splitsExactlyLikeThePublishedRegex(String style) {
    String regex = switch (style) {
      case "GPT2" -> HfTokenizerLoader.GPT2_PATTERN;
      case "LLAMA3" -> GgufTokenizerLoader.LLAMA3_PATTERN;
      default -> GgufTokenizerLoader.QWEN2_PATTERN;
    };
    PieceSplitter fast = PieceSplitter.of(regex);
    assertThat(fast).isInstanceOf(PieceSplitter.Scanner.class);
    PieceSplitter slow = new PieceSplitter.RegexSplitter(Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS));
    Random r = new Random(style.hashCode());
    for (int round = 0; round < 8_000; round++) {
      StringBuilder sb = new StringBuilder();
      int n = r.nextInt(14);
      for (int i = 0; i < n; i++) {
        sb.append(ALPHABET[r.nextInt(ALPHABET.length)]);
      }
      String s = sb.toString();
      List<String> expected = new ArrayList<>();
      slow.split(s, expected);
      List<String> actual = new ArrayList<>();
      fast.split(s, actual);
      assertThat(actual).as("split of '%s'", s).isEqualTo(expected);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"GPT2", "LLAMA3"})
  void scanner_onTheFixtureCorpus_matchesTheRegex(String style) {
    String regex = style.equals("GPT2") ? HfTokenizerLoader.GPT2_PATTERN : GgufTokenizerLoader.LLAMA3_PATTERN;
    List<String> expected = new ArrayList<>();
    new PieceSplitter.RegexSplitter(Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS))
        .split(TokenizerFixtures.CORPUS, expected);
    List<String> actual = new ArrayList<>();
    PieceSplitter.of(regex).split(TokenizerFixtures.CORPUS, actual);
    assertThat(actual).isEqualTo(expected);
  }
}
