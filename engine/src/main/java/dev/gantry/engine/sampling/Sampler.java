package dev.gantry.engine.sampling;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Picks the next token of one request from the model's logits. One instance per request: it
 * owns the request's RNG (seeded from {@link SamplingParams#seed()}, so the same seed gives the
 * same tokens whatever else is in the batch) and incremental penalty counts.
 *
 * <p>Order of processing, as in vLLM v1: logit_bias, then penalties (repetition over prompt and
 * output, presence/frequency over output), then — unless greedy — temperature, min_p, top_k,
 * top_p, and a draw from the remaining distribution.
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
  // Penalty state, built lazily and advanced incrementally as output grows.
  private int[] promptUnique;
  private int promptCounted = -1;
  private final Map<Integer, int[]> outputCounts = new HashMap<>();
  private int outputCounted;

  public Sampler(SamplingParams params) {
    this.params = Objects.requireNonNull(params, "params");
    this.random = params.seed() == null ? new SplittableRandom() : new SplittableRandom(params.seed());
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

    Integer n = params.logprobs();
    if (params.isGreedy()) {
      int best = argmax(x);
      return n == null ? new SampledToken(best, Float.NaN, List.of()) : withLogprobs(best, x, n);
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
    if (params.topP() < 1) {
      applyTopP(x, max, params.topP());
    }
    // Draw from softmax(x).
    double total = 0;
    for (int i = 0; i < vocab; i++) {
      total += x[i] == Float.NEGATIVE_INFINITY ? 0 : Math.exp(x[i] - max);
    }
    double r = random.nextDouble() * total;
    int chosen = -1;
    double acc = 0;
    for (int i = 0; i < vocab; i++) {
      if (x[i] == Float.NEGATIVE_INFINITY) {
        continue;
      }
      chosen = i;
      acc += Math.exp(x[i] - max);
      if (acc > r) {
        break;
      }
    }
    assert chosen >= 0;
    return n == null ? new SampledToken(chosen, Float.NaN, List.of()) : withLogprobs(chosen, x, n);
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

  /**
   * Keeps the smallest set of most likely tokens whose probability sums to at least p
   * (the token that crosses p is kept), like vLLM's top-p.
   */
  private static void applyTopP(float[] x, float max, double p) {
    int live = 0;
    for (float v : x) {
      if (v != Float.NEGATIVE_INFINITY) {
        live++;
      }
    }
    // Sort surviving ids by logit, descending: pack (ordered float bits, id) into longs.
    long[] keys = new long[live];
    double total = 0;
    int j = 0;
    for (int i = 0; i < x.length; i++) {
      if (x[i] != Float.NEGATIVE_INFINITY) {
        keys[j++] = ((long) orderedBits(x[i]) << 32) | i;
        total += Math.exp(x[i] - max);
      }
    }
    Arrays.sort(keys);
    double target = p * total;
    double acc = 0;
    int k = keys.length - 1;
    for (; k >= 0; k--) {
      int id = (int) keys[k];
      acc += Math.exp(x[id] - max);
      if (acc >= target) {
        k--;
        break;
      }
    }
    for (; k >= 0; k--) {
      x[(int) keys[k]] = Float.NEGATIVE_INFINITY;
    }
  }

  /** Float bits remapped so that signed int order equals float order. */
  private static int orderedBits(float f) {
    int b = Float.floatToRawIntBits(f);
    return b >= 0 ? b : b ^ 0x7FFFFFFF;
  }

  private static SampledToken withLogprobs(int chosen, float[] x, int topN) {
    float max = Float.NEGATIVE_INFINITY;
    for (float v : x) {
      max = Math.max(max, v);
    }
    double sum = 0;
    for (float v : x) {
      if (v != Float.NEGATIVE_INFINITY) {
        sum += Math.exp(v - max);
      }
    }
    float logZ = (float) (max + Math.log(sum));
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
