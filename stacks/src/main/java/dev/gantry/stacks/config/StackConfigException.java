package dev.gantry.stacks.config;

/**
 * A stack file, model file or stack config value is wrong. The message names the key (e.g.
 * {@code gantry:cluster.gpuPools[0].instanceType}), quotes the value and says what is
 * allowed, so it can be shown to the user as is; the CLI exits 2 with it.
 */
public class StackConfigException extends RuntimeException {
  public StackConfigException(String message) {
    super(message);
  }

  public StackConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
