package dev.gantry.engine.model;

import java.util.Locale;

/**
 * What {@code --dtype} asks for, with vLLM's spellings ({@code auto, half, float16, bfloat16,
 * float, float32}): the type the model's non-quantized weight matrices are kept in after
 * loading. {@link #AUTO} keeps every tensor as stored; the others convert F32/F16/BF16
 * matrices that differ at load (F32 to BF16 halves their memory, BF16 to F32 spares the
 * kernels a decode per row). Quantized tensors (Q8_0, Q4_0, k-quants) keep their
 * quantization whatever is asked: converting them would only lose precision or memory.
 * The CPU backend computes in float32 whichever is chosen.
 */
public enum WeightDtype {
  AUTO(null),
  FLOAT16(DType.F16),
  BFLOAT16(DType.BF16),
  FLOAT32(DType.F32);

  private final DType storage;

  WeightDtype(DType storage) {
    this.storage = storage;
  }

  /** The value of {@code --dtype}; an unknown value is an error naming it and the accepted ones. */
  public static WeightDtype parse(String flag) {
    return switch (flag == null ? "" : flag.trim().toLowerCase(Locale.ROOT)) {
      case "auto" -> AUTO;
      case "half", "float16" -> FLOAT16;
      case "bfloat16" -> BFLOAT16;
      case "float", "float32" -> FLOAT32;
      default -> throw new IllegalArgumentException("--dtype must be one of auto, half, float16, bfloat16, float, "
          + "float32 (vLLM's values), got '" + flag + "'");
    };
  }

  /** The type a tensor stored as {@code stored} is kept in: itself for AUTO and for quantized types. */
  public DType storageFor(DType stored) {
    return storage == null || stored.isQuantized() ? stored : storage;
  }
}
