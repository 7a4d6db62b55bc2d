package dev.gantry.engine.server;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Decides whether the engine is healthy, for {@code /health}: the engine thread must be alive,
 * and while there is work it must make progress — its step counter must move at least once per
 * {@code stuckAfter}. A loop that died, or one blocked in a kernel, a lock or an endless wait,
 * turns {@code /health} to 503 so an orchestrator restarts the replica instead of routing to it.
 * Idle engines do not step, so no work means no verdict on progress.
 *
 * <p>{@link #check()} is called periodically (and on each {@code /health}); it is cheap.
 */
final class Watchdog {
  /** What the watchdog concluded. */
  sealed interface Verdict permits Healthy, Dead, Stuck {}

  record Healthy() implements Verdict {}

  record Dead() implements Verdict {}

  record Stuck(long stuckForNanos) implements Verdict {}

  private final BooleanSupplier engineAlive;
  private final BooleanSupplier hasWork;
  private final LongSupplier steps;
  private final LongSupplier nanoClock;
  private final long stuckAfterNanos;
  private long lastSteps = -1;
  private long lastProgressNanos;

  Watchdog(BooleanSupplier engineAlive, BooleanSupplier hasWork, LongSupplier steps, LongSupplier nanoClock,
      Duration stuckAfter) {
    this.engineAlive = engineAlive;
    this.hasWork = hasWork;
    this.steps = steps;
    this.nanoClock = nanoClock;
    this.stuckAfterNanos = stuckAfter.toNanos();
    this.lastProgressNanos = nanoClock.getAsLong();
  }

  synchronized Verdict check() {
    long now = nanoClock.getAsLong();
    if (!engineAlive.getAsBoolean()) {
      return new Dead();
    }
    long s = steps.getAsLong();
    if (s != lastSteps || !hasWork.getAsBoolean()) {
      lastSteps = s;
      lastProgressNanos = now;
      return new Healthy();
    }
    long idle = now - lastProgressNanos;
    return idle > stuckAfterNanos ? new Stuck(idle) : new Healthy();
  }
}
