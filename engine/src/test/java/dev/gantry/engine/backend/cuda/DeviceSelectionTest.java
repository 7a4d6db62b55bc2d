package dev.gantry.engine.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gantry.engine.backend.Device;
import org.junit.jupiter.api.Test;

/** --device auto / cuda / cpu against simulated drivers: no device, no libraries, a working GPU. */
class DeviceSelectionTest {
  /** A driver that initialises but reports no device, as on a machine without a GPU but with the driver. */
  private static final CudaProbe.Driver NO_DEVICE = new CudaProbe.Driver() {
    @Override
    public int init() {
      return CudaProbe.CUDA_ERROR_NO_DEVICE;
    }

    @Override
    public int deviceCount(int[] count) {
      throw new AssertionError("not reached: cuInit failed");
    }

    @Override
    public String errorName(int code) {
      return "CUDA_ERROR_NO_DEVICE";
    }
  };

  private static final CudaProbe.Driver ONE_GPU = new CudaProbe.Driver() {
    @Override
    public int init() {
      return 0;
    }

    @Override
    public int deviceCount(int[] count) {
      count[0] = 1;
      return 0;
    }

    @Override
    public String errorName(int code) {
      return null;
    }
  };

  @Test
  void auto_withoutADevice_fallsBackToTheCpu() {
    assertThat(Device.AUTO.resolve(() -> CudaProbe.probe(() -> NO_DEVICE))).isEqualTo(Device.CPU);
    assertThat(Device.AUTO.resolve(() -> CudaProbe.probe(() -> {
      throw new UnsatisfiedLinkError("no jnicudart in java.library.path");
    }))).isEqualTo(Device.CPU);
  }

  @Test
  void cuda_withoutADevice_failsSayingWhyAndWhatToPass() {
    assertThatThrownBy(() -> Device.CUDA.resolve(() -> CudaProbe.probe(() -> NO_DEVICE)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("--device cuda was requested but no usable CUDA GPU was found")
        .hasMessageContaining("cuInit(0) failed: CUDA_ERROR_NO_DEVICE (100)")
        .hasMessageContaining("use --device cpu");
  }

  @Test
  void autoAndCuda_withAGpu_pickCuda_andCpuNeverProbes() {
    assertThat(Device.AUTO.resolve(() -> CudaProbe.probe(() -> ONE_GPU))).isEqualTo(Device.CUDA);
    assertThat(Device.CUDA.resolve(() -> CudaProbe.probe(() -> ONE_GPU))).isEqualTo(Device.CUDA);
    assertThat(Device.CPU.resolve(() -> {
      throw new AssertionError("--device cpu must not load the CUDA libraries");
    })).isEqualTo(Device.CPU);
  }

  @Test
  void parse_unknownDevice_namesTheValue() {
    assertThat(Device.parse("CUDA")).isEqualTo(Device.CUDA);
    assertThatThrownBy(() -> Device.parse("tpu")).hasMessage("--device must be auto, cpu or cuda, got 'tpu'");
  }
}
