package dev.gantry.engine.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gantry.engine.backend.cuda.CudaProbe.Available;
import dev.gantry.engine.backend.cuda.CudaProbe.Driver;
import dev.gantry.engine.backend.cuda.CudaProbe.Result;
import dev.gantry.engine.backend.cuda.CudaProbe.Unavailable;
import org.junit.jupiter.api.Test;

class CudaProbeTest {
  /** A driver whose init / count codes and device count are fixed. */
  private record FakeDriver(int initCode, int countCode, int devices) implements Driver {
    @Override
    public int init() {
      return initCode;
    }

    @Override
    public int deviceCount(int[] count) {
      count[0] = devices;
      return countCode;
    }

    @Override
    public String errorName(int code) {
      return code == 999 ? "CUDA_ERROR_UNKNOWN" : null;
    }
  }

  @Test
  void probe_whenNativeLibraryMissing_isUnavailableWithTheCauseChain() {
    Result r = CudaProbe.probe(() -> {
      throw new NoClassDefFoundError("org/bytedeco/cuda/global/cudart");
    });
    assertThat(r).isInstanceOf(Unavailable.class);
    assertThat(((Unavailable) r).reason()).contains("could not be loaded").contains("org/bytedeco/cuda/global/cudart");

    UnsatisfiedLinkError root = new UnsatisfiedLinkError("no jnicudart in java.library.path");
    ExceptionInInitializerError outer = new ExceptionInInitializerError(root);
    Result r2 = CudaProbe.probe(() -> {
      throw outer;
    });
    assertThat(((Unavailable) r2).reason()).contains("ExceptionInInitializerError").contains("UnsatisfiedLinkError: no jnicudart");
  }

  @Test
  void probe_whenDriverThrowsLinkErrorOnFirstCall_isUnavailable() {
    Driver throwing = new Driver() {
      @Override
      public int init() {
        throw new UnsatisfiedLinkError("libcuda.so.1: cannot open shared object file");
      }

      @Override
      public int deviceCount(int[] count) {
        throw new AssertionError("not reached");
      }

      @Override
      public String errorName(int code) {
        return null;
      }
    };
    Result r = CudaProbe.probe(() -> throwing);
    assertThat(((Unavailable) r).reason()).contains("libcuda.so.1");
  }

  @Test
  void probe_whenCuInitReportsNoDevice_isUnavailableNamingTheCode() {
    Result r = CudaProbe.probe(() -> new FakeDriver(CudaProbe.CUDA_ERROR_NO_DEVICE, 0, 0));
    assertThat(((Unavailable) r).reason()).isEqualTo("cuInit(0) failed: CUDA_ERROR_NO_DEVICE (100)");
  }

  @Test
  void probe_whenDeviceCountFailsOrIsZero_isUnavailable() {
    assertThat(((Unavailable) CudaProbe.probe(() -> new FakeDriver(0, 999, 3))).reason())
        .isEqualTo("cuDeviceGetCount failed: CUDA_ERROR_UNKNOWN (999)");
    assertThat(((Unavailable) CudaProbe.probe(() -> new FakeDriver(0, 0, 0))).reason())
        .isEqualTo("the CUDA driver reports 0 devices");
  }

  @Test
  void probe_whenDriverAnswers_isAvailableWithTheCount() {
    assertThat(CudaProbe.probe(() -> new FakeDriver(0, 0, 2))).isEqualTo(new Available(2));
    assertThat(CudaProbe.requireAvailable(new Available(2))).isEqualTo(2);
  }

  @Test
  void requireAvailable_whenUnavailable_failsNamingTheReasonAndTheFix() {
    assertThatThrownBy(() -> CudaProbe.requireAvailable(new Unavailable("cuInit(0) failed: CUDA_ERROR_NO_DEVICE (100)")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("--device cuda")
        .hasMessageContaining("CUDA_ERROR_NO_DEVICE")
        .hasMessageContaining("--device cpu");
  }

  @Test
  void available_withoutDevices_isRejected() {
    assertThatThrownBy(() -> new Available(0)).hasMessage("deviceCount must be >= 1, got 0");
  }

  /**
   * The real probe on a machine without the natives jar (CI, this box) must answer Unavailable
   * rather than throw; on a GPU machine with natives it answers Available.
   */
  @Test
  void probe_withTheRealBytedecoDriver_neverThrows() {
    Result r = CudaProbe.probe();
    assertThat(r).isNotNull();
    assertThat(CudaProbe.probe()).as("probed once, cached").isSameAs(r);
    boolean nativesOnClassPath = CudaProbeTest.class.getClassLoader().getResource("org/bytedeco/cuda/linux-x86_64/") != null;
    if (!nativesOnClassPath) {
      // The build depends on the Java-only bytedeco jar: class initialisation must fail to link, and be caught.
      assertThat(r).isInstanceOf(Unavailable.class);
      assertThat(((Unavailable) r).reason()).contains("could not be loaded").contains("jnicudart");
    }
  }
}
