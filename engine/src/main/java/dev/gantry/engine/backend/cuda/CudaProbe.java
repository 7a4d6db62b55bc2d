package dev.gantry.engine.backend.cuda;

import java.lang.System.Logger.Level;
import java.util.Objects;

/**
 * Answers once per JVM whether a usable CUDA GPU is present, without ever throwing: the driver
 * is reached through bytedeco's {@code org.bytedeco.cuda.global.cudart}, whose class
 * initialisation loads native libraries and so can fail with {@link UnsatisfiedLinkError}
 * (natives jar or driver missing) or {@link NoClassDefFoundError} (bytedeco not on the class
 * path, or a second touch after a failed first load); {@code cuInit} and
 * {@code cuDeviceGetCount} return codes are checked. Any failure becomes {@link Unavailable}
 * with the reason and cause chain logged, so callers fall back to the CPU backend, and
 * {@link #requireAvailable} turns it into the clear error {@code --device cuda} needs.
 */
public final class CudaProbe {
  private static final System.Logger LOG = System.getLogger(CudaProbe.class.getName());
  /** CUresult values the messages name; others are printed with cuGetErrorName's answer. */
  static final int CUDA_SUCCESS = 0;
  static final int CUDA_ERROR_NO_DEVICE = 100;

  private CudaProbe() {}

  /** What the probe found: a closed set, so callers switch over it exhaustively. */
  public sealed interface Result permits Available, Unavailable {}

  /** At least one CUDA device answered the driver. */
  public record Available(int deviceCount) implements Result {
    public Available {
      if (deviceCount < 1) {
        throw new IllegalArgumentException("deviceCount must be >= 1, got " + deviceCount);
      }
    }
  }

  /** No usable GPU; {@code reason} says why in one line, with the cause chain when there was one. */
  public record Unavailable(String reason) implements Result {
    public Unavailable {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * The two driver calls the probe makes. {@link #bytedeco()} is the real one; tests pass fakes
   * to simulate a missing library, a driver without devices, or error codes.
   */
  interface Driver {
    /** cuInit(0)'s CUresult. */
    int init();

    /** cuDeviceGetCount's CUresult; the count goes to {@code count[0]}. */
    int deviceCount(int[] count);

    /** A readable name for a CUresult (cuGetErrorName), or null when the driver has none. */
    String errorName(int code);

    static Driver bytedeco() {
      return new BytedecoDriver();
    }
  }

  /** Probes once per JVM (the first call pays for loading the natives) and caches the answer. */
  public static Result probe() {
    return Cached.RESULT;
  }

  private static final class Cached {
    static final Result RESULT = probe(Driver::bytedeco);
  }

  /** One probe with the given way of reaching the driver; never throws for a missing or broken CUDA. */
  static Result probe(java.util.function.Supplier<Driver> driverFactory) {
    Result result;
    try {
      Driver driver = driverFactory.get();
      int rc = driver.init();
      if (rc != CUDA_SUCCESS) {
        result = new Unavailable("cuInit(0) failed: " + describe(driver, rc));
      } else {
        int[] count = new int[1];
        rc = driver.deviceCount(count);
        if (rc != CUDA_SUCCESS) {
          result = new Unavailable("cuDeviceGetCount failed: " + describe(driver, rc));
        } else if (count[0] < 1) {
          result = new Unavailable("the CUDA driver reports " + count[0] + " devices");
        } else {
          result = new Available(count[0]);
        }
      }
    } catch (LinkageError e) {
      // UnsatisfiedLinkError, NoClassDefFoundError, ExceptionInInitializerError: the libraries could not load.
      result = new Unavailable("the CUDA libraries could not be loaded: " + causeChain(e));
    }
    if (result instanceof Unavailable u) {
      LOG.log(Level.INFO, "CUDA unavailable, using the CPU backend: " + u.reason());
    } else {
      LOG.log(Level.INFO, "CUDA available: " + ((Available) result).deviceCount() + " device(s)");
    }
    return result;
  }

  /**
   * For {@code --device cuda}: returns the device count, or throws naming why CUDA is unusable
   * and what to do instead.
   */
  public static int requireAvailable(Result result) {
    return switch (result) {
      case Available a -> a.deviceCount();
      case Unavailable u -> throw new IllegalStateException("--device cuda was requested but no usable CUDA GPU was found ("
          + u.reason() + "); install the NVIDIA driver and the org.bytedeco:cuda natives for this platform, or use --device cpu");
    };
  }

  private static String describe(Driver driver, int code) {
    String name = null;
    try {
      name = driver.errorName(code);
    } catch (RuntimeException | LinkageError e) {
      // the name is a nicety; the code is still reported
    }
    if (name == null) {
      name = code == CUDA_ERROR_NO_DEVICE ? "CUDA_ERROR_NO_DEVICE" : "CUresult";
    }
    return name + " (" + code + ")";
  }

  /** "Outer: message <- Cause: message <- ..." so a log line shows the root cause (often the missing .so). */
  static String causeChain(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (sb.length() > 0) {
        sb.append(" <- ");
      }
      sb.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
    }
    return sb.toString();
  }
}
