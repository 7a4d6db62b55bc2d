package dev.gantry.engine.api;

/** Why a request stopped generating; {@link #openAiName()} is the OpenAI {@code finish_reason}. */
public enum FinishReason {
  /** An EOS token, a stop token id or a stop string. */
  STOP("stop"),
  /** max_tokens reached, or the model's context length. */
  LENGTH("length"),
  /** Aborted by the client (or the engine shut down). */
  ABORT("abort");

  private final String openAiName;

  FinishReason(String openAiName) {
    this.openAiName = openAiName;
  }

  public String openAiName() {
    return openAiName;
  }
}
