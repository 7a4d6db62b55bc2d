package dev.gantry.engine.backend.cuda;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Builds and runs the host-shim harness: g++ compiles {@code src/main/cuda/gantry_kernels.cu}
 * unchanged, with {@code src/test/cuda/gantry_host_shim.h} standing in for the CUDA runtime, into
 * {@code target/cuda-shim/gantry_harness}. The binary is rebuilt only when a source is newer, so
 * the ~20 s compile is paid once per change. Each {@link #run} writes the op's arguments as
 * little-endian binary (see gantry_harness.cpp for the order per op) and reads back the result.
 */
final class ShimHarness {
  private static final Path MODULE = Path.of(System.getProperty("user.dir"));
  private static final Path KERNELS = MODULE.resolve("src/main/cuda/gantry_kernels.cu");
  private static final Path SHIM_DIR = MODULE.resolve("src/test/cuda");
  private static final Path BINARY = MODULE.resolve("target/cuda-shim/gantry_harness");
  private static Optional<String> unavailable;

  private ShimHarness() {}

  /** Empty when the harness is built; otherwise why not (no g++ on PATH), for an assumption message. */
  static synchronized Optional<String> ensureBuilt() throws IOException, InterruptedException {
    if (unavailable != null) {
      return unavailable;
    }
    Optional<Path> gxx = onPath("g++");
    if (gxx.isEmpty()) {
      unavailable = Optional.of("g++ is not on PATH: the CUDA kernels' host-shim tests need it (apt-get install g++)");
      return unavailable;
    }
    List<Path> sources = List.of(KERNELS, SHIM_DIR.resolve("gantry_host_shim.h"), SHIM_DIR.resolve("gantry_harness.cpp"));
    if (!Files.exists(BINARY) || newest(sources).compareTo(Files.getLastModifiedTime(BINARY)) > 0) {
      Files.createDirectories(BINARY.getParent());
      Path tmp = BINARY.resolveSibling("gantry_harness.tmp");
      List<String> cmd = List.of(gxx.get().toString(), "-std=c++20", "-O2", "-pthread", "-Wall", "-Wextra", "-Werror",
          "-I" + SHIM_DIR, "-o", tmp.toString(), SHIM_DIR.resolve("gantry_harness.cpp").toString());
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String log = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
        throw new IllegalStateException("g++ failed to build the CUDA host-shim harness: " + String.join(" ", cmd) + "\n" + log);
      }
      Files.move(tmp, BINARY, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    unavailable = Optional.empty();
    return unavailable;
  }

  /** Runs {@code op} on {@code input}; returns the output file's bytes as a little-endian buffer. */
  static ByteBuffer run(String op, ByteBuffer input) throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory(BINARY.getParent(), op);
    try {
      Path in = dir.resolve("in.bin");
      Path out = dir.resolve("out.bin");
      byte[] bytes = new byte[input.position()];
      input.flip().get(bytes);
      Files.write(in, bytes);
      Process p = new ProcessBuilder(BINARY.toString(), op, in.toString(), out.toString()).redirectErrorStream(true).start();
      String log = new String(p.getInputStream().readAllBytes());
      // A kernel whose threads miss a barrier deadlocks in the shim: fail instead of hanging the build.
      if (!p.waitFor(2, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IllegalStateException("harness op " + op + " did not finish in 2 minutes (barrier deadlock?)");
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException("harness op " + op + " exited " + p.exitValue() + ": " + log);
      }
      return ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
    } finally {
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
      Files.delete(dir);
    }
  }

  /** A growable little-endian argument buffer. */
  static final class Args {
    private ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

    private void room(int n) {
      if (buf.remaining() < n) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n)).order(ByteOrder.LITTLE_ENDIAN);
        buf.flip();
        bigger.put(buf);
        buf = bigger;
      }
    }

    Args i32(int... v) {
      room(4 * v.length);
      for (int x : v) {
        buf.putInt(x);
      }
      return this;
    }

    Args i64(long... v) {
      room(8 * v.length);
      for (long x : v) {
        buf.putLong(x);
      }
      return this;
    }

    Args f32(float... v) {
      room(4 * v.length);
      for (float x : v) {
        buf.putFloat(x);
      }
      return this;
    }

    Args f64(double... v) {
      room(8 * v.length);
      for (double x : v) {
        buf.putDouble(x);
      }
      return this;
    }

    Args bytes(byte[] v) {
      room(v.length);
      buf.put(v);
      return this;
    }

    ByteBuffer buffer() {
      return buf;
    }
  }

  static float[] floats(ByteBuffer b, int n) {
    float[] out = new float[n];
    b.asFloatBuffer().get(out);
    return out;
  }

  private static FileTime newest(List<Path> files) throws IOException {
    FileTime newest = FileTime.fromMillis(0);
    for (Path f : files) {
      FileTime t = Files.getLastModifiedTime(f);
      if (t.compareTo(newest) > 0) {
        newest = t;
      }
    }
    return newest;
  }

  static Optional<Path> onPath(String exe) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    List<Path> candidates = new ArrayList<>();
    for (String dir : path.split(java.io.File.pathSeparator)) {
      candidates.add(Path.of(dir, exe));
    }
    return candidates.stream().filter(Files::isExecutable).findFirst();
  }
}
