package dev.gantry.engine.server;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server's bounded waiting queue in front of the engine. A request needs one permit per
 * sequence it generates; there are {@code --max-num-seqs} permits, so the engine never holds
 * more sequences than it can run at once and the wait happens here, where it is bounded
 * ({@code --max-num-queued-requests}: beyond it, 429) and timed ({@code --queue-timeout}: past
 * it, 503). Permits are granted first come, first served (a fair semaphore).
 *
 * <p>Why here and not in the engine's scheduler: the server can then answer 429 at once, time
 * out a wait without touching the engine thread, and measure queue time exactly. The
 * scheduler's own waiting queue still holds requests whose KV blocks are not free yet.
 */
final class Admission {
  private final Semaphore permits;
  private final int maxSequences;
  private final int maxQueued;
  private final Duration queueTimeout;
  private final AtomicInteger waiting = new AtomicInteger();
  private final AtomicInteger sequencesInFlight = new AtomicInteger();

  Admission(int maxSequences, int maxQueued, Duration queueTimeout) {
    if (maxSequences < 1) {
      throw new IllegalArgumentException("--max-num-seqs must be >= 1, got " + maxSequences);
    }
    if (maxQueued < 0) {
      throw new IllegalArgumentException("--max-num-queued-requests must be >= 0, got " + maxQueued);
    }
    this.permits = new Semaphore(maxSequences, true);
    this.maxSequences = maxSequences;
    this.maxQueued = maxQueued;
    this.queueTimeout = queueTimeout;
  }

  /**
   * Waits for {@code sequences} permits.
   *
   * @throws ApiException 429 when the queue is full, 503 when the wait exceeds the queue timeout
   */
  void acquire(int sequences) {
    assert sequences >= 1 && sequences <= maxSequences;
    try {
      // The timed form with 0 respects fairness: it never overtakes a queued request.
      if (!permits.tryAcquire(sequences, 0, TimeUnit.NANOSECONDS)) {
        if (waiting.incrementAndGet() > maxQueued) {
          waiting.decrementAndGet();
          throw ApiException.queueFull(maxQueued);
        }
        try {
          if (!permits.tryAcquire(sequences, queueTimeout.toNanos(), TimeUnit.NANOSECONDS)) {
            throw ApiException.queueTimeout(queueTimeout.toMillis() / 1000.0);
          }
        } finally {
          waiting.decrementAndGet();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ApiException.draining();
    }
    sequencesInFlight.addAndGet(sequences);
  }

  void release(int sequences) {
    sequencesInFlight.addAndGet(-sequences);
    permits.release(sequences);
  }

  /** Requests waiting here for permits. */
  int waiting() {
    return waiting.get();
  }

  /** Sequences admitted and not yet finished. */
  int sequencesInFlight() {
    return sequencesInFlight.get();
  }
}
