package dev.gantry.engine.sampling;

import java.util.List;
import java.util.Map;

/**
 * How one request picks its tokens and when it stops, with the OpenAI / vLLM meanings.
 * Validated on construction; every message names the OpenAI field (e.g.
 * {@code "top_p must be within (0, 1], got 1.5"}) and the exception carries it as
 * {@link InvalidSamplingParamsException#param()}.
 *
 * <ul>
 *   <li>{@code temperature} 0 means greedy (argmax); {@code topK} 0 or -1 and {@code topP} 1 and
 *       {@code minP} 0 disable those filters.
 *   <li>{@code repetitionPenalty} is HF/vLLM style over prompt and output tokens: positive logits
 *       are divided by it, negative ones multiplied. {@code presencePenalty} and
 *       {@code frequencyPenalty} are OpenAI's, over output tokens only:
 *       {@code logit -= presence * [count > 0] + frequency * count}.
 *   <li>{@code seed} null draws a random seed; the same seed gives the same tokens.
 *   <li>{@code logprobs} null returns none; N (0..20) returns the chosen token's logprob and
 *       the N most likely tokens (see {@link Sampler} for which distribution).
 *   <li>{@code stop} strings end the output and are not part of it (unless
 *       {@code includeStopStrInOutput}); {@code stopTokenIds} end it like EOS does.
 * </ul>
 */
