package dev.gantry.stacks.local;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.LongSupplier;

/**
 * One line per step of {@code gantry local up}: {@code ✓ label: detail (1.2 s)} when it
 * succeeds, {@code ✗ label (1.2 s)} when it fails. On a terminal a spinner with the running
 * time redraws the line while the step works; anywhere else (logs, CI, tests) only the final
 * line is written, so the output stays plain text.
 */
public final class Progress {
  private static final String FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";

  private final PrintWriter out;
  private final boolean tty;
  private final LongSupplier nanoTime;

  public Progress(PrintWriter out, boolean tty) {
    this(out, tty, System::nanoTime);
  }

  Progress(PrintWriter out, boolean tty, LongSupplier nanoTime) {
    this.out = out;
    this.tty = tty;
    this.nanoTime = nanoTime;
  }

  /** Runs one step; {@code work} returns the detail for the done line (or null for none). */
  public <T> T step(String label, Callable<StepResult<T>> work) {
    long start = nanoTime.getAsLong();
    Thread spinner = tty ? Thread.ofPlatform().daemon().start(() -> spin(label, start)) : null;
    try {
      StepResult<T> result = work.call();
      finish(spinner, "✓ " + label + (result.detail() == null ? "" : ": " + result.detail()) + " (" + elapsed(start) + ")");
      return result.value();
    } catch (Exception e) {
      finish(spinner, "✗ " + label + " (" + elapsed(start) + ")");
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e);
    }
  }

  /** A step's value and the detail its done line shows. */
  public record StepResult<T>(T value, String detail) {
    public static StepResult<Void> done(String detail) {
      return new StepResult<>(null, detail);
    }
  }

  private void spin(String label, long start) {
    try {
      for (int i = 0; !Thread.currentThread().isInterrupted(); i++) {
        synchronized (out) {
          out.print("\r\033[K" + FRAMES.charAt(i % FRAMES.length()) + " " + label + " (" + elapsed(start) + ")");
          out.flush();
        }
        Thread.sleep(100);
      }
    } catch (InterruptedException e) {
      // the step finished
    }
  }

  private void finish(Thread spinner, String line) {
    if (spinner != null) {
      spinner.interrupt();
      try {
        spinner.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (out) {
      out.println((tty ? "\r\033[K" : "") + line);
      out.flush();
    }
  }

  private String elapsed(long start) {
    return String.format(Locale.ROOT, "%.1f s", (nanoTime.getAsLong() - start) / 1e9);
  }

  /**
   * Whether standard output is a terminal. From JDK 22 {@code System.console()} exists even when
   * output is redirected and {@code Console.isTerminal()} tells; we compile for 21, so it is
   * looked up reflectively, falling back to the JDK 21 meaning of a non-null console.
   */
  public static boolean stdoutIsTerminal() {
    java.io.Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      return true;
    }
  }
}
