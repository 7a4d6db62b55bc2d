package dev.gantry.engine.sampling;

/**
 * A sampling parameter is out of range. {@link #param()} is the OpenAI request field
 * ("top_p", "max_tokens", ...) so the server can fill the {@code param} of an OpenAI error
 * body; the message names the field, the value and the allowed range.
 */
public final class InvalidSamplingParamsException extends IllegalArgumentException {
  private final String param;

  public InvalidSamplingParamsException(String param, String message) {
    super(message);
    this.param = param;
  }

  /** The OpenAI field name, e.g. "top_p". */
  public String param() {
    return param;
  }
}
