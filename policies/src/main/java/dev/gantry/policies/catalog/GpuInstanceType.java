package dev.gantry.policies.catalog;

/**
 * One GPU instance type of one cloud.
 *
 * @param cloud              {@code aws}, {@code gcp} or {@code azure}
 * @param name               instance type / machine type / VM size
 * @param gpuModel           e.g. {@code H100}, {@code A100-80GB}, {@code L4}
 * @param gpuCount           GPUs per instance
 * @param gpuMemoryGiB       memory of one GPU, GiB
 * @param vcpu               virtual CPUs
 * @param memoryGiB          host memory, GiB
 * @param onDemandUsdPerHour approximate on-demand list price in the reference region
 */
public record GpuInstanceType(
    String cloud,
    String name,
    String gpuModel,
    int gpuCount,
    double gpuMemoryGiB,
    int vcpu,
    double memoryGiB,
    double onDemandUsdPerHour) {

  /** Hours in an average month, used for monthly cost estimates (730 = 8760 / 12). */
  public static final double HOURS_PER_MONTH = 730.0;

  /** Total GPU memory of one instance, GiB. */
  public double totalGpuMemoryGiB() {
    return gpuCount * gpuMemoryGiB;
  }

  /** Approximate on-demand cost of one instance for a month. */
  public double monthlyUsd() {
    return onDemandUsdPerHour * HOURS_PER_MONTH;
  }
}
