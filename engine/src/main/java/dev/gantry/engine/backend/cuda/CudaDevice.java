package dev.gantry.engine.backend.cuda;

import static org.bytedeco.cuda.global.cudart.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUctx_st;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * One GPU through bytedeco's driver API and cuBLAS: the primary context, the kernels' module
 * (fatbin loaded with cuModuleLoadData, every {@link Kernel} resolved by name), device memory,
 * copies, kernel launches and cublasGemmEx. Every call's return code is checked and turned into
 * a {@link CudaException} naming the call (for launches: the kernel and its {@link LaunchShape}).
 * Everything runs on the legacy default stream, so a device-to-host copy waits for the kernels
 * before it. Not thread-safe: CudaBackend drives it from the engine thread.
 *
 * <p>Never run in this repository's CI (no GPU): only compiled. See docs/PERFORMANCE.md.
 */
public final class CudaDevice implements AutoCloseable {
  /** Class-path location of the fatbin build-kernels.sh packages. */
  public static final String FATBIN_RESOURCE = "dev/gantry/engine/backend/cuda/gantry_kernels.fatbin";

  private final int ordinal;
  private int deviceHandle;
  private final CUctx_st context = new CUctx_st();
  private final CUmod_st module = new CUmod_st();
  private final Map<Kernel, CUfunc_st> functions = new EnumMap<>(Kernel.class);
  private final cublasContext cublasHandle = new cublasContext();
  private final Set<Long> allocations = new LinkedHashSet<>();
  private final KernelLimits limits;
  private final LaunchPlanner planner;
  private final boolean syncEachLaunch;
  private final KernelArgs args = new KernelArgs();
  private final FloatPointer one = new FloatPointer(1f);
  private final FloatPointer zero = new FloatPointer(0f);
  private String lastLaunch = "none";
  private boolean closed;

  private CudaDevice(int ordinal, byte[] fatbin, boolean syncEachLaunch) {
    this.ordinal = ordinal;
    this.syncEachLaunch = syncEachLaunch;
    check(cuInit(0), "cuInit(0)");
    int[] dev = new int[1];
    check(cuDeviceGet(dev, ordinal), "cuDeviceGet(" + ordinal + ")");
    deviceHandle = dev[0];
    check(cuDevicePrimaryCtxRetain(context, dev[0]), "cuDevicePrimaryCtxRetain(device " + ordinal + ")");
    check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
    limits = new KernelLimits(attribute(dev[0], CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK),
        attribute(dev[0], CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X), attribute(dev[0], CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y),
        attribute(dev[0], CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK),
        attribute(dev[0], CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK));
    planner = new LaunchPlanner(limits, PtxasReport.fromClassPath());
    try (BytePointer image = new BytePointer(fatbin.length)) {
      image.put(fatbin);
      check(cuModuleLoadData(module, image), "cuModuleLoadData(" + FATBIN_RESOURCE + ", " + fatbin.length + " B)");
    }
    for (Kernel k : Kernel.values()) {
      CUfunc_st f = new CUfunc_st();
      check(cuModuleGetFunction(f, module, k.symbol()), "cuModuleGetFunction(" + k.symbol() + ")");
      functions.put(k, f);
    }
    int rc = cublas.cublasCreate_v2(cublasHandle);
    if (rc != 0) {
      throw CudaException.cublas("cublasCreate", rc);
    }
  }

  /**
   * Opens device {@code ordinal} with the packaged fatbin. Throws {@link IllegalStateException}
   * when the jar has no fatbin (built without nvcc), {@link CudaException} for driver errors.
   *
   * @param syncEachLaunch synchronise after every kernel so a fault names its own kernel (slow; debugging)
   */
  public static CudaDevice open(int ordinal, boolean syncEachLaunch) {
    byte[] fatbin;
    try (var in = CudaDevice.class.getClassLoader().getResourceAsStream(FATBIN_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("no " + FATBIN_RESOURCE + " on the class path: this engine was built without "
            + "nvcc, so it has no CUDA kernels; rebuild it on a machine with the CUDA toolkit or use --device cpu");
      }
      fatbin = in.readAllBytes();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("reading " + FATBIN_RESOURCE, e);
    }
    return new CudaDevice(ordinal, fatbin, syncEachLaunch);
  }

