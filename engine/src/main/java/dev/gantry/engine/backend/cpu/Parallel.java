package dev.gantry.engine.backend.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The only place that owns threads in the CPU backend: a fixed pool that splits a range
 * into chunks which the workers and the calling thread claim until none are left (cheap
 * dynamic load balancing, no per-chunk task objects).
 */
public final class Parallel implements AutoCloseable {
  /** Body of a parallel loop over {@code [from, to)}. */
  @FunctionalInterface
  public interface RangeBody {
    void run(int from, int to);
  }

  private final int threads;
  private final ExecutorService pool;

  public Parallel(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    this.threads = threads;
    AtomicInteger ids = new AtomicInteger();
    this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
      Thread t = new Thread(r, "gantry-cpu-" + ids.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  public int threads() {
    return threads;
  }

  /** Runs {@code body} over {@code [0, n)} in chunks of {@code chunk} indices, in parallel; returns when all are done. */
  public void parallelFor(int n, int chunk, RangeBody body) {
    if (n <= 0) {
      return;
    }
    int numChunks = (n + chunk - 1) / chunk;
    if (pool == null || numChunks == 1) {
      body.run(0, n);
      return;
    }
    AtomicInteger next = new AtomicInteger();
    Runnable worker = () -> {
      for (int c; (c = next.getAndIncrement()) < numChunks; ) {
        body.run(c * chunk, Math.min(n, (c + 1) * chunk));
      }
    };
    int helpers = Math.min(threads - 1, numChunks - 1);
    List<Future<?>> futures = new ArrayList<>(helpers);
    for (int i = 0; i < helpers; i++) {
      futures.add(pool.submit(worker));
    }
    Throwable failure = null;
    try {
      worker.run();
    } catch (RuntimeException | Error e) {
      failure = e;
    }
    for (Future<?> f : futures) {
      try {
        f.get();
      } catch (ExecutionException e) {
        failure = failure == null ? e.getCause() : failure;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failure = failure == null ? e : failure;
      }
    }
    if (failure instanceof RuntimeException re) {
      throw re;
    } else if (failure instanceof Error err) {
      throw err;
    } else if (failure != null) {
      throw new IllegalStateException(failure);
    }
  }

  @Override
  public void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
  }
}
