package dev.gantry.engine.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Where the build has nvcc (build-kernels.sh), the fatbin must be on the class path with every
 * kernel the host code will look up by name, and the ptxas report must list them for both
 * architectures. Skipped, with the reason, on machines without the CUDA toolkit.
 */
class KernelFatbinTest {
  private static final String RESOURCE = "dev/gantry/engine/backend/cuda/gantry_kernels.fatbin";
  private static final String[] KERNELS = {"gantry_rms_norm_f32", "gantry_rope_f32", "gantry_rope_inv_freq",
      "gantry_silu_and_mul_f32", "gantry_residual_add_f32", "gantry_embedding_gather_f32", "gantry_reshape_and_cache_f32",
      "gantry_reshape_and_cache_f16", "gantry_reshape_and_cache_bf16", "gantry_copy_blocks", "gantry_paged_attention_f32",
      "gantry_paged_attention_f16", "gantry_paged_attention_bf16", "gantry_argmax_f32", "gantry_topk_f32",
      "gantry_gemv_q8_0", "gantry_gemv_q4_0", "gantry_embedding_gather_f16", "gantry_embedding_gather_bf16",
      "gantry_add_bias_f32", "gantry_convert_f32_to_f16", "gantry_convert_f32_to_bf16"};

  @Test
  void fatbin_whenBuiltWithNvcc_isPackagedWithEveryKernelForSm80AndSm90() throws Exception {
    byte[] fatbin;
    try (InputStream in = KernelFatbinTest.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      assumeThat(in).as("no %s on the class path: nvcc was not found at build time, kernels not rebuilt", RESOURCE).isNotNull();
      fatbin = in.readAllBytes();
    }
    assertThat(ByteBuffer.wrap(fatbin).order(ByteOrder.LITTLE_ENDIAN).getInt(0)).as("fatbin magic").isEqualTo(0xBA55ED50);
    String text = new String(fatbin, StandardCharsets.ISO_8859_1);
    for (String kernel : KERNELS) {
      assertThat(text).as("kernel symbol in the fatbin").contains(kernel);
    }
    Path report = Path.of(System.getProperty("user.dir"), "target/cuda/ptxas-report.tsv");
    assertThat(report).exists();
    String tsv = Files.readString(report);
    for (String kernel : KERNELS) {
      assertThat(tsv).contains("sm_80\t" + kernel + "\t").contains("sm_90\t" + kernel + "\t");
    }
  }
}
