package dev.gantry.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SamplerTest {
  private static float[] logitsOfProbs(double... probs) {
    float[] x = new float[probs.length];
    for (int i = 0; i < probs.length; i++) {
      x[i] = (float) Math.log(probs[i]);
    }
    return x;
  }

  private static float[] randomLogits(int n, long seed) {
    Random r = new Random(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (r.nextGaussian() * 3);
    }
    return x;
  }

  private static int[] histogram(SamplingParams p, float[] logits, int draws) {
    Sampler s = new Sampler(p);
    int[] counts = new int[logits.length];
    for (int i = 0; i < draws; i++) {
      counts[s.sample(logits, TokenHistory.EMPTY).tokenId()]++;
    }
    return counts;
  }

  @Test
  void greedy_picksTheArgmax_andLeavesTheCallersLogitsAlone() {
    float[] logits = {0.1f, 2.5f, -1f, 2.4f};
    float[] copy = logits.clone();
    SampledToken t = new Sampler(SamplingParams.greedy()).sample(logits, TokenHistory.EMPTY);
    assertThat(t.tokenId()).isEqualTo(1);
    assertThat(t.hasLogprobs()).isFalse();
    assertThat(logits).isEqualTo(copy);
  }

  @Test
  void sameSeed_givesTheSameTokens_andAnotherSeedDiffers() {
    float[] logits = randomLogits(1000, 3);
    SamplingParams p = SamplingParams.builder().temperature(1.0).seed(1234L).build();
    List<Integer> a = new ArrayList<>();
    List<Integer> b = new ArrayList<>();
    List<Integer> c = new ArrayList<>();
    Sampler sa = new Sampler(p);
    Sampler sb = new Sampler(p);
    Sampler sc = new Sampler(p.toBuilder().seed(99L).build());
    for (int i = 0; i < 50; i++) {
      a.add(sa.sample(logits, TokenHistory.EMPTY).tokenId());
      b.add(sb.sample(logits, TokenHistory.EMPTY).tokenId());
      c.add(sc.sample(logits, TokenHistory.EMPTY).tokenId());
    }
    assertThat(a).isEqualTo(b);
    assertThat(a).isNotEqualTo(c);
  }

  @Test
  void temperatureSampling_followsTheSoftmaxDistribution() {
    float[] logits = logitsOfProbs(0.5, 0.3, 0.15, 0.05);
    int draws = 40_000;
    int[] counts = histogram(SamplingParams.builder().seed(7L).build(), logits, draws);
    double[] expected = {0.5, 0.3, 0.15, 0.05};
    for (int i = 0; i < 4; i++) {
      assertThat(counts[i] / (double) draws).as("token %d", i).isCloseTo(expected[i], within(0.01));
    }
  }

  @Test
  void lowTemperature_sharpensTowardsTheArgmax() {
    float[] logits = logitsOfProbs(0.4, 0.35, 0.25);
    int[] counts = histogram(SamplingParams.builder().temperature(0.1).seed(7L).build(), logits, 2000);
    assertThat(counts[0]).isGreaterThan(1500);
  }

  @Test
  void topK_onlyDrawsFromTheKMostLikely() {
    float[] logits = randomLogits(200, 5);
    int[] counts = histogram(SamplingParams.builder().topK(3).seed(1L).build(), logits, 3000);
    Set<Integer> drawn = new HashSet<>();
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] > 0) {
        drawn.add(i);
      }
    }
    Set<Integer> top3 = new HashSet<>();
    for (int id : Sampler.topIndices(logits, 3)) {
      top3.add(id);
    }
    assertThat(drawn).isEqualTo(top3);
  }

  @Test
  void topP_keepsTheSmallestSetReachingP() {
    float[] logits = logitsOfProbs(0.5, 0.3, 0.15, 0.05);
    int[] counts = histogram(SamplingParams.builder().topP(0.75).seed(3L).build(), logits, 5000);
    assertThat(counts[0]).isPositive();
    assertThat(counts[1]).isPositive();
    assertThat(counts[2]).isZero();
    assertThat(counts[3]).isZero();
    // Renormalized over {0.5, 0.3}: 0.625 / 0.375.
    assertThat(counts[0] / 5000.0).isCloseTo(0.625, within(0.02));
  }

  @Test
  void minP_dropsTokensBelowAFractionOfTheTopProbability() {
    float[] logits = logitsOfProbs(0.5, 0.3, 0.15, 0.05);
    int[] counts = histogram(SamplingParams.builder().minP(0.25).seed(3L).build(), logits, 5000);
    // Threshold 0.25 * 0.5 = 0.125: tokens 0, 1, 2 stay, token 3 (0.05) goes.
    assertThat(counts[2]).isPositive();
    assertThat(counts[3]).isZero();
  }

  @Test
  void repetitionPenalty_dividesPositiveAndMultipliesNegativeLogitsOfSeenTokens() {
    float[] logits = {2.0f, -1.0f, 1.5f, 0.5f};
    SamplingParams p = SamplingParams.builder().temperature(0).repetitionPenalty(2.0).logprobs(4).build();
    SampledToken t = new Sampler(p).sample(logits, TokenHistory.of(new int[] {0}, new int[] {1}));
    // Processed logits: {1.0, -2.0, 1.5, 0.5} -> argmax is token 2.
    assertThat(t.tokenId()).isEqualTo(2);
    assertLogprobsOf(t, new float[] {1.0f, -2.0f, 1.5f, 0.5f});
  }

  @Test
  void presenceAndFrequencyPenalties_subtractPerOutputOccurrence_andIgnoreThePrompt() {
    float[] logits = {1.0f, 1.0f, 1.0f, 1.0f};
    SamplingParams p = SamplingParams.builder().temperature(0).presencePenalty(0.5).frequencyPenalty(0.25).logprobs(4).build();
    Sampler s = new Sampler(p);
    SampledToken t = s.sample(logits, TokenHistory.of(new int[] {3, 3, 3}, new int[] {0, 0, 1}));
    // token 0: 1 - 0.5 - 2 * 0.25 = 0; token 1: 1 - 0.5 - 0.25 = 0.25; token 3 only in the prompt.
    assertLogprobsOf(t, new float[] {0.0f, 0.25f, 1.0f, 1.0f});
    assertThat(t.tokenId()).isEqualTo(2);
    // Incremental: the next step sees one more output token 2.
    SampledToken u = s.sample(logits, TokenHistory.of(new int[] {3, 3, 3}, new int[] {0, 0, 1, 2}));
    assertLogprobsOf(u, new float[] {0.0f, 0.25f, 0.25f, 1.0f});
  }

  @Test
  void minTokens_masksEosAndStopIdsUntilEnoughOutput_thenLetsThemWin() {
    float[] logits = {0f, 1f, 9f, 8f}; // 2 = EOS, 3 = a stop_token_id: both would win greedily
    SamplingParams p = SamplingParams.builder().temperature(0).stopTokenIds(List.of(3)).minTokens(2).maxTokens(10).build();
    Sampler s = new Sampler(p, List.of(2));
    assertThat(s.sample(logits, TokenHistory.of(new int[] {0}, new int[] {})).tokenId()).isEqualTo(1);
    assertThat(s.sample(logits, TokenHistory.of(new int[] {0}, new int[] {1})).tokenId()).isEqualTo(1);
    assertThat(s.sample(logits, TokenHistory.of(new int[] {0}, new int[] {1, 1})).tokenId()).isEqualTo(2);
    SamplingParams ignoringEos = p.toBuilder().ignoreEos(true).build();
    assertThat(new Sampler(ignoringEos, List.of(2)).sample(logits, TokenHistory.EMPTY).tokenId())
        .as("ignore_eos: only the stop id is masked").isEqualTo(2);
  }

  @Test
  void logitBias_shiftsTheChosenToken() {
    float[] logits = {1.0f, 0.9f};
    SamplingParams p = SamplingParams.builder().temperature(0).logitBias(Map.of(0, -100.0)).build();
    assertThat(new Sampler(p).sample(logits, TokenHistory.EMPTY).tokenId()).isEqualTo(1);
  }

  @Test
  void logprobs_areLogSoftmaxOfTheSampledDistribution_withTopNInOrder() {
    float[] logits = randomLogits(50, 11);
    SamplingParams p = SamplingParams.builder().temperature(0.5).seed(5L).logprobs(5).build();
    SampledToken t = new Sampler(p).sample(logits, TokenHistory.EMPTY);
    float[] scaled = new float[logits.length];
    for (int i = 0; i < logits.length; i++) {
      scaled[i] = logits[i] / 0.5f;
    }
    assertLogprobsOf(t, scaled);
    assertThat(t.topLogprobs()).hasSize(5);
    for (int i = 1; i < 5; i++) {
      assertThat(t.topLogprobs().get(i).logprob()).isLessThanOrEqualTo(t.topLogprobs().get(i - 1).logprob());
    }
    assertThat(t.topLogprobs().get(0).tokenId()).isEqualTo(Sampler.argmax(logits));
  }

  @Test
  void logprobs_withTopK_excludeFilteredTokensAndRenormalize() {
    float[] logits = logitsOfProbs(0.5, 0.3, 0.15, 0.05);
    SamplingParams p = SamplingParams.builder().topK(2).seed(5L).logprobs(4).build();
    SampledToken t = new Sampler(p).sample(logits, TokenHistory.EMPTY);
    assertThat(t.topLogprobs()).extracting(TopLogprob::tokenId).containsExactly(0, 1);
    assertThat((double) t.topLogprobs().get(0).logprob()).isCloseTo(Math.log(0.625), within(1e-5));
  }

  @Test
  void logprobsZero_givesTheChosenTokensLogprobOnly() {
    SamplingParams p = SamplingParams.builder().temperature(0).logprobs(0).build();
    SampledToken t = new Sampler(p).sample(logitsOfProbs(0.75, 0.25), TokenHistory.EMPTY);
    assertThat((double) t.logprob()).isCloseTo(Math.log(0.75), within(1e-6));
    assertThat(t.topLogprobs()).isEmpty();
  }

  @Test
  void topP_histogramCut_keepsTheSameSetAsSortingTheVocabulary() {
    Random r = new Random(9);
    for (int round = 0; round < 300; round++) {
      int v = 1 + r.nextInt(3000);
      float[] prob = new float[v];
      float[] x = new float[v];
      double total = 0;
      for (int i = 0; i < v; i++) {
        // Coarse values so that ties are common.
        prob[i] = switch (r.nextInt(3)) {
          case 0 -> (float) r.nextInt(5) / 4 + 0.25f;
          case 1 -> (float) Math.exp(-r.nextInt(40) / 4.0);
          default -> (float) Math.exp(-60 * r.nextDouble()); // spans every bucket incl. the open last one
        };
        x[i] = (float) Math.log(prob[i]);
        total += prob[i];
      }
      double p = r.nextDouble();
      // Reference: sort by probability descending, id ascending; keep until the mass reaches p.
      Integer[] order = new Integer[v];
      for (int i = 0; i < v; i++) {
        order[i] = i;
      }
      float[] original = prob.clone();
      java.util.Arrays.sort(order, (a, b) -> original[a] != original[b] ? Float.compare(original[b], original[a]) : a - b);
      java.util.Set<Integer> expected = new HashSet<>();
      double acc = 0;
      for (int id : order) {
        if (acc >= p * total) {
          break;
        }
        expected.add(id);
        acc += original[id];
      }
      float max = Float.NEGATIVE_INFINITY;
      for (float f : x) {
        max = Math.max(max, f);
      }
      Sampler.applyTopP(x, prob, total, p, max);
      java.util.Set<Integer> kept = new HashSet<>();
      for (int i = 0; i < v; i++) {
        if (prob[i] > 0) {
          kept.add(i);
          assertThat(x[i]).isNotEqualTo(Float.NEGATIVE_INFINITY);
        } else {
          assertThat(x[i]).isEqualTo(Float.NEGATIVE_INFINITY);
        }
      }
      assertThat(kept).as("round %d, v=%d, p=%f", round, v, p).isEqualTo(expected);
    }
  }

  @Test
  void kthLargest_andTopIndices_matchASort() {
    float[] x = randomLogits(500, 2);
    float[] sorted = x.clone();
    java.util.Arrays.sort(sorted);
    assertThat(Sampler.kthLargest(x, 10)).isEqualTo(sorted[sorted.length - 10]);
    int[] top = Sampler.topIndices(x, 10);
    for (int i = 0; i < 10; i++) {
      assertThat(x[top[i]]).isEqualTo(sorted[sorted.length - 1 - i]);
    }
  }

  private static void assertLogprobsOf(SampledToken t, float[] processed) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : processed) {
      max = Math.max(max, v);
    }
    double sum = 0;
    for (float v : processed) {
      sum += Math.exp(v - max);
    }
    double logZ = max + Math.log(sum);
    assertThat((double) t.logprob()).isCloseTo(processed[t.tokenId()] - logZ, within(1e-4));
    for (TopLogprob top : t.topLogprobs()) {
      assertThat((double) top.logprob()).isCloseTo(processed[top.tokenId()] - logZ, within(1e-4));
    }
  }
}
