package dev.gantry.engine.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.assertj.core.api.Assumptions;
import org.junit.jupiter.api.Test;

class LaunchPlannerTest {
  private static final String REPORT = """
      arch\tkernel\tregisters\tstatic_smem_bytes\tstack_frame_bytes\tspill_stores_bytes\tspill_loads_bytes
      sm_80\tgantry_paged_attention_f16\t54\t0\t0\t0\t0
      sm_90\tgantry_paged_attention_f16\t60\t0\t0\t0\t0
      sm_90\tgantry_rms_norm_f32\t16\t128\t0\t0\t0
      sm_90\tgantry_gemv_q8_0\t255\t0\t0\t0\t0
      sm_90\tgantry_gemv_q4_0\t32\t0\t0\t0\t0
      sm_90\tgantry_residual_add_f32\t30\t0\t0\t0\t0
      """;
  private final LaunchPlanner planner = new LaunchPlanner(KernelLimits.AMPERE_HOPPER, Optional.of(PtxasReport.parse(REPORT)));

  @Test
  void pagedAttention_isOneBlockPerTokenAndHead_withSharedMemoryForEachWarpsPartial() {
    LaunchShape s = planner.pagedAttention(Kernel.PAGED_ATTENTION_F16, 7, 32, 8, 128);
    assertThat(s).isEqualTo(new LaunchShape(7 * 32, 1, 1, 128, 4 * (128 + 2) * 4));
  }

  @Test
  void pagedAttention_rejectsHeadsThatDoNotGroup_andHeadDimBeyondTheKernelLimit() {
    assertThatThrownBy(() -> planner.pagedAttention(Kernel.PAGED_ATTENTION_F16, 1, 6, 4, 64))
        .hasMessageContaining("numHeads 6 must be a multiple of numKvHeads 4");
    assertThatThrownBy(() -> planner.pagedAttention(Kernel.PAGED_ATTENTION_F16, 1, 8, 8, 512))
        .hasMessageContaining("head dimension 512 is outside [2, 256]");
  }

  @Test
  void rowWise_usesWholeWarps_cappedAt256Threads() {
    assertThat(planner.rowWise(Kernel.RMS_NORM_F32, 5, 40)).isEqualTo(LaunchShape.of(5, 64));
    assertThat(planner.rowWise(Kernel.RMS_NORM_F32, 5, 4096)).isEqualTo(LaunchShape.of(5, 256));
  }

  @Test
  void elementwise_capsTheGridOfItsGridStrideLoop() {
    assertThat(planner.elementwise(Kernel.RESIDUAL_ADD_F32, 1000)).isEqualTo(LaunchShape.of(4, 256));
    assertThat(planner.elementwise(Kernel.RESIDUAL_ADD_F32, 1L << 40).gridX()).isEqualTo(LaunchPlanner.MAX_STRIDE_BLOCKS);
  }

  @Test
  void quantizedGemv_whenTokensExceedGridY_failsNamingTheFlag() {
    assertThat(planner.quantizedGemv(Kernel.GEMV_Q4_0, 100, 64, 3)).isEqualTo(new LaunchShape(13, 3, 1, 256, 0));
    assertThatThrownBy(() -> planner.quantizedGemv(Kernel.GEMV_Q4_0, 100, 64, 70000))
        .hasMessageContaining("70000 tokens exceed the grid's y limit 65535").hasMessageContaining("--max-num-batched-tokens");
    assertThatThrownBy(() -> planner.quantizedGemv(Kernel.GEMV_Q4_0, 100, 40, 1)).hasMessageContaining("columns 40");
  }

  @Test
  void check_whenRegistersTimesThreadsExceedTheBlockLimit_namesKernelShapeAndNumbers() {
    // 255 registers x 256 threads = 65280 fits; the same kernel at 512 threads would not.
    assertThat(planner.quantizedGemv(Kernel.GEMV_Q8_0, 8, 32, 1).blockX()).isEqualTo(256);
    assertThatThrownBy(() -> planner.check(Kernel.GEMV_Q8_0, LaunchShape.of(1, 512)))
        .hasMessageContaining("gantry_gemv_q8_0 (grid (1, 1, 1) x block 512")
        .hasMessageContaining("255 registers x 512 threads = 130560 registers exceed the 65536");
  }

