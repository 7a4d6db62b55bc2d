package dev.gantry.engine.backend.cuda;

/**
 * A failed CUDA driver or cuBLAS call. The message names what was being done (the kernel and
 * its launch shape, or the API call and its arguments), the code's name and number and what it
 * means, e.g. {@code gantry_paged_attention_f16 (grid (96, 1, 1) x block 128, 33792 B dynamic
 * shared memory) failed: CUDA_ERROR_ILLEGAL_ADDRESS (700): a kernel read or wrote out of bounds}.
 * Kernel faults are asynchronous: they surface at the next synchronising call, whose message
 * then names the last kernel launched.
 */
public final class CudaException extends RuntimeException {
  private final String operation;
  private final LaunchShape launchShape;
  private final int code;
  private final String codeName;

  public CudaException(String operation, LaunchShape launchShape, int code, String codeName, String meaning) {
    super(operation + (launchShape == null ? "" : " (" + launchShape + ")") + " failed: " + codeName + " (" + code + "): "
        + meaning);
    this.operation = operation;
    this.launchShape = launchShape;
    this.code = code;
    this.codeName = codeName;
  }

  /** A driver API CUresult; names from the driver when it answers, else from {@link CuResult}. */
  public static CudaException driver(String operation, LaunchShape launchShape, int code, String driverName,
      String driverMeaning) {
    String name = driverName != null ? driverName : CuResult.driverName(code);
    String meaning = driverMeaning != null ? driverMeaning : CuResult.driverMeaning(code);
    if (code == 2 && !meaning.contains("--gpu-memory-utilization")) {
      meaning += "; lower --gpu-memory-utilization, --max-num-batched-tokens or --max-num-seqs";
    }
    return new CudaException(operation, launchShape, code, name, meaning);
  }

  /** A cublasStatus_t. */
  public static CudaException cublas(String operation, int status) {
    return new CudaException(operation, null, status, CuResult.cublasName(status), CuResult.cublasMeaning(status));
  }

  /** The kernel name or API call that failed. */
  public String operation() {
    return operation;
  }

  /** The launch shape when a kernel launch failed, else null. */
  public LaunchShape launchShape() {
    return launchShape;
  }

  public int code() {
    return code;
  }

  public String codeName() {
    return codeName;
  }
}
