package dev.gantry.engine.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DeviceMemoryPlanTest {
  private static final long GIB = 1L << 30;
  private static final long MIB = 1L << 20;

  @Test
  void plan_givesTheKvCacheWhatIsLeftOfTheUtilizationShare() {
    // 80 GiB x 0.9 = 72 GiB; 1 GiB used by others, 16 GiB weights, 2 GiB activations, 512 MiB reserve -> 52.5 GiB.
    DeviceMemoryPlan p = DeviceMemoryPlan.plan(80 * GIB, 79 * GIB, 0.9, 16 * GIB, 2 * GIB, 512 * MIB, 2 * MIB, 8, 1 << 30);
    assertThat(p.usedByOthersBytes()).isEqualTo(GIB);
    assertThat(p.numBlocks()).isEqualTo((int) ((72 * GIB - GIB - 16 * GIB - 2 * GIB - 512 * MIB) / (2 * MIB)));
    assertThat(p.kvCacheBytes()).isLessThanOrEqualTo(72 * GIB - 19 * GIB - 512 * MIB);
  }

  @Test
  void plan_neverGivesMoreBlocksThanTheSequencesCanUse() {
    assertThat(DeviceMemoryPlan.plan(80 * GIB, 80 * GIB, 0.9, GIB, GIB, 0, MIB, 8, 1000).numBlocks()).isEqualTo(1000);
  }

  @Test
  void plan_whenWeightsDoNotFit_namesEveryNumberAndTheFixes() {
    assertThatThrownBy(() -> DeviceMemoryPlan.plan(24 * GIB, 23 * GIB, 0.9, 30 * GIB, GIB, 512 * MIB, 2 * MIB, 256, 1 << 20))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not fit on the GPU")
        .hasMessageContaining("--gpu-memory-utilization 0.9 of 24.00 GiB")
        .hasMessageContaining("30.00 GiB (32212254720 B) of weights")
        .hasMessageContaining("256 blocks of 2.00 MiB")
        .hasMessageContaining("Raise --gpu-memory-utilization, lower --max-model-len");
  }

  @Test
  void plan_whenOneSequenceOfMaxModelLenDoesNotFit_failsEvenThoughSomeBlocksWould() {
    // 10 GiB share - 9 GiB weights - 0.5 GiB activations = 512 MiB: 256 blocks of 2 MiB, but 300 are needed.
    assertThatThrownBy(() -> DeviceMemoryPlan.plan(10 * GIB, 10 * GIB, 1.0, 9 * GIB, 512 * MIB, 0, 2 * MIB, 300, 1 << 20))
        .hasMessageContaining("leaves 512.00 MiB").hasMessageContaining("needs 300 blocks");
  }

  @Test
  void plan_rejectsUtilizationOutsideTheUnitInterval_andImpossibleDeviceNumbers() {
    assertThatThrownBy(() -> DeviceMemoryPlan.plan(GIB, GIB, 1.5, 0, 0, 0, MIB, 1, 1))
        .hasMessageContaining("--gpu-memory-utilization must be within (0, 1], got 1.5");
    assertThatThrownBy(() -> DeviceMemoryPlan.plan(GIB, 2 * GIB, 0.5, 0, 0, 0, MIB, 1, 1)).hasMessageContaining("free of");
  }

  @Test
  void activationSizes_countEveryBufferTheBackendAllocates() {
    ActivationSizes s = new ActivationSizes(64, 64, 32, 128, 512, 10, 4, 3);
    long floats = 10L * (3 * 64 + 2 * 64 + 2 * 32 + 3 * 128) + 4L * (512 + 64 + 64);
    long halves = 10L * 128;
    long ints = 3L * 10 + 4 * 3 + 4L * 4;
    assertThat(s.totalBytes()).isEqualTo(floats * 4 + halves * 2 + ints * 4 + 10L * 8);
    assertThat(s.holds(10, 4, 3)).isTrue();
    assertThat(s.holds(11, 4, 3)).isFalse();
    assertThatThrownBy(() -> new ActivationSizes(64, 64, 32, 128, 512, 0, 4, 3)).hasMessageContaining("maxTokens 0");
  }
}
