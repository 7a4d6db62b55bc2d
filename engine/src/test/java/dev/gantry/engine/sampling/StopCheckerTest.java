package dev.gantry.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gantry.engine.tokenizer.Tokenizer;
import dev.gantry.engine.tokenizer.TokenizerFixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StopCheckerTest {
  @TempDir Path dir;
  Tokenizer tokenizer;
  int eot;

  @BeforeEach
  void load() {
    tokenizer = TokenizerFixtures.llama3(dir);
    eot = tokenizer.tokenId("<|eot_id|>").getAsInt();
  }

  private List<StopChecker.Step> feed(StopChecker c, int[] ids) {
    List<StopChecker.Step> steps = new ArrayList<>();
    for (int id : ids) {
      StopChecker.Step s = c.accept(id);
      steps.add(s);
      if (s.finished()) {
        break;
      }
    }
    return steps;
  }

  private static String text(List<StopChecker.Step> steps) {
    StringBuilder sb = new StringBuilder();
    steps.forEach(s -> sb.append(s.textDelta()));
    return sb.toString();
  }

  @Test
  void stopString_splitAcrossTokens_isNeverEmitted() {
    StopChecker c = new StopChecker(SamplingParams.builder().stop("###").maxTokens(100).build(), tokenizer);
    List<StopChecker.Step> steps = feed(c, TokenizerFixtures.byteTokens(tokenizer, "Hello ### world"));
    assertThat(steps).allSatisfy(s -> assertThat(s.textDelta()).doesNotContain("#"));
    assertThat(text(steps)).isEqualTo("Hello ");
    assertThat(steps.get(steps.size() - 1).stopReason()).isEqualTo(new StopReason.StopString("###"));
    assertThat(c.stopReason().finishReason()).isEqualTo("stop");
    assertThat(c.stopReason().stopReason()).isEqualTo("###");
    assertThat(c.numOutputTokens()).isEqualTo(9);
  }

  @Test
  void heldBackPrefix_isReleasedOnceItCannotBeAStopString() {
    StopChecker c = new StopChecker(SamplingParams.builder().stop("###").maxTokens(100).build(), tokenizer);
    int[] ids = TokenizerFixtures.byteTokens(tokenizer, "a## b");
    assertThat(c.accept(ids[0]).textDelta()).isEqualTo("a");
    assertThat(c.accept(ids[1]).textDelta()).isEmpty();
    assertThat(c.accept(ids[2]).textDelta()).isEmpty();
    assertThat(c.accept(ids[3]).textDelta()).isEqualTo("## ");
    assertThat(c.accept(ids[4]).textDelta()).isEqualTo("b");
  }

  @Test
  void includeStopStrInOutput_emitsTheStopStringAndNothingAfter() {
    StopChecker c = new StopChecker(SamplingParams.builder().stop("END").includeStopStrInOutput(true).maxTokens(100).build(),
        tokenizer);
    assertThat(text(feed(c, tokenizer.encode("abc END tail", false)))).isEqualTo("abc END");
  }

  @Test
  void earliestStopString_wins() {
    StopChecker c = new StopChecker(SamplingParams.builder().stop("world", "lo w").maxTokens(100).build(), tokenizer);
    feed(c, tokenizer.encode("Hello world", false));
    assertThat(c.outputText()).isEqualTo("Hel");
    assertThat(c.stopReason()).isEqualTo(new StopReason.StopString("lo w"));
  }

  @Test
  void eos_stopsWithoutEmittingItsText_andFlushesHeldText() {
    StopChecker c = new StopChecker(SamplingParams.builder().stop("###").maxTokens(100).skipSpecialTokens(false).build(),
        tokenizer);
    int[] ids = TokenizerFixtures.byteTokens(tokenizer, "ok #");
    feed(c, ids);
    StopChecker.Step last = c.accept(eot);
    assertThat(last.stopReason()).isEqualTo(new StopReason.Eos(eot));
    assertThat(last.textDelta()).isEqualTo("#");
    assertThat(c.outputText()).isEqualTo("ok #");
    assertThat(c.stopReason().stopReason()).isNull();
  }

  @Test
  void ignoreEos_keepsGoingThroughEos() {
    StopChecker c = new StopChecker(SamplingParams.builder().ignoreEos(true).maxTokens(3).build(), tokenizer);
    assertThat(c.accept(eot).finished()).isFalse();
    assertThat(c.accept(TokenizerFixtures.byteToken(tokenizer, 'x')).finished()).isFalse();
    assertThat(c.accept(eot).stopReason()).isEqualTo(StopReason.LENGTH);
    assertThat(c.outputText()).isEqualTo("x");
  }

  @Test
  void minTokens_stopStringsAndStopIdsCountOnlyOnceMinTokensAreOut() {
    int x = TokenizerFixtures.byteToken(tokenizer, 'x');
    StopChecker c = new StopChecker(SamplingParams.builder().stop("#").stopTokenIds(List.of(x)).minTokens(3)
        .maxTokens(100).build(), tokenizer);
    assertThat(c.accept(TokenizerFixtures.byteToken(tokenizer, '#')).finished()).as("stop string, 1 of 3").isFalse();
    assertThat(c.accept(x).finished()).as("stop token id, 2 of 3").isFalse();
    StopChecker.Step third = c.accept(x);
    assertThat(third.stopReason()).as("3 of 3: stop ids count again").isEqualTo(new StopReason.StopToken(x));
    assertThat(c.outputText()).isEqualTo("#x");
  }

  @Test
  void stopTokenId_stopsWithItsIdAsReason() {
    int x = TokenizerFixtures.byteToken(tokenizer, 'x');
    StopChecker c = new StopChecker(SamplingParams.builder().stopTokenIds(List.of(x)).maxTokens(100).build(), tokenizer);
    c.accept(TokenizerFixtures.byteToken(tokenizer, 'a'));
    StopChecker.Step s = c.accept(x);
    assertThat(s.stopReason()).isEqualTo(new StopReason.StopToken(x));
    assertThat(s.stopReason().stopReason()).isEqualTo(x);
    assertThat(c.outputText()).isEqualTo("a");
  }

  @Test
  void maxTokens_stopsWithLength_andFlushesAnUnfinishedCharacterAsReplacement() {
    StopChecker c = new StopChecker(SamplingParams.builder().maxTokens(3).build(), tokenizer);
    int[] ids = TokenizerFixtures.byteTokens(tokenizer, "a😀");
    assertThat(c.accept(ids[0]).textDelta()).isEqualTo("a");
    assertThat(c.accept(ids[1]).textDelta()).isEmpty();
    StopChecker.Step last = c.accept(ids[2]);
    assertThat(last.stopReason().finishReason()).isEqualTo("length");
    assertThat(last.textDelta()).isEqualTo("\uFFFD");
  }

  @Test
  void accept_afterStop_isRejected() {
    StopChecker c = new StopChecker(SamplingParams.builder().maxTokens(1).build(), tokenizer);
    c.accept(eot);
    assertThatThrownBy(() -> c.accept(eot)).isInstanceOf(IllegalStateException.class).hasMessageContaining("already stopped");
  }

  @Test
  void finish_fromOutside_releasesHeldText() {
    StopChecker c = new StopChecker(SamplingParams.builder().stop("###").maxTokens(100).build(), tokenizer);
    feed(c, TokenizerFixtures.byteTokens(tokenizer, "ab#"));
    assertThat(c.outputText()).isEqualTo("ab");
    StopChecker.Step s = c.finish(StopReason.ABORT);
    assertThat(s.textDelta()).isEqualTo("#");
    assertThat(s.stopReason().finishReason()).isEqualTo("abort");
  }

  @Test
  void randomStreams_emitExactlyTheTextBeforeTheFirstStopString() {
    Random r = new Random(2024);
    String[] alphabet = {"a", "b", "#", "é", "😀", " ", "##", "ab"};
    List<String> stops = List.of("##b", "😀 ", "aé#");
    for (int round = 0; round < 400; round++) {
      StringBuilder sb = new StringBuilder();
      int n = 1 + r.nextInt(20);
      for (int i = 0; i < n; i++) {
        sb.append(alphabet[r.nextInt(alphabet.length)]);
      }
      String full = sb.toString();
      int[] ids = r.nextBoolean() ? tokenizer.encode(full, false) : TokenizerFixtures.byteTokens(tokenizer, full);
      StopChecker c = new StopChecker(SamplingParams.builder().stop(stops).maxTokens(1000).build(), tokenizer);
      List<StopChecker.Step> steps = feed(c, ids);
      if (!steps.get(steps.size() - 1).finished()) {
        c.finish(StopReason.LENGTH);
      }
      int cut = full.length();
      for (String s : stops) {
        int at = full.indexOf(s);
        if (at >= 0) {
          cut = Math.min(cut, at);
        }
      }
      String expected = full.substring(0, cut);
      assertThat(c.outputText()).as("stream of '%s'", full).isEqualTo(expected);
      StringBuilder emitted = new StringBuilder();
      for (StopChecker.Step s : steps) {
        emitted.append(s.textDelta());
        assertThat(expected).startsWith(emitted.toString());
      }
    }
  }
}
