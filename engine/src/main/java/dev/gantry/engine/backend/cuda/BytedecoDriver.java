package dev.gantry.engine.backend.cuda;

import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * The CUDA driver API through bytedeco. Touching {@link cudart} runs its static initialiser,
 * which loads the JNI and CUDA libraries; that is where {@link UnsatisfiedLinkError} comes
 * from when the natives jar or the driver is missing, so every call stays inside
 * {@link CudaProbe#probe}'s catch.
 */
final class BytedecoDriver implements CudaProbe.Driver {
  @Override
  public int init() {
    return cudart.cuInit(0);
  }

  @Override
  public int deviceCount(int[] count) {
    return cudart.cuDeviceGetCount(count);
  }

  @Override
  public String errorName(int code) {
    try (PointerPointer<BytePointer> name = new PointerPointer<>(1)) {
      if (cudart.cuGetErrorName(code, name) != CudaProbe.CUDA_SUCCESS) {
        return null;
      }
      BytePointer text = name.get(BytePointer.class, 0);
      return text == null || text.isNull() ? null : text.getString();
    }
  }
}
