package dev.gantry.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SamplingParamsTest {
  @Test
  void defaults_matchVllm() {
    SamplingParams p = SamplingParams.builder().build();
    assertThat(p.temperature()).isEqualTo(1.0);
    assertThat(p.topP()).isEqualTo(1.0);
    assertThat(p.topK()).isEqualTo(-1);
    assertThat(p.maxTokens()).isEqualTo(16);
    assertThat(p.skipSpecialTokens()).isTrue();
    assertThat(p.logprobs()).isNull();
    assertThat(p.isGreedy()).isFalse();
    assertThat(SamplingParams.greedy().isGreedy()).isTrue();
  }

  @Test
  void toBuilder_roundTripsAllValues() {
    SamplingParams p = SamplingParams.builder().temperature(0.7).topP(0.9).topK(40).minP(0.05).repetitionPenalty(1.1)
        .presencePenalty(0.5).frequencyPenalty(-0.5).seed(42L).maxTokens(100).stop("###").stopTokenIds(List.of(7))
        .ignoreEos(true).logprobs(5).includeStopStrInOutput(true).skipSpecialTokens(false).logitBias(Map.of(3, -100.0))
        .minTokens(3).build();
    assertThat(p.toBuilder().build()).isEqualTo(p);
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of((UnaryOperator<SamplingParams.Builder>) b -> b.topP(1.5), "top_p", "top_p must be within (0, 1], got 1.5"),
        Arguments.of((UnaryOperator<SamplingParams.Builder>) b -> b.topP(0), "top_p", "top_p must be within (0, 1], got 0.0"),
        Arguments.of((UnaryOperator<SamplingParams.Builder>) b -> b.temperature(-0.1), "temperature", "temperature must be a finite number >= 0, got -0.1"),
        Arguments.of((UnaryOperator<SamplingParams.Builder>) b -> b.temperature(Double.NaN), "temperature", "got NaN"),
        Arguments.of((UnaryOperator<SamplingParams.Builder>) b -> b.topK(-2), "top_k", "top_k must be -1 or 0 (disabled) or at least 1, got -2"),
        Arguments.of((UnaryOperator<SamplingParams.Builder>) b -> b.minP(1.2), "min_p", "min_p must be within [0, 1], got 1.2"),
        Arguments.of((UnaryOperator<SamplingParams.Builder>) b -> b.repetitionPenalty(0), "repetition_penalty", "repetition_penalty must be a finite number > 0, got 0.0"),
        Arguments.of((UnaryOperator<SamplingParams.Builder>) b -> b.presencePenalty(2.5), "presence_penalty", "presence_penalty must be within [-2, 2], got 2.5"),
        Arguments.of((UnaryOperator<SamplingParams.Builder>) b -> b.frequencyPenalty(-3), "frequency_penalty", "frequency_penalty must be within [-2, 2], got -3.0"),
        Arguments.of((UnaryOperator<SamplingParams.Builder>) b -> b.maxTokens(0), "max_tokens", "max_tokens must be at least 1, got 0"),
        Arguments.of((UnaryOperator<SamplingParams.Builder>) b -> b.stop("ok", ""), "stop", "stop must not contain an empty string"),
        Arguments.of((UnaryOperator<SamplingParams.Builder>) b -> b.stopTokenIds(List.of(-1)), "stop_token_ids", "stop_token_ids must be token ids >= 0, got -1"),
        Arguments.of((UnaryOperator<SamplingParams.Builder>) b -> b.logprobs(21), "logprobs", "logprobs must be within [0, 20], got 21"),
        Arguments.of((UnaryOperator<SamplingParams.Builder>) b -> b.logitBias(Map.of(5, 101.0)), "logit_bias", "logit_bias values must be within [-100, 100], got 101.0 for token 5"),
        Arguments.of((UnaryOperator<SamplingParams.Builder>) b -> b.maxTokens(4).minTokens(5), "min_tokens", "min_tokens must be within [0, max_tokens = 4], got 5"),
        Arguments.of((UnaryOperator<SamplingParams.Builder>) b -> b.minTokens(-1), "min_tokens", "got -1"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("invalid")
  void build_withInvalidValue_namesTheOpenAiFieldAndValue(UnaryOperator<SamplingParams.Builder> change, String param,
      String message) {
    assertThatThrownBy(() -> change.apply(SamplingParams.builder()).build())
        .isInstanceOf(InvalidSamplingParamsException.class)
        .hasMessageContaining(message)
        .matches(e -> ((InvalidSamplingParamsException) e).param().equals(param));
  }
}
