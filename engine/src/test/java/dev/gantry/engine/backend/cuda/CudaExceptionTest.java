package dev.gantry.engine.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CudaExceptionTest {
  @Test
  void driver_namesTheKernelItsLaunchShapeAndTheCode_withTheTableWhenTheDriverCannotSay() {
    LaunchShape shape = new LaunchShape(96, 1, 1, 128, 2080);
    CudaException e = CudaException.driver("gantry_paged_attention_f16", shape, 700, null, null);
    assertThat(e).hasMessage("gantry_paged_attention_f16 (grid (96, 1, 1) x block 128, 2080 B dynamic shared memory) "
        + "failed: CUDA_ERROR_ILLEGAL_ADDRESS (700): a kernel read or wrote out of bounds");
    assertThat(e.launchShape()).isEqualTo(shape);
    assertThat(e.codeName()).isEqualTo("CUDA_ERROR_ILLEGAL_ADDRESS");
  }

  @Test
  void driver_prefersTheDriversOwnText_andAddsTheFixForOutOfMemory() {
    CudaException e = CudaException.driver("cuMemAlloc(1024 B for key cache of layer 3)", null, 2, "CUDA_ERROR_OUT_OF_MEMORY",
        "out of memory");
    assertThat(e.getMessage()).isEqualTo("cuMemAlloc(1024 B for key cache of layer 3) failed: CUDA_ERROR_OUT_OF_MEMORY (2): "
        + "out of memory; lower --gpu-memory-utilization, --max-num-batched-tokens or --max-num-seqs");
  }

  @Test
  void unknownCodes_areStillPrintedWithTheirNumber() {
    assertThat(CudaException.driver("cuInit(0)", null, 12345, null, null).getMessage())
        .isEqualTo("cuInit(0) failed: CUresult 12345 (12345): see cuda.h");
    assertThat(CudaException.cublas("cublasGemmEx(wq)", 15).getMessage())
        .isEqualTo("cublasGemmEx(wq) failed: CUBLAS_STATUS_NOT_SUPPORTED (15): this combination of types and options is not supported");
  }
}