  public KernelLimits limits() {
    return limits;
  }

  public LaunchPlanner planner() {
    return planner;
  }

  /** {free, total} device memory in bytes (cuMemGetInfo). */
  public long[] memoryInfo() {
    try (SizeTPointer free = new SizeTPointer(1); SizeTPointer total = new SizeTPointer(1)) {
      check(cuMemGetInfo(free, total), "cuMemGetInfo");
      return new long[] {free.get(), total.get()};
    }
  }

  /** Allocates {@code bytes} of device memory; {@code what} names the buffer in errors. */
  public long alloc(long bytes, String what) {
    long[] ptr = new long[1];
    check(cuMemAlloc(ptr, Math.max(bytes, 1)), "cuMemAlloc(" + bytes + " B for " + what + ")");
    allocations.add(ptr[0]);
    return ptr[0];
  }

  public void free(long ptr) {
    if (ptr != 0 && allocations.remove(ptr)) {
      check(cuMemFree(ptr), "cuMemFree");
    }
  }

  /** Host bytes {@code src[position .. limit)} to device address {@code dst}. */
  public void copyToDevice(long dst, ByteBuffer src) {
    int n = src.remaining();
    if (n == 0) {
      return;
    }
    if (src.isDirect()) {
      try (BytePointer p = new BytePointer(src.slice())) {
        check(cuMemcpyHtoD(dst, p, n), "cuMemcpyHtoD(" + n + " B)");
      }
    } else {
      try (BytePointer p = new BytePointer(n)) {
        p.asBuffer().put(src.duplicate());
        check(cuMemcpyHtoD(dst, p, n), "cuMemcpyHtoD(" + n + " B)");
      }
    }
  }

  public void copyToDevice(long dst, float[] src, int count) {
    ByteBuffer b = ByteBuffer.allocateDirect(count * Float.BYTES).order(ByteOrder.nativeOrder());
    b.asFloatBuffer().put(src, 0, count);
    copyToDevice(dst, b);
  }

  public void copyToDevice(long dst, int[] src, int count) {
    ByteBuffer b = ByteBuffer.allocateDirect(count * Integer.BYTES).order(ByteOrder.nativeOrder());
    b.asIntBuffer().put(src, 0, count);
    copyToDevice(dst, b);
  }

  public void copyToDevice(long dst, long[] src, int count) {
    ByteBuffer b = ByteBuffer.allocateDirect(count * Long.BYTES).order(ByteOrder.nativeOrder());
    b.asLongBuffer().put(src, 0, count);
    copyToDevice(dst, b);
  }

  /** {@code count} floats from the device into {@code dst[0 .. count)}; waits for the kernels before it. */
  public void copyToHost(float[] dst, long src, int count) {
    try (FloatPointer p = new FloatPointer(count)) {
      check(cuMemcpyDtoH(p, src, (long) count * Float.BYTES), "cuMemcpyDtoH(" + count + " floats) after " + lastLaunch);
      p.get(dst, 0, count);
    }
  }

  public void copyToHost(int[] dst, long src, int count) {
    try (org.bytedeco.javacpp.IntPointer p = new org.bytedeco.javacpp.IntPointer(count)) {
      check(cuMemcpyDtoH(p, src, (long) count * Integer.BYTES), "cuMemcpyDtoH(" + count + " ints) after " + lastLaunch);
      p.get(dst, 0, count);
    }
  }

  public void synchronize() {
    check(cuCtxSynchronize(), "cuCtxSynchronize after " + lastLaunch);
  }

