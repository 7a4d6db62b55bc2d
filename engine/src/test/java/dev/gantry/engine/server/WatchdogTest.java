package dev.gantry.engine.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The watchdog's verdicts on a fake clock: stuck only when there is work and no step for too long. */
class WatchdogTest {
  final AtomicBoolean alive = new AtomicBoolean(true);
  final AtomicBoolean work = new AtomicBoolean();
  final AtomicLong steps = new AtomicLong();
  final AtomicLong now = new AtomicLong();
  final Watchdog watchdog = new Watchdog(alive::get, work::get, steps::get, now::get, Duration.ofSeconds(10));

  @Test
  void check_whenWorkWaitsAndNoStepForLongerThanTheTimeout_isStuck() {
    work.set(true);
    assertThat(watchdog.check()).isInstanceOf(Watchdog.Healthy.class);
    now.addAndGet(Duration.ofSeconds(9).toNanos());
    assertThat(watchdog.check()).isInstanceOf(Watchdog.Healthy.class);
    now.addAndGet(Duration.ofSeconds(2).toNanos());
    assertThat(watchdog.check()).isInstanceOf(Watchdog.Stuck.class);
    steps.incrementAndGet();
    assertThat(watchdog.check()).as("a step clears it").isInstanceOf(Watchdog.Healthy.class);
  }

  @Test
  void check_whenIdleForLong_isHealthy() {
    now.addAndGet(Duration.ofHours(1).toNanos());
    assertThat(watchdog.check()).isInstanceOf(Watchdog.Healthy.class);
    work.set(true);
    now.addAndGet(Duration.ofSeconds(5).toNanos());
    assertThat(watchdog.check()).as("the idle time before the work does not count").isInstanceOf(Watchdog.Healthy.class);
  }

  @Test
  void check_whenTheEngineThreadIsGone_isDead() {
    alive.set(false);
    assertThat(watchdog.check()).isInstanceOf(Watchdog.Dead.class);
  }
}
