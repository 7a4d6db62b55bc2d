package dev.gantry.engine.api;

/**
 * Token counts of one request, as OpenAI's {@code usage} object.
 *
 * @param promptTokens tokens in the prompt
 * @param completionTokens tokens generated so far
 * @param cachedPromptTokens prompt tokens served from the prefix cache at admission
 */
public record Usage(int promptTokens, int completionTokens, int cachedPromptTokens) {
  public Usage {
    if (promptTokens < 0 || completionTokens < 0 || cachedPromptTokens < 0) {
      throw new IllegalArgumentException("token counts must be >= 0, got " + promptTokens + "/" + completionTokens
          + "/" + cachedPromptTokens);
    }
  }

  public int totalTokens() {
    return promptTokens + completionTokens;
  }
}
