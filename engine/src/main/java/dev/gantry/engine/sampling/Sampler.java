package dev.gantry.engine.sampling;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Picks the next token of one request from the model's logits. One instance per request: it
 * owns the request's RNG (seeded from {@link SamplingParams#seed()}, so the same seed gives the
 * same tokens whatever else is in the batch) and incremental penalty counts.
 *
 * <p>Order of processing, as in vLLM v1: logit_bias, then penalties (repetition over prompt and
 * output, presence/frequency over output), then — unless greedy — temperature, min_p, top_k,
 * top_p, and a draw from the remaining distribution. Cost per call is a few linear passes over
 * the vocabulary and one vectorized exp pass; no step sorts the vocabulary.
 *
 * <p>Logprobs are the log-softmax of the processed distribution the token was drawn from:
 * after penalties and bias, and for random sampling after temperature and the top-k/top-p/min-p
 * filters (filtered-out tokens have probability 0 and are never listed). For greedy requests the
 * distribution is the penalized logits at temperature 1. vLLM v1 returns raw logprobs by
 * default ({@code logprobs_mode=raw_logprobs}: the model's log-softmax before any processing)
 * and this mode with {@code processed_logprobs}; see docs/DECISIONS.md.
 *
 * <p>{@link #sample} does not modify the caller's logits. Not thread-safe.
 */
public final class Sampler {
  /** Temperatures below this sample greedily (vLLM's _SAMPLING_EPS). */
  static final double GREEDY_EPSILON = 1e-5;

  private final SamplingParams params;
  private final SplittableRandom random;
  private float[] work = new float[0];
  private float[] prob = new float[0];
  // Penalty state, built lazily and advanced incrementally as output grows.
  private int[] promptUnique;
  private int promptCounted = -1;
  private final Map<Integer, int[]> outputCounts = new HashMap<>();
  /** EOS (unless ignore_eos) and stop_token_ids: masked while output is shorter than min_tokens. */
  private final int[] blockedBeforeMinTokens;
  private int outputCounted;

  public Sampler(SamplingParams params) {
    this(params, List.of());
  }

  /**
   * A sampler that also knows the model's EOS ids, so that while fewer than
   * {@link SamplingParams#minTokens()} tokens are out it can mask them (with stop_token_ids),
   * as vLLM's min-tokens logits processor does.
   */
  public Sampler(SamplingParams params, Collection<Integer> eosTokenIds) {
    this.params = Objects.requireNonNull(params, "params");
    this.random = params.seed() == null ? new SplittableRandom() : new SplittableRandom(params.seed());
    Set<Integer> blocked = new TreeSet<>(params.stopTokenIds());
    if (!params.ignoreEos()) {
      blocked.addAll(eosTokenIds);
    }
    this.blockedBeforeMinTokens = blocked.stream().mapToInt(Integer::intValue).toArray();
  }

  public SamplingParams params() {
    return params;
  }

  /** Picks a token; {@code history} supplies prompt and output ids for the penalties. */
  public SampledToken sample(float[] logits, TokenHistory history) {
    int vocab = logits.length;
    if (work.length != vocab) {
      work = new float[vocab];
    }
    float[] x = work;
    System.arraycopy(logits, 0, x, 0, vocab);
    for (Map.Entry<Integer, Double> e : params.logitBias().entrySet()) {
      if (e.getKey() < vocab) {
        x[e.getKey()] += e.getValue().floatValue();
      }
    }
    applyPenalties(x, history);
    if (history.outputLength() < params.minTokens()) {
      for (int id : blockedBeforeMinTokens) {
        if (id < vocab) {
          x[id] = Float.NEGATIVE_INFINITY;
        }
      }
    }

    Integer n = params.logprobs();
    if (params.isGreedy()) {
      int best = argmax(x);
      return n == null ? new SampledToken(best, Float.NaN, List.of()) : withLogprobs(best, x, n, logSumExp(x));
    }
    float invT = (float) (1.0 / params.temperature());
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < vocab; i++) {
      x[i] *= invT;
      max = Math.max(max, x[i]);
    }
    if (max == Float.NEGATIVE_INFINITY) {
      throw new IllegalArgumentException("all logits are -inf after logit_bias and penalties; nothing can be sampled");
    }
    // min_p: keep tokens whose probability is at least min_p times the top probability.
    if (params.minP() > 0) {
      float cutoff = max + (float) Math.log(params.minP());
      for (int i = 0; i < vocab; i++) {
        if (x[i] < cutoff) {
          x[i] = Float.NEGATIVE_INFINITY;
        }
      }
    }
    if (params.topK() > 0 && params.topK() < vocab) {
      float kth = kthLargest(x, params.topK());
      int kept = 0;
      // Ties at the k-th value: keep the lowest ids so exactly k survive (deterministic).
      for (int i = 0; i < vocab; i++) {
        if (x[i] > kth) {
          kept++;
        }
      }
      int tiesAllowed = params.topK() - kept;
      for (int i = 0; i < vocab; i++) {
        if (x[i] < kth || (x[i] == kth && tiesAllowed-- <= 0)) {
          x[i] = Float.NEGATIVE_INFINITY;
        }
      }
    }
    // One exp pass: prob[i] = exp(x[i] - max) as floats; totals are sums of those floats.
    if (prob.length != vocab) {
      prob = new float[vocab];
    }
    expShifted(x, max, prob);
    double total = 0;
    for (int i = 0; i < vocab; i++) {
      total += prob[i];
    }
    if (params.topP() < 1) {
      total = applyTopP(x, prob, total, params.topP(), max);
    }
    double r = random.nextDouble() * total;
    int chosen = -1;
    double acc = 0;
    for (int i = 0; i < vocab; i++) {
      if (prob[i] == 0) {
        continue;
      }
      chosen = i;
      acc += prob[i];
      if (acc > r) {
        break;
      }
    }
    assert chosen >= 0;
    return n == null ? new SampledToken(chosen, Float.NaN, List.of())
        : withLogprobs(chosen, x, n, (float) (max + Math.log(total)));
  }

  private void applyPenalties(float[] x, TokenHistory history) {
    boolean repetition = params.repetitionPenalty() != 1.0;
    boolean additive = params.presencePenalty() != 0 || params.frequencyPenalty() != 0;
    if (!repetition && !additive) {
      return;
    }
    if (history.outputLength() < outputCounted) { // a different (or reset) history: recount
      outputCounts.clear();
      outputCounted = 0;
    }
    for (int i = outputCounted; i < history.outputLength(); i++) {
      outputCounts.computeIfAbsent(history.outputTokenId(i), k -> new int[1])[0]++;
    }
    outputCounted = history.outputLength();
    if (repetition) {
      if (promptCounted != history.promptLength()) {
        int[] p = new int[history.promptLength()];
        for (int i = 0; i < p.length; i++) {
          p[i] = history.promptTokenId(i);
        }
        promptUnique = Arrays.stream(p).distinct().toArray();
        promptCounted = p.length;
      }
      float penalty = (float) params.repetitionPenalty();
      for (int id : promptUnique) {
        if (id < x.length && !outputCounts.containsKey(id)) {
          x[id] = repetitionPenalized(x[id], penalty);
        }
      }
      for (int id : outputCounts.keySet()) {
        if (id < x.length) {
          x[id] = repetitionPenalized(x[id], penalty);
        }
      }
    }
    if (additive) {
      float presence = (float) params.presencePenalty();
      float frequency = (float) params.frequencyPenalty();
      for (Map.Entry<Integer, int[]> e : outputCounts.entrySet()) {
        int id = e.getKey();
        if (id < x.length) {
          x[id] -= presence + frequency * e.getValue()[0];
        }
      }
    }
  }

  private static float repetitionPenalized(float logit, float penalty) {
    return logit > 0 ? logit / penalty : logit * penalty;
  }

  static int argmax(float[] x) {
    int best = 0;
    for (int i = 1; i < x.length; i++) {
      if (x[i] > x[best]) {
        best = i; // first index wins ties, like torch.argmax
      }
    }
    return best;
  }

  /** The k-th largest value (1-based) via a size-k min-heap: O(V log k). */
  static float kthLargest(float[] x, int k) {
    float[] heap = new float[k];
    int size = 0;
    for (float v : x) {
      if (size < k) {
        heap[size] = v;
        siftUp(heap, size++);
      } else if (v > heap[0]) {
        heap[0] = v;
        siftDown(heap, k);
      }
    }
    return heap[0];
  }

  private static void siftUp(float[] h, int i) {
    float v = h[i];
    while (i > 0) {
      int p = (i - 1) >>> 1;
      if (h[p] <= v) {
        break;
      }
      h[i] = h[p];
      i = p;
    }
    h[i] = v;
  }

  private static void siftDown(float[] h, int size) {
    float v = h[0];
    int i = 0;
    while (true) {
      int c = 2 * i + 1;
      if (c >= size) {
        break;
      }
      if (c + 1 < size && h[c + 1] < h[c]) {
        c++;
      }
      if (h[c] >= v) {
        break;
      }
      h[i] = h[c];
      i = c;
    }
    h[i] = v;
  }

  /** Top-p histogram resolution: buckets of 1/8 nat below the max logit; the last one is open. */
  private static final int TOP_P_BUCKETS = 256;
  private static final float TOP_P_BUCKETS_PER_NAT = 8f;

  private static int bucket(float logit, float max) {
    float d = (max - logit) * TOP_P_BUCKETS_PER_NAT;
    return d >= TOP_P_BUCKETS - 1 ? TOP_P_BUCKETS - 1 : (int) d;
  }

  /**
   * Keeps the smallest set of most likely tokens whose probability sums to at least p of the
   * total (the token that crosses p is kept; among equal probabilities lower ids first), like
   * vLLM's top-p; drops the rest from {@code x} and {@code prob}. Returns the kept mass.
   *
   * <p>Two sequential O(V) passes instead of sorting the vocabulary: one sums the probability
   * mass per bucket of logit distance from the max (monotone in probability), the buckets are
   * walked from the top to find the one where the mass crosses p, the second pass drops the
   * buckets below it and collects that bucket's tokens, and only those are sorted.
   *
   */
  static double applyTopP(float[] x, float[] prob, double total, double p, float max) {
    int vocab = x.length;
    double target = p * total;
    // Pass 1, sequential: probability mass per bucket (-inf logits land in the last bucket with 0).
    double[] mass = new double[TOP_P_BUCKETS];
    for (int i = 0; i < vocab; i++) {
      mass[bucket(x[i], max)] += prob[i];
    }
    double accepted = 0;
    int cutBucket = TOP_P_BUCKETS - 1;
    for (int b = 0; b < TOP_P_BUCKETS; b++) {
      if (mass[b] > 0 && accepted + mass[b] >= target) {
        cutBucket = b;
        break;
      }
      accepted += mass[b];
    }
    if (cutBucket == TOP_P_BUCKETS - 1) {
      accepted -= mass[cutBucket]; // rounding left the target unreached: cut inside the last bucket
    }
    // Pass 2, sequential: drop buckets below the cut, collect the cut bucket's live tokens.
    long[] keys = new long[64];
    int n = 0;
    for (int i = 0; i < vocab; i++) {
      int b = bucket(x[i], max);
      if (b > cutBucket) {
        prob[i] = 0;
        x[i] = Float.NEGATIVE_INFINITY;
      } else if (b == cutBucket && prob[i] != 0) {
        if (n == keys.length) {
          keys = Arrays.copyOf(keys, n * 2);
        }
        keys[n++] = ((long) orderedBits(-prob[i]) << 32) | i;
      }
    }
    // Within the cut bucket: probability descending, id ascending; keep until the mass reaches p.
    Arrays.sort(keys, 0, n);
    for (int k = 0; k < n; k++) {
      int id = (int) keys[k];
      if (accepted < target) {
        accepted += prob[id];
      } else {
        prob[id] = 0;
        x[id] = Float.NEGATIVE_INFINITY;
      }
    }
    return accepted;
  }

  /** Float bits remapped so that signed int order equals float order. */
  private static int orderedBits(float f) {
    int b = Float.floatToRawIntBits(f);
    return b >= 0 ? b : b ^ 0x7FFFFFFF;
  }

  private float logSumExp(float[] x) {
    float max = Float.NEGATIVE_INFINITY;
    for (float v : x) {
      max = Math.max(max, v);
    }
    if (prob.length != x.length) {
      prob = new float[x.length];
    }
    expShifted(x, max, prob);
    double sum = 0;
    for (float v : prob) {
      sum += v;
    }
    return (float) (max + Math.log(sum));
  }

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

  /**
   * out[i] = exp(x[i] - max) (0 for -inf). The exp pass dominates sampling over a 128k
   * vocabulary; the Vector API's EXP (an intrinsic on x86) is several times faster than a
   * Math.exp loop, at float precision, which is what the distribution is kept in anyway.
   */
  static void expShifted(float[] x, float max, float[] out) {
    int i = 0;
    int bound = F.loopBound(x.length);
    FloatVector m = FloatVector.broadcast(F, max);
    for (; i < bound; i += F.length()) {
      FloatVector.fromArray(F, x, i).sub(m).lanewise(VectorOperators.EXP).intoArray(out, i);
    }
    for (; i < x.length; i++) {
      out[i] = (float) Math.exp(x[i] - max);
    }
  }

  private static SampledToken withLogprobs(int chosen, float[] x, int topN, float logZ) {
    List<TopLogprob> top = new ArrayList<>(topN);
    if (topN > 0) {
      // Top-N by value; ties by lower id. N <= 20 so repeated selection over a small heap is fine.
      int[] best = topIndices(x, topN);
      for (int id : best) {
        if (x[id] != Float.NEGATIVE_INFINITY) {
          top.add(new TopLogprob(id, x[id] - logZ));
        }
      }
    }
    return new SampledToken(chosen, x[chosen] - logZ, top);
  }

  /** Indices of the n largest values, largest first (ties: lower index first). */
  static int[] topIndices(float[] x, int n) {
    n = Math.min(n, x.length);
    int[] idx = new int[n];
    int size = 0;
    for (int i = 0; i < x.length; i++) {
      if (size < n) {
        idx[size++] = i;
        for (int j = size - 1; j > 0 && better(x, idx[j], idx[j - 1]); j--) {
          int t = idx[j]; idx[j] = idx[j - 1]; idx[j - 1] = t;
        }
      } else if (better(x, i, idx[n - 1])) {
        idx[n - 1] = i;
        for (int j = n - 1; j > 0 && better(x, idx[j], idx[j - 1]); j--) {
          int t = idx[j]; idx[j] = idx[j - 1]; idx[j - 1] = t;
        }
      }
    }
    return idx;
  }

  private static boolean better(float[] x, int a, int b) {
    return x[a] > x[b] || (x[a] == x[b] && a < b);
  }
}
