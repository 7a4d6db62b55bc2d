package dev.gantry.engine.tokenizer;

/**
 * A chat template could not be rendered. When the template itself rejected the conversation
 * via {@code raise_exception(...)} (e.g. "Conversation roles must alternate"),
 * {@link #raisedByTemplate()} is true and the message is the template's own: a client error
 * (HTTP 400), not a server fault.
 */
public final class ChatTemplateException extends RuntimeException {
  private final boolean raisedByTemplate;

  public ChatTemplateException(String message, boolean raisedByTemplate) {
    super(message);
    this.raisedByTemplate = raisedByTemplate;
  }

  public boolean raisedByTemplate() {
    return raisedByTemplate;
  }
}
