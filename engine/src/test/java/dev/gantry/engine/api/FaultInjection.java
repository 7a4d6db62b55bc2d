package dev.gantry.engine.api;

import java.util.function.BooleanSupplier;

/**
 * Injects backend faults into a real engine for tests outside this package (the server's 500
 * paths): the forward pass throws, as a CUDA error or a kernel bug would, while a switch is on.
 */
public final class FaultInjection {
  /** What the injected fault says; a response must never show it to a client. */
  public static final String MESSAGE = "injected backend fault: illegal memory access at 0xdeadbeef in /opt/gantry/kernels";

  private FaultInjection() {}

  /** Makes every forward pass throw {@link IllegalStateException} with {@link #MESSAGE} while {@code failing} is true. */
  public static EngineBuilder failForwardWhile(EngineBuilder builder, BooleanSupplier failing) {
    return builder.decorateForward(forward -> batch -> {
      if (failing.getAsBoolean()) {
        throw new IllegalStateException(MESSAGE);
      }
      return forward.forward(batch);
    });
  }
}
