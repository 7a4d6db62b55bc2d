package dev.gantry.engine.backend.cuda;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * The {@code void** kernelParams} of cuLaunchKernel: one 8-byte slot of native memory per
 * argument (every Gantry kernel argument is a device pointer, an int, a long long, a float or a
 * double) and an array of pointers to the slots, allocated once and refilled for each launch.
 * <pre>
 *   values:   | slot 0 (8 B) | slot 1 (8 B) | ... |      an int or float uses the slot's first 4 bytes
 *   pointers: | &slot 0      | &slot 1      | ... |      what cuLaunchKernel reads, argument by argument
 * </pre>
 * Needs only JavaCPP's own natives, not CUDA, so its layout is tested on the CPU.
 * Not thread-safe: one launch at a time.
 */
public final class KernelArgs implements AutoCloseable {
  /** More than any Gantry kernel takes (paged attention: 13). */
  public static final int MAX_ARGS = 16;

  private final BytePointer values = new BytePointer(8L * MAX_ARGS);
  private final PointerPointer<Pointer> pointers = new PointerPointer<>(MAX_ARGS);
  private int count;

  public KernelArgs() {
    for (int i = 0; i < MAX_ARGS; i++) {
      pointers.put(i, new RawPointer(values.address() + 8L * i));
    }
  }

  /** Starts a new argument list. */
  public KernelArgs reset() {
    count = 0;
    return this;
  }

  /** A device pointer (CUdeviceptr) or a C {@code long long}. */
  public KernelArgs i64(long v) {
    values.putLong(8L * slot(), v); // BytePointer offsets are in bytes
    return this;
  }

  public KernelArgs ptr(long devicePtr) {
    return i64(devicePtr);
  }

  public KernelArgs i32(int v) {
    values.putInt(8L * slot(), v);
    return this;
  }

  public KernelArgs f32(float v) {
    values.putFloat(8L * slot(), v);
    return this;
  }

  public KernelArgs f64(double v) {
    values.putDouble(8L * slot(), v);
    return this;
  }

  /** Arguments added since the last {@link #reset}. */
  public int count() {
    return count;
  }

  /** The {@code kernelParams} array for cuLaunchKernel. */
  public PointerPointer<Pointer> pointers() {
    return pointers;
  }

  private int slot() {
    if (count == MAX_ARGS) {
      throw new IllegalStateException("more than " + MAX_ARGS + " kernel arguments");
    }
    return count++;
  }

  /** An address as a JavaCPP pointer with position 0 (JavaCPP adds position to addresses it passes). */
  static final class RawPointer extends Pointer {
    RawPointer(long address) {
      this.address = address;
    }
  }

  @Override
  public void close() {
    values.close();
    pointers.close();
  }
}
