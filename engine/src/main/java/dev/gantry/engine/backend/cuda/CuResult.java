package dev.gantry.engine.backend.cuda;

import java.util.Map;

/**
 * Names and one-line meanings of the CUresult codes (CUDA driver API) and cublasStatus_t codes
 * the engine can meet, so an error names its code even when the driver cannot be asked
 * (cuGetErrorName needs a loaded driver; cuBLAS statuses have their own numbering). The values
 * are those of CUDA 13's cuda.h and cublas_api.h.
 */
public final class CuResult {
  private CuResult() {}

  public static final int CUDA_SUCCESS = 0;

  private record Entry(String name, String meaning) {}

  private static final Map<Integer, Entry> DRIVER = Map.ofEntries(
      Map.entry(0, new Entry("CUDA_SUCCESS", "no error")),
      Map.entry(1, new Entry("CUDA_ERROR_INVALID_VALUE", "an argument is out of range")),
      Map.entry(2, new Entry("CUDA_ERROR_OUT_OF_MEMORY", "out of device memory; lower --gpu-memory-utilization, "
          + "--max-num-batched-tokens or --max-num-seqs")),
      Map.entry(3, new Entry("CUDA_ERROR_NOT_INITIALIZED", "cuInit was not called or failed")),
      Map.entry(4, new Entry("CUDA_ERROR_DEINITIALIZED", "the driver is shutting down")),
      Map.entry(100, new Entry("CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is present")),
      Map.entry(101, new Entry("CUDA_ERROR_INVALID_DEVICE", "the device ordinal is not a valid device")),
      Map.entry(200, new Entry("CUDA_ERROR_INVALID_IMAGE", "the fatbin is not a valid CUDA module")),
      Map.entry(201, new Entry("CUDA_ERROR_INVALID_CONTEXT", "no current CUDA context on this thread")),
      Map.entry(209, new Entry("CUDA_ERROR_NO_BINARY_FOR_GPU", "the fatbin has no code for this GPU "
          + "(built for sm_80, sm_90 and compute_90 PTX)")),
      Map.entry(218, new Entry("CUDA_ERROR_INVALID_PTX", "the PTX could not be JIT-compiled")),
      Map.entry(222, new Entry("CUDA_ERROR_UNSUPPORTED_PTX_VERSION", "the driver is older than the PTX; update it")),
      Map.entry(400, new Entry("CUDA_ERROR_INVALID_HANDLE", "a handle (function, module, stream) is invalid")),
      Map.entry(500, new Entry("CUDA_ERROR_NOT_FOUND", "a named symbol (kernel) is not in the module")),
      Map.entry(700, new Entry("CUDA_ERROR_ILLEGAL_ADDRESS", "a kernel read or wrote out of bounds")),
      Map.entry(701, new Entry("CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES", "too many registers or threads for this launch")),
      Map.entry(702, new Entry("CUDA_ERROR_LAUNCH_TIMEOUT", "a kernel ran past the watchdog timeout")),
      Map.entry(719, new Entry("CUDA_ERROR_LAUNCH_FAILED", "a kernel faulted")),
      Map.entry(999, new Entry("CUDA_ERROR_UNKNOWN", "unknown error")));

  private static final Map<Integer, Entry> CUBLAS = Map.ofEntries(
      Map.entry(0, new Entry("CUBLAS_STATUS_SUCCESS", "no error")),
      Map.entry(1, new Entry("CUBLAS_STATUS_NOT_INITIALIZED", "cuBLAS was not initialised")),
      Map.entry(3, new Entry("CUBLAS_STATUS_ALLOC_FAILED", "cuBLAS could not allocate device memory")),
      Map.entry(7, new Entry("CUBLAS_STATUS_INVALID_VALUE", "an argument (size, leading dimension, type) is invalid")),
      Map.entry(8, new Entry("CUBLAS_STATUS_ARCH_MISMATCH", "this GPU lacks a feature the call needs")),
      Map.entry(11, new Entry("CUBLAS_STATUS_MAPPING_ERROR", "access to GPU memory failed")),
      Map.entry(13, new Entry("CUBLAS_STATUS_EXECUTION_FAILED", "the GPU program failed to execute")),
      Map.entry(14, new Entry("CUBLAS_STATUS_INTERNAL_ERROR", "an internal cuBLAS operation failed")),
      Map.entry(15, new Entry("CUBLAS_STATUS_NOT_SUPPORTED", "this combination of types and options is not supported")),
      Map.entry(16, new Entry("CUBLAS_STATUS_LICENSE_ERROR", "cuBLAS license error")));

  /** The CUresult's name, e.g. CUDA_ERROR_ILLEGAL_ADDRESS, or "CUresult N" for a code this table lacks. */
  public static String driverName(int code) {
    Entry e = DRIVER.get(code);
    return e != null ? e.name() : "CUresult " + code;
  }

  /** A one-line meaning of the CUresult, with the fix where there is an obvious one. */
  public static String driverMeaning(int code) {
    Entry e = DRIVER.get(code);
    return e != null ? e.meaning() : "see cuda.h";
  }

  public static String cublasName(int status) {
    Entry e = CUBLAS.get(status);
    return e != null ? e.name() : "cublasStatus_t " + status;
  }

  public static String cublasMeaning(int status) {
    Entry e = CUBLAS.get(status);
    return e != null ? e.meaning() : "see cublas_api.h";
  }
}
