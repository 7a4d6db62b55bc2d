package dev.gantry.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IncrementalDetokenizerTest {
  @TempDir Path dir;

  @Test
  void add_emojiSplitIntoBytes_emitsItOnceComplete() {
    Tokenizer t = TokenizerFixtures.llama3(dir);
    IncrementalDetokenizer d = t.newDetokenizer(false);
    int[] ids = TokenizerFixtures.byteTokens(t, "a😀");
    assertThat(d.add(ids[0])).isEqualTo("a");
    assertThat(d.add(ids[1])).isEmpty();
    assertThat(d.add(ids[2])).isEmpty();
    assertThat(d.hasPendingBytes()).isTrue();
    assertThat(d.add(ids[3])).isEmpty();
    assertThat(d.add(ids[4])).isEqualTo("😀");
    assertThat(d.hasPendingBytes()).isFalse();
    assertThat(d.finish()).isEmpty();
  }

  @Test
  void deltas_neverContainAPartialCharacter_andConcatenateToDecode() {
    Tokenizer t = TokenizerFixtures.llama3(dir);
    String text = "naïve café 中文 😀🎉 ok";
    for (int[] ids : List.of(t.encode(text, false), TokenizerFixtures.byteTokens(t, text))) {
      IncrementalDetokenizer d = t.newDetokenizer(false);
      StringBuilder out = new StringBuilder();
      for (int id : ids) {
        String delta = d.add(id);
        assertThat(delta).doesNotContain("\uFFFD");
        if (!delta.isEmpty()) {
          assertThat(Character.isHighSurrogate(delta.charAt(delta.length() - 1))).isFalse();
        }
        out.append(delta);
      }
      out.append(d.finish());
      assertThat(out.toString()).isEqualTo(text);
    }
  }

  @Test
  void randomBytes_includingInvalidUtf8_concatenateToWhatDecodeGives() {
    Tokenizer t = TokenizerFixtures.llama3(dir);
    Random r = new Random(42);
    int[] interesting = {0x41, 0x20, 0xC3, 0xA9, 0xE4, 0xB8, 0xAD, 0xF0, 0x9F, 0x98, 0x80, 0x80, 0xFF, 0xC0, 0xED};
    for (int round = 0; round < 2000; round++) {
      int n = r.nextInt(12);
      int[] ids = new int[n];
      for (int i = 0; i < n; i++) {
        ids[i] = TokenizerFixtures.byteToken(t, interesting[r.nextInt(interesting.length)]);
      }
      IncrementalDetokenizer d = t.newDetokenizer(false);
      StringBuilder out = new StringBuilder();
      for (int id : ids) {
        out.append(d.add(id));
      }
      out.append(d.finish());
      assertThat(out.toString()).isEqualTo(t.decode(ids));
    }
  }

  @Test
  void skipSpecialTokens_dropsTheirText() {
    Tokenizer t = TokenizerFixtures.llama3(dir);
    int[] ids = t.encode("<|start_header_id|>hi<|eot_id|>", false);
    List<String> kept = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    IncrementalDetokenizer keep = t.newDetokenizer(false);
    IncrementalDetokenizer skip = t.newDetokenizer(true);
    for (int id : ids) {
      kept.add(keep.add(id));
      skipped.add(skip.add(id));
    }
    assertThat(String.join("", kept)).isEqualTo("<|start_header_id|>hi<|eot_id|>");
    assertThat(String.join("", skipped)).isEqualTo("hi");
  }

  @Test
  void add_idBeyondTheTokenizerVocabulary_hasNoText() {
    Tokenizer t = TokenizerFixtures.llama3(dir);
    IncrementalDetokenizer d = t.newDetokenizer(true);
    assertThat(d.add(t.vocabSize() + 10)).isEmpty();
    assertThat(d.add(TokenizerFixtures.byteToken(t, 'x'))).isEqualTo("x");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> d.add(-1)).hasMessageContaining("token id -1 is negative");
  }

  @Test
  void completePrefix_holdsBackOnlyAnUnfinishedTrailingCharacter() {
    byte[] b = {'a', (byte) 0xE4, (byte) 0xB8};
    assertThat(IncrementalDetokenizer.completePrefix(b, 3)).isEqualTo(1);
    assertThat(IncrementalDetokenizer.completePrefix(b, 1)).isEqualTo(1);
    byte[] stray = {'a', (byte) 0x80};
    assertThat(IncrementalDetokenizer.completePrefix(stray, 2)).isEqualTo(2);
  }
}
