package dev.gantry.engine.server;

import dev.gantry.engine.sampling.SamplingParams;
import java.util.List;

/**
 * A validated {@code /v1/completions} or {@code /v1/chat/completions} request: the prompts
 * already tokenized, one {@link Choice} per generated sequence ({@code n} per prompt), and how
 * to answer (streamed or not, usage in the stream, logprobs shape).
 *
 * @param promptTokenCounts tokens per distinct prompt (usage counts each prompt once, like vLLM)
 * @param maxTokensRequested the request's max_tokens after defaults (for
 *     {@code vllm:request_params_max_tokens})
 * @param tokensAsIds vLLM's {@code return_tokens_as_token_ids}: logprobs name tokens
 *     {@code "token_id:N"} instead of their text
 */
record OpenAiRequest(
    Endpoint endpoint,
    String model,
    List<Choice> choices,
    List<Integer> promptTokenCounts,
    boolean stream,
    boolean includeUsage,
    boolean echo,
    List<String> promptTexts,
    int maxTokensRequested,
    boolean tokensAsIds) {

  /** Which OpenAI API the request came through; decides the response shapes. */
  enum Endpoint { COMPLETIONS, CHAT }

  /** One sequence to generate: its index in {@code choices}, its prompt, its sampling. */
  record Choice(int index, int promptIndex, int[] promptTokenIds, SamplingParams params) {}

  OpenAiRequest {
    choices = List.copyOf(choices);
    promptTokenCounts = List.copyOf(promptTokenCounts);
    promptTexts = List.copyOf(promptTexts);
  }

  int promptTokens() {
    return promptTokenCounts.stream().mapToInt(Integer::intValue).sum();
  }

  boolean logprobs() {
    return choices.get(0).params().logprobs() != null;
  }
}
