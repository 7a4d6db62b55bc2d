package dev.gantry.policies.rules.llm;

import dev.gantry.policies.graph.ServingSpec.Model;
import java.util.Locale;

/**
 * Per-GPU memory needed to serve one model replica, the way vLLM budgets it:
 *
 * <pre>
 *   weights/GPU   = parameters × bytesPerParam(dtype, quantization) / tensorParallelSize
 *   kvPerToken    = 2 (K and V) × layers × ceil(kvHeads / TP) × headDim × bytesPerElement(dtype)
 *   kv/GPU        = kvPerToken × maxModelLen × maxNumSeqs        (every sequence at full length)
 *   headroom/GPU  = activationHeadroomGiB + logits (maxNumSeqs × vocab × 4 B) / TP
 *   needed        = weights/GPU + kv/GPU + headroom/GPU  ≤  gpuMemoryGiB × gpuMemoryUtilization
 * </pre>
 *
 * KV heads are sharded over the TP ranks; when there are fewer KV heads than ranks each
 * rank keeps a replica, hence the ceiling. Quantized weights keep the KV cache in the
 * activation dtype.
 *
 * @param weightsGiB       weights on one GPU
 * @param kvGiB            KV cache on one GPU for maxModelLen × maxNumSeqs
 * @param headroomGiB      activations, CUDA context/graphs, logits on one GPU
 * @param availableGiB     usable memory of one GPU (memory × utilization)
 * @param kvBytesPerToken  KV cache bytes per token on one GPU
 * @param totalWeightBytes weights of the whole model, bytes (what a replica loads)
 */
public record ModelMemory(double weightsGiB, double kvGiB, double headroomGiB, double availableGiB,
    double kvBytesPerToken, double totalWeightBytes) {
  public static final double GIB = 1024.0 * 1024 * 1024;

  /** Estimates the model as configured on a GPU with {@code gpuMemoryGiB}. */
  public static ModelMemory estimate(Model m, double gpuMemoryGiB, double activationHeadroomGiB) {
    return estimate(m, m.quantization(), m.tensorParallelSize(), m.maxModelLen(), m.maxNumSeqs(), gpuMemoryGiB,
        m.gpuMemoryUtilization(), activationHeadroomGiB);
  }

  /** Estimate with some settings replaced, for "what would fit" suggestions. */
  public static ModelMemory estimate(Model m, String quantization, int tp, int maxModelLen, int maxNumSeqs,
      double gpuMemoryGiB, double utilization, double activationHeadroomGiB) {
    int tensorParallel = Math.max(1, tp);
    double weightBytes = m.parameters() * bytesPerParam(m.dtype(), quantization);
    int kvHeadsPerGpu = Math.max(1, (int) Math.ceil((double) m.numKvHeads() / tensorParallel));
    double kvPerToken = 2.0 * m.numLayers() * kvHeadsPerGpu * m.headDim() * bytesPerElement(m.dtype());
    double kv = kvPerToken * (double) maxModelLen * maxNumSeqs;
    double logits = (double) maxNumSeqs * m.vocabSize() * 4 / tensorParallel;
    return new ModelMemory(weightBytes / tensorParallel / GIB, kv / GIB, activationHeadroomGiB + logits / GIB,
        gpuMemoryGiB * utilization, kvPerToken, weightBytes);
  }

  /**
   * Memory one CPU engine replica needs, the way Gantry's CPU backend allocates it: weights as
   * stored (memory-mapped), a KV cache of {@code maxModelLen × maxNumSeqs} tokens in float32 (the
   * backend computes in float32 whatever the weights' dtype), and the headroom; against the
   * container's memory limit, which is a hard limit (exceeding it is an OOM kill, not a slowdown).
   */
  public static ModelMemory estimateCpu(Model m, double memoryLimitGiB, double headroomGiB) {
    double weightBytes = m.parameters() * bytesPerParam(m.dtype(), m.quantization());
    double kvPerToken = 2.0 * m.numLayers() * m.numKvHeads() * m.headDim() * bytesPerElement("float32");
    double kv = kvPerToken * (double) m.maxModelLen() * m.maxNumSeqs();
    double logits = (double) m.maxNumSeqs() * m.vocabSize() * 4;
    return new ModelMemory(weightBytes / GIB, kv / GIB, headroomGiB + logits / GIB, memoryLimitGiB, kvPerToken, weightBytes);
  }

  public double neededGiB() {
    return weightsGiB + kvGiB + headroomGiB;
  }

  public boolean fits() {
    return neededGiB() <= availableGiB;
  }

  /** GiB left for the KV cache after weights and headroom (may be negative). */
  public double kvRoomGiB() {
    return availableGiB - weightsGiB - headroomGiB;
  }

  /** Sequences of {@code maxModelLen} tokens whose KV cache fits. */
  public int sequencesThatFit(int maxModelLen) {
    double room = kvRoomGiB() * GIB;
    return room <= 0 ? 0 : (int) Math.floor(room / (kvBytesPerToken * maxModelLen));
  }

  /** Longest context (a multiple of {@code step}) that fits {@code maxNumSeqs} sequences; 0 when none. */
  public int maxModelLenThatFits(int maxNumSeqs, int step) {
    double room = kvRoomGiB() * GIB;
    if (room <= 0) {
      return 0;
    }
    long tokens = (long) Math.floor(room / (kvBytesPerToken * maxNumSeqs));
    return (int) Math.min(Integer.MAX_VALUE, tokens / step * step);
  }

  /** Bytes per parameter for a dtype and quantization; the error names the bad value. */
  public static double bytesPerParam(String dtype, String quantization) {
    String q = quantization == null ? "none" : quantization.toLowerCase(Locale.ROOT);
    return switch (q) {
      case "none", "" -> bytesPerElement(dtype);
      case "fp8", "int8", "w8a8" -> 1.0;
      case "q8_0" -> 34.0 / 32; // 32 int8 weights + one f16 scale per block
      case "awq", "gptq", "int4" -> 0.5 + 2.0 / 128; // 4-bit weights + f16 scale per group of 128
      case "q4_0" -> 18.0 / 32; // 32 4-bit weights + one f16 scale per block
      default -> throw new IllegalArgumentException("unknown quantization '" + quantization
          + "'; use one of none, fp8, int8, awq, gptq, q8_0, q4_0");
    };
  }

  /** Bytes of one activation / KV element for a dtype. */
  public static double bytesPerElement(String dtype) {
    String d = dtype == null ? "bfloat16" : dtype.toLowerCase(Locale.ROOT);
    return switch (d) {
      case "bfloat16", "bf16", "float16", "fp16", "half", "auto" -> 2.0;
      case "float32", "fp32", "float" -> 4.0;
      default -> throw new IllegalArgumentException("unknown dtype '" + dtype + "'; use bfloat16, float16 or float32");
    };
  }

  /** One decimal, for messages. */
  public static String gib(double v) {
    return String.format(Locale.ROOT, "%.1f GiB", v);
  }
}
