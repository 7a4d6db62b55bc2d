package dev.gantry.engine.backend.cuda;

/**
 * The per-launch limits of a device: {@link #AMPERE_HOPPER} holds those of sm_80 and sm_90 (the
 * architectures the fatbin carries); CudaBackend reads the real ones with cuDeviceGetAttribute.
 *
 * @param maxThreadsPerBlock CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK
 * @param maxGridX CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X
 * @param maxGridY CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y
 * @param maxSharedBytesPerBlock shared memory a block may use without opting in (48 KiB)
 * @param registersPerBlock CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK
 */
public record KernelLimits(int maxThreadsPerBlock, int maxGridX, int maxGridY, int maxSharedBytesPerBlock,
    int registersPerBlock) {
  public static final KernelLimits AMPERE_HOPPER = new KernelLimits(1024, Integer.MAX_VALUE, 65535, 48 * 1024, 65536);

  public KernelLimits {
    if (maxThreadsPerBlock < 32 || maxGridX < 1 || maxGridY < 1 || maxSharedBytesPerBlock < 0 || registersPerBlock < 1) {
      throw new IllegalArgumentException("implausible device limits: " + maxThreadsPerBlock + " threads per block, grid "
          + maxGridX + " x " + maxGridY + ", " + maxSharedBytesPerBlock + " B shared, " + registersPerBlock + " registers");
    }
  }
}
