package dev.gantry.engine.backend.cuda;

/**
 * How one kernel is launched: a grid of {@code gridX x gridY x gridZ} blocks of {@code blockX}
 * threads (every Gantry kernel uses one-dimensional blocks) with {@code dynamicSharedBytes} of
 * dynamic shared memory. Values are checked for sign here; the per-device limits are checked by
 * {@link LaunchPlanner}, which is where shapes come from.
 */
public record LaunchShape(int gridX, int gridY, int gridZ, int blockX, int dynamicSharedBytes) {
  public LaunchShape {
    if (gridX < 1 || gridY < 1 || gridZ < 1 || blockX < 1 || dynamicSharedBytes < 0) {
      throw new IllegalArgumentException("a launch needs grid and block dimensions >= 1 and shared memory >= 0, got "
          + describe(gridX, gridY, gridZ, blockX, dynamicSharedBytes));
    }
  }

  /** A one-dimensional grid without dynamic shared memory. */
  public static LaunchShape of(int gridX, int blockX) {
    return new LaunchShape(gridX, 1, 1, blockX, 0);
  }

  public long totalThreads() {
    return (long) gridX * gridY * gridZ * blockX;
  }

  /** "grid (96, 1, 1) x block 128, 33792 B dynamic shared memory": how errors print a launch. */
  @Override
  public String toString() {
    return describe(gridX, gridY, gridZ, blockX, dynamicSharedBytes);
  }

  private static String describe(int gx, int gy, int gz, int bx, int smem) {
    return "grid (" + gx + ", " + gy + ", " + gz + ") x block " + bx + ", " + smem + " B dynamic shared memory";
  }
}
