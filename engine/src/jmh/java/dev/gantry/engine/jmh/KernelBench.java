package dev.gantry.engine.jmh;

import dev.gantry.engine.backend.cpu.Kernels;
import dev.gantry.engine.backend.cpu.Matmul;
import dev.gantry.engine.backend.cpu.Parallel;
import dev.gantry.engine.model.DType;
import dev.gantry.engine.model.WeightTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * CPU kernels, Vector API against the scalar reference. Scores are operations per second
 * where one operation is one FLOP (a multiply-add counts 2) or, for memcpy, one byte, so
 * the JMH score reads directly as FLOP/s or bytes/s.
 *
 * <p>Pitfalls avoided: results go to a Blackhole or an output array read afterwards (no
 * dead-code elimination); matrices (8192 x 4096) are larger than the 32 MiB L3 in F32 and
 * Q8_0, so matvec measures memory streaming, not cache hits; inputs are random, never
 * constants the JIT could fold; each configuration runs in its own fork.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class KernelBench {
  static final int N = 4096;
  static final int ROWS = 8192;
  static final int TOKENS = 16;

  /** One dot product of two L1-resident vectors of 4096 floats: pure compute. */
  @State(Scope.Thread)
  public static class Dot {
    float[] a = new float[N];
    float[] b = new float[N];

    @Setup
    public void setup() {
      Random r = new Random(1);
      for (int i = 0; i < N; i++) {
        a[i] = (float) r.nextGaussian();
        b[i] = (float) r.nextGaussian();
      }
    }
  }

  @Benchmark
  @OperationsPerInvocation(2 * N)
  public float dotScalar(Dot s) {
    return Kernels.SCALAR.dot(s.a, 0, s.b, 0, N);
  }

  @Benchmark
  @OperationsPerInvocation(2 * N)
  public float dotVector(Dot s) {
    return Kernels.VECTOR.dot(s.a, 0, s.b, 0, N);
  }

  /** A memory-mapped-like (direct buffer) weight matrix of ROWS x N in one dtype. */
  @State(Scope.Benchmark)
  public static class Matrix {
    @Param({"F32", "Q8_0", "Q4_0"})
    public String dtype;

    @Param({"vector", "scalar"})
    public String kernels;

    @Param({"1", "2"})
    public int threads;

    WeightTensor w;
    float[] x;
    float[] out;
    Matmul matmul;
    Parallel parallel;

    @Setup(Level.Trial)
    public void setup() {
      DType type = DType.valueOf(dtype);
      Random r = new Random(2);
      long bytes = type.bytesFor((long) ROWS * N);
      ByteBuffer data = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
      short scale = Float.floatToFloat16(0.01f);
      for (long i = 0; i < bytes; ) {
        if (type == DType.F32) {
          data.putFloat((float) r.nextGaussian());
          i += 4;
        } else if ((i % type.bytesPerBlock()) == 0) {
          data.putShort(scale); // a valid f16 scale per block, random quants after it
          i += 2;
        } else {
          data.put((byte) r.nextInt());
          i++;
        }
      }
      data.flip();
      w = WeightTensor.ofBuffer("bench", type, ROWS, N, data);
      x = new float[TOKENS * N];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) r.nextGaussian();
      }
      out = new float[TOKENS * ROWS];
      parallel = new Parallel(threads);
      matmul = new Matmul(kernels.equals("vector") ? Kernels.VECTOR : Kernels.SCALAR, parallel);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      parallel.close();
    }
  }

  /** One token against the whole matrix: a decode step's matmul, bound by memory bandwidth. */
  @Benchmark
  @OperationsPerInvocation(2 * ROWS * N)
  public void matvec(Matrix m, Blackhole bh) {
    m.matmul.apply(m.w, m.x, 1, m.out);
    bh.consume(m.out[ROWS - 1]);
  }

  /** 16 tokens against the matrix, weights read once: a batched decode step's matmul. */
  @Benchmark
  @OperationsPerInvocation(2 * ROWS * N * TOKENS)
  public void matmul16(Matrix m, Blackhole bh) {
    m.matmul.apply(m.w, m.x, TOKENS, m.out);
    bh.consume(m.out[TOKENS * ROWS - 1]);
  }

  /** Copies 256 MiB with System.arraycopy from one or two threads: the machine's memcpy bandwidth. */
  @State(Scope.Benchmark)
  public static class Copy {
    static final int BYTES = 256 << 20;

    @Param({"1", "2"})
    public int threads;

    byte[] src = new byte[BYTES];
    byte[] dst = new byte[BYTES];
    Parallel parallel;

    @Setup(Level.Trial)
    public void setup() {
      new Random(3).nextBytes(src);
      parallel = new Parallel(threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      parallel.close();
    }
  }

  @Benchmark
  @OperationsPerInvocation(Copy.BYTES)
  public void memcpy(Copy c, Blackhole bh) {
    int chunk = Copy.BYTES / c.threads;
    c.parallel.parallelFor(Copy.BYTES, chunk, (from, to) -> System.arraycopy(c.src, from, c.dst, from, to - from));
    bh.consume(c.dst[Copy.BYTES - 1]);
  }
}
