package dev.gantry.stacks.images;

/**
 * An image build or push failed for a reason the user can fix: a missing input, a bad
 * reference, an unreachable registry, missing credentials. The message names the value
 * and the fix, so the CLI prints it as is (exit 1; exit 2 when {@link #badInput()}).
 */
public class ImageException extends RuntimeException {
  private final boolean badInput;

  public ImageException(String message, boolean badInput) {
    super(message);
    this.badInput = badInput;
  }

  public ImageException(String message, Throwable cause) {
    super(message, cause);
    this.badInput = false;
  }

  /** The input (a reference, a file, a flag) was wrong, as opposed to the environment. */
  public boolean badInput() {
    return badInput;
  }

  static ImageException badInput(String message) {
    return new ImageException(message, true);
  }
}