  /** The argument list of the next {@link #launch}, emptied; add arguments in the kernel's declaration order. */
  public KernelArgs args() {
    return args.reset();
  }

  /** Launches {@code kernel} with {@code shape} (from {@link #planner()}) and {@code args}. */
  public void launch(Kernel kernel, LaunchShape shape, KernelArgs args) {
    lastLaunch = kernel.symbol() + " (" + shape + ")";
    int rc = cuLaunchKernel(functions.get(kernel), shape.gridX(), shape.gridY(), shape.gridZ(), shape.blockX(), 1, 1,
        shape.dynamicSharedBytes(), null, args.pointers(), (PointerPointer) null);
    check(rc, kernel.symbol(), shape);
    if (syncEachLaunch) {
      check(cuCtxSynchronize(), kernel.symbol(), shape);
    }
  }

  /** Element types cublasGemmEx reads. */
  public enum GemmType {
    F32(CUDA_R_32F), F16(CUDA_R_16F), BF16(CUDA_R_16BF);

    final int cudaType;

    GemmType(int cudaType) {
      this.cudaType = cudaType;
    }
  }

  /**
   * Row-major {@code y (n, out) = x (n, in) . W^T} for {@code W (out, in)}, FP32 accumulate and FP32
   * output. cuBLAS is column-major: a row-major (out, in) matrix is a column-major (in, out) one,
   * so this is {@code Y' (out, n) = W'^T (out, in) . X' (in, n)}: transa = T, lda = ldb = in, ldc = out.
   */
  public void gemm(long w, long x, GemmType type, int out, int in, int n, long y, String what) {
    int rc = cublas.cublasGemmEx(cublasHandle, cublas.CUBLAS_OP_T, cublas.CUBLAS_OP_N, out, n, in, one,
        new KernelArgs.RawPointer(w), type.cudaType, in, new KernelArgs.RawPointer(x), type.cudaType, in, zero,
        new KernelArgs.RawPointer(y), CUDA_R_32F, out, cublas.CUBLAS_COMPUTE_32F, cublas.CUBLAS_GEMM_DEFAULT);
    if (rc != 0) {
      throw CudaException.cublas("cublasGemmEx(" + what + ": m " + out + ", n " + n + ", k " + in + ", " + type + ")", rc);
    }
    lastLaunch = "cublasGemmEx(" + what + ")";
  }

  private int attribute(int dev, int attribute) {
    int[] v = new int[1];
    check(cuDeviceGetAttribute(v, attribute, dev), "cuDeviceGetAttribute(" + attribute + ")");
    return v[0];
  }

  private static void check(int rc, String operation) {
    check(rc, operation, null);
  }

  private static void check(int rc, String operation, LaunchShape shape) {
    if (rc != CuResult.CUDA_SUCCESS) {
      throw CudaException.driver(operation, shape, rc, text(rc, true), text(rc, false));
    }
  }

  /** cuGetErrorName / cuGetErrorString, or null when the driver has no answer. */
  private static String text(int rc, boolean name) {
    try (PointerPointer<BytePointer> out = new PointerPointer<>(1)) {
      int r = name ? cuGetErrorName(rc, out) : cuGetErrorString(rc, out);
      if (r != CuResult.CUDA_SUCCESS) {
        return null;
      }
      BytePointer s = out.get(BytePointer.class, 0);
      return s == null || s.isNull() ? null : s.getString();
    } catch (RuntimeException | LinkageError e) {
      return null;
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<RuntimeException> errors = new ArrayList<>();
    for (Long p : List.copyOf(allocations)) {
      try {
        free(p);
      } catch (RuntimeException e) {
        errors.add(e);
      }
    }
    cublas.cublasDestroy_v2(cublasHandle);
    cuModuleUnload(module);
    cuDevicePrimaryCtxRelease(deviceHandle);
    args.close();
    one.close();
    zero.close();
    if (!errors.isEmpty()) {
      throw errors.get(0);
    }
  }
}
