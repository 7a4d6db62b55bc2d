package dev.gantry.stacks.local;

/**
 * A {@code gantry local} failure whose message is meant for the user: it names the value and
 * the fix. {@link #badInput()} maps to exit code 2 (port in use, missing model, already
 * running), everything else to 1 (a component failed to build, start or become healthy).
 */
public final class LocalException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final boolean badInput;

  public LocalException(String message, boolean badInput) {
    super(message);
    this.badInput = badInput;
  }

  public static LocalException badInput(String message) {
    return new LocalException(message, true);
  }

  public static LocalException failed(String message) {
    return new LocalException(message, false);
  }

  public boolean badInput() {
    return badInput;
  }
}
