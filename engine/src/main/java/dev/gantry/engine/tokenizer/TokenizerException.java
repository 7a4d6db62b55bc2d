package dev.gantry.engine.tokenizer;

/**
 * A tokenizer file (tokenizer.json, tokenizer_config.json, GGUF tokenizer metadata) or a chat
 * template could not be used. The message names the file or key, the offending value and what
 * to do about it, so it can be shown to the person who configured the model unchanged.
 */
public final class TokenizerException extends RuntimeException {
  public TokenizerException(String message) {
    super(message);
  }

  public TokenizerException(String message, Throwable cause) {
    super(message, cause);
  }
}
