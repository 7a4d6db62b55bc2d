package dev.gantry.engine.backend.cuda;

/**
 * Every kernel of {@code gantry_kernels.cu} the host code launches, by its {@code extern "C"}
 * name. CudaBackend resolves all of them with cuModuleGetFunction when it loads the fatbin, so a
 * kernel missing from the fatbin fails at start-up, not mid-request.
 */
public enum Kernel {
  RMS_NORM_F32("gantry_rms_norm_f32"),
  ROPE_INV_FREQ("gantry_rope_inv_freq"),
  ROPE_F32("gantry_rope_f32"),
  SILU_AND_MUL_F32("gantry_silu_and_mul_f32"),
  RESIDUAL_ADD_F32("gantry_residual_add_f32"),
  ADD_BIAS_F32("gantry_add_bias_f32"),
  EMBEDDING_GATHER_F32("gantry_embedding_gather_f32"),
  EMBEDDING_GATHER_F16("gantry_embedding_gather_f16"),
  EMBEDDING_GATHER_BF16("gantry_embedding_gather_bf16"),
  CONVERT_F32_TO_F16("gantry_convert_f32_to_f16"),
  CONVERT_F32_TO_BF16("gantry_convert_f32_to_bf16"),
  RESHAPE_AND_CACHE_F32("gantry_reshape_and_cache_f32"),
  RESHAPE_AND_CACHE_F16("gantry_reshape_and_cache_f16"),
  RESHAPE_AND_CACHE_BF16("gantry_reshape_and_cache_bf16"),
  COPY_BLOCKS("gantry_copy_blocks"),
  PAGED_ATTENTION_F32("gantry_paged_attention_f32"),
  PAGED_ATTENTION_F16("gantry_paged_attention_f16"),
  PAGED_ATTENTION_BF16("gantry_paged_attention_bf16"),
  ARGMAX_F32("gantry_argmax_f32"),
  TOPK_F32("gantry_topk_f32"),
  GEMV_Q8_0("gantry_gemv_q8_0"),
  GEMV_Q4_0("gantry_gemv_q4_0");

  private final String symbol;

  Kernel(String symbol) {
    this.symbol = symbol;
  }

  /** The extern "C" name in the fatbin. */
  public String symbol() {
    return symbol;
  }
}