  @Test
  void check_countsStaticSharedMemoryFromTheReport_andRejectsPartialWarpsAndOversizedBlocks() {
    assertThatThrownBy(() -> planner.check(Kernel.RMS_NORM_F32, new LaunchShape(1, 1, 1, 32, 48 * 1024 - 64)))
        .hasMessageContaining("128 B static + 49088 B dynamic shared memory exceed the 49152 B");
    assertThatThrownBy(() -> planner.check(Kernel.RMS_NORM_F32, LaunchShape.of(1, 48))).hasMessageContaining("multiple of 32");
    assertThatThrownBy(() -> planner.check(Kernel.RMS_NORM_F32, LaunchShape.of(1, 2048)))
        .hasMessageContaining("2048 threads per block exceed the device limit 1024");
  }

  @Test
  void check_whenKernelMissingFromTheReport_saysTheFatbinIsOutOfStep() {
    assertThatThrownBy(() -> planner.copyBlocks(2)).hasMessageContaining("gantry_copy_blocks is not in the ptxas report");
  }

  @Test
  void ptxasReport_malformedLine_isAnErrorNamingTheLine() {
    assertThatThrownBy(() -> PtxasReport.parse("header\nsm_90\tk\tmany\t0\n")).hasMessageContaining("line 2");
    assertThatThrownBy(() -> PtxasReport.parse("header\nsm_90\tk\n")).hasMessageContaining("has 2 fields");
  }

  /** The shapes CudaBackend uses for a Llama-3-8B-sized step fit the registers nvcc really allocated. */
  @Test
  void everyKernel_atLlama8bShapes_fitsTheBuiltPtxasReport() throws Exception {
    Path report = Path.of(System.getProperty("user.dir"), "target/cuda/ptxas-report.tsv");
    Assumptions.assumeThat(report).as("no ptxas report: nvcc was not found at build time").exists();
    LaunchPlanner real = new LaunchPlanner(KernelLimits.AMPERE_HOPPER, Optional.of(PtxasReport.parse(Files.readString(report))));
    int tokens = 2048;
    for (Kernel k : new Kernel[] {Kernel.RMS_NORM_F32, Kernel.ROPE_F32, Kernel.ADD_BIAS_F32, Kernel.EMBEDDING_GATHER_F32,
        Kernel.EMBEDDING_GATHER_F16, Kernel.EMBEDDING_GATHER_BF16, Kernel.RESHAPE_AND_CACHE_F32,
        Kernel.RESHAPE_AND_CACHE_F16, Kernel.RESHAPE_AND_CACHE_BF16}) {
      real.rowWise(k, tokens, 4096);
    }
    for (Kernel k : new Kernel[] {Kernel.SILU_AND_MUL_F32, Kernel.RESIDUAL_ADD_F32, Kernel.CONVERT_F32_TO_F16,
        Kernel.CONVERT_F32_TO_BF16}) {
      real.elementwise(k, (long) tokens * 14336);
    }
    for (Kernel k : new Kernel[] {Kernel.PAGED_ATTENTION_F32, Kernel.PAGED_ATTENTION_F16, Kernel.PAGED_ATTENTION_BF16}) {
      real.pagedAttention(k, tokens, 32, 8, 128);
    }
    real.quantizedGemv(Kernel.GEMV_Q8_0, 14336, 4096, tokens);
    real.quantizedGemv(Kernel.GEMV_Q4_0, 14336, 4096, tokens);
    real.perRow(Kernel.ARGMAX_F32, 256);
    real.perRow(Kernel.TOPK_F32, 256);
    real.copyBlocks(64);
    assertThat(real.ropeInverseFrequencies(128)).isEqualTo(LaunchShape.of(2, 32));
  }
}