public record SamplingParams(
    double temperature,
    double topP,
    int topK,
    double minP,
    double repetitionPenalty,
    double presencePenalty,
    double frequencyPenalty,
    Long seed,
    int maxTokens,
    List<String> stop,
    List<Integer> stopTokenIds,
    boolean ignoreEos,
    Integer logprobs,
    boolean includeStopStrInOutput,
    boolean skipSpecialTokens,
    Map<Integer, Double> logitBias,
    int minTokens) {

  /** OpenAI's cap on top_logprobs; vLLM's default max_logprobs is 20 as well. */
  public static final int MAX_LOGPROBS = 20;
  /** vLLM's default max_tokens when a request gives none. */
  public static final int DEFAULT_MAX_TOKENS = 16;

  public SamplingParams {
    if (!Double.isFinite(temperature) || temperature < 0) {
      throw invalid("temperature", "temperature must be a finite number >= 0, got " + temperature);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw invalid("top_p", "top_p must be within (0, 1], got " + topP);
    }
    if (topK < -1) {
      throw invalid("top_k", "top_k must be -1 or 0 (disabled) or at least 1, got " + topK);
    }
    if (!(minP >= 0 && minP <= 1)) {
      throw invalid("min_p", "min_p must be within [0, 1], got " + minP);
    }
    if (!(repetitionPenalty > 0) || !Double.isFinite(repetitionPenalty)) {
      throw invalid("repetition_penalty", "repetition_penalty must be a finite number > 0, got " + repetitionPenalty);
    }
    if (!(presencePenalty >= -2 && presencePenalty <= 2)) {
      throw invalid("presence_penalty", "presence_penalty must be within [-2, 2], got " + presencePenalty);
    }
    if (!(frequencyPenalty >= -2 && frequencyPenalty <= 2)) {
      throw invalid("frequency_penalty", "frequency_penalty must be within [-2, 2], got " + frequencyPenalty);
    }
    if (maxTokens < 1) {
      throw invalid("max_tokens", "max_tokens must be at least 1, got " + maxTokens);
    }
    stop = stop == null ? List.of() : List.copyOf(stop);
    for (String s : stop) {
      if (s.isEmpty()) {
        throw invalid("stop", "stop must not contain an empty string; remove it");
      }
    }
    stopTokenIds = stopTokenIds == null ? List.of() : List.copyOf(stopTokenIds);
    for (int id : stopTokenIds) {
      if (id < 0) {
        throw invalid("stop_token_ids", "stop_token_ids must be token ids >= 0, got " + id);
      }
    }
    if (logprobs != null && (logprobs < 0 || logprobs > MAX_LOGPROBS)) {
      throw invalid("logprobs", "logprobs must be within [0, " + MAX_LOGPROBS + "], got " + logprobs);
    }
    if (minTokens < 0 || minTokens > maxTokens) {
      throw invalid("min_tokens", "min_tokens must be within [0, max_tokens = " + maxTokens + "], got " + minTokens);
    }
    logitBias = logitBias == null ? Map.of() : Map.copyOf(logitBias);
    for (Map.Entry<Integer, Double> e : logitBias.entrySet()) {
      if (e.getKey() < 0) {
        throw invalid("logit_bias", "logit_bias keys must be token ids >= 0, got " + e.getKey());
      }
      if (!(e.getValue() >= -100 && e.getValue() <= 100)) {
        throw invalid("logit_bias", "logit_bias values must be within [-100, 100], got " + e.getValue()
            + " for token " + e.getKey());
      }
    }
  }

  private static InvalidSamplingParamsException invalid(String param, String message) {
    return new InvalidSamplingParamsException(param, message);
  }

  /** Greedy decoding, otherwise defaults. */
  public static SamplingParams greedy() {
    return builder().temperature(0).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.temperature = temperature;
    b.topP = topP;
    b.topK = topK;
    b.minP = minP;
    b.repetitionPenalty = repetitionPenalty;
    b.presencePenalty = presencePenalty;
    b.frequencyPenalty = frequencyPenalty;
    b.seed = seed;
    b.maxTokens = maxTokens;
    b.stop = stop;
    b.stopTokenIds = stopTokenIds;
    b.ignoreEos = ignoreEos;
    b.logprobs = logprobs;
    b.includeStopStrInOutput = includeStopStrInOutput;
    b.skipSpecialTokens = skipSpecialTokens;
    b.logitBias = logitBias;
    b.minTokens = minTokens;
    return b;
  }

  /** Whether the sampler may skip randomness entirely. */
  public boolean isGreedy() {
    return temperature < Sampler.GREEDY_EPSILON;
  }

  /** Defaults as in vLLM's SamplingParams (temperature 1, no filters, max_tokens 16). */
  public static final class Builder {
    private double temperature = 1.0;
    private double topP = 1.0;
    private int topK = -1;
    private double minP = 0.0;
    private double repetitionPenalty = 1.0;
    private double presencePenalty = 0.0;
    private double frequencyPenalty = 0.0;
    private Long seed;
    private int maxTokens = DEFAULT_MAX_TOKENS;
    private List<String> stop = List.of();
    private List<Integer> stopTokenIds = List.of();
    private boolean ignoreEos;
    private Integer logprobs;
    private boolean includeStopStrInOutput;
    private boolean skipSpecialTokens = true;
    private Map<Integer, Double> logitBias = Map.of();
    private int minTokens;

    public Builder temperature(double v) { temperature = v; return this; }
    public Builder topP(double v) { topP = v; return this; }
    public Builder topK(int v) { topK = v; return this; }
    public Builder minP(double v) { minP = v; return this; }
    public Builder repetitionPenalty(double v) { repetitionPenalty = v; return this; }
    public Builder presencePenalty(double v) { presencePenalty = v; return this; }
    public Builder frequencyPenalty(double v) { frequencyPenalty = v; return this; }
    public Builder seed(Long v) { seed = v; return this; }
    public Builder maxTokens(int v) { maxTokens = v; return this; }
    public Builder stop(List<String> v) { stop = v; return this; }
    public Builder stop(String... v) { stop = List.of(v); return this; }
    public Builder stopTokenIds(List<Integer> v) { stopTokenIds = v; return this; }
    public Builder ignoreEos(boolean v) { ignoreEos = v; return this; }
    public Builder logprobs(Integer v) { logprobs = v; return this; }
    public Builder includeStopStrInOutput(boolean v) { includeStopStrInOutput = v; return this; }
    public Builder skipSpecialTokens(boolean v) { skipSpecialTokens = v; return this; }
    public Builder logitBias(Map<Integer, Double> v) { logitBias = v; return this; }
    /** Tokens to generate before EOS, stop_token_ids or stop strings may end the request (vLLM's min_tokens). */
    public Builder minTokens(int v) { minTokens = v; return this; }

    public SamplingParams build() {
      return new SamplingParams(temperature, topP, topK, minP, repetitionPenalty, presencePenalty,
          frequencyPenalty, seed, maxTokens, stop, stopTokenIds, ignoreEos, logprobs, includeStopStrInOutput,
          skipSpecialTokens, logitBias, minTokens);
    }
  }
}
