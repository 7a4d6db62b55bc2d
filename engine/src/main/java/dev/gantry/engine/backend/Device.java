package dev.gantry.engine.backend;

import dev.gantry.engine.backend.cuda.CudaProbe;
import java.lang.System.Logger.Level;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Where the forward pass runs, as {@code --device} names it. {@link #resolve} turns the request
 * into CPU or CUDA with the probe's answer: {@code auto} picks CUDA when a GPU is usable and the
 * CPU otherwise (the probe logs why); {@code cuda} without a usable GPU is an error saying why
 * and what to pass instead.
 */
public enum Device {
  AUTO, CPU, CUDA;

  private static final System.Logger LOG = System.getLogger(Device.class.getName());

  /** The value of {@code --device}; an unknown value is an error naming it. */
  public static Device parse(String flag) {
    return switch (flag == null ? "" : flag.toLowerCase(Locale.ROOT)) {
      case "auto" -> AUTO;
      case "cpu" -> CPU;
      case "cuda" -> CUDA;
      default -> throw new IllegalArgumentException("--device must be auto, cpu or cuda, got '" + flag + "'");
    };
  }

  /**
   * CPU or CUDA. The probe is asked only for {@code auto} and {@code cuda} (probing loads the CUDA
   * libraries); {@link IllegalStateException} from {@link CudaProbe#requireAvailable} for
   * {@code cuda} without a GPU.
   */
  public Device resolve(Supplier<CudaProbe.Result> probe) {
    return switch (this) {
      case CPU -> CPU;
      case CUDA -> {
        CudaProbe.requireAvailable(probe.get());
        yield CUDA;
      }
      case AUTO -> switch (probe.get()) {
        case CudaProbe.Available a -> CUDA;
        case CudaProbe.Unavailable u -> {
          LOG.log(Level.INFO, "--device auto: using the CPU backend because " + u.reason());
          yield CPU;
        }
      };
    };
  }
}
