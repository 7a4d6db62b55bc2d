package dev.gantry.engine.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What ptxas reported per kernel and architecture when build-kernels.sh compiled the fatbin
 * (registers per thread, static shared memory), read from the TSV the build writes beside the
 * fatbin. {@link LaunchPlanner} checks launch shapes against it: a block whose threads need more
 * registers than an SM has would fail with CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES on the GPU.
 * <pre>
 *   arch  kernel  registers  static_smem_bytes  stack_frame_bytes  spill_stores_bytes  spill_loads_bytes
 * </pre>
 */
public final class PtxasReport {
  /** Class-path location of the report; build-kernels.sh copies it there with the fatbin. */
  public static final String RESOURCE = "dev/gantry/engine/backend/cuda/ptxas-report.tsv";

  /** Usage of one kernel on one architecture. */
  public record Usage(int registers, int staticSharedBytes) {
    public Usage {
      if (registers < 0 || staticSharedBytes < 0) {
        throw new IllegalArgumentException("registers and shared memory must be >= 0, got " + registers + " and "
            + staticSharedBytes);
      }
    }
  }

  private final Map<String, Usage> worst; // kernel -> max over architectures

  private PtxasReport(Map<String, Usage> worst) {
    this.worst = Map.copyOf(worst);
  }

  /** Parses the TSV text; a malformed line is an error naming the line. */
  public static PtxasReport parse(String tsv) {
    Map<String, Usage> worst = new HashMap<>();
    String[] lines = tsv.split("\n");
    for (int i = 1; i < lines.length; i++) { // line 0 is the header
      String line = lines[i].strip();
      if (line.isEmpty()) {
        continue;
      }
      String[] f = line.split("\t");
      if (f.length < 4) {
        throw new IllegalArgumentException("ptxas report line " + (i + 1) + " has " + f.length
            + " fields, expected arch, kernel, registers, static_smem_bytes, ...: '" + line + "'");
      }
      Usage u;
      try {
        u = new Usage(Integer.parseInt(f[2]), Integer.parseInt(f[3]));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("ptxas report line " + (i + 1) + ": registers and shared memory must be "
            + "integers: '" + line + "'");
      }
      worst.merge(f[1], u, (a, b) -> new Usage(Math.max(a.registers(), b.registers()),
          Math.max(a.staticSharedBytes(), b.staticSharedBytes())));
    }
    return new PtxasReport(worst);
  }

  /** The report packaged with the fatbin, or empty when the build had no nvcc. */
  public static Optional<PtxasReport> fromClassPath() {
    try (InputStream in = PtxasReport.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      return in == null ? Optional.empty() : Optional.of(parse(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + RESOURCE, e);
    }
  }

  /** The kernel's largest usage over the architectures compiled, or empty if the report does not list it. */
  public Optional<Usage> usage(Kernel kernel) {
    return Optional.ofNullable(worst.get(kernel.symbol()));
  }
}
