package dev.gantry.stacks.config;

import java.util.Objects;

/**
 * One served model after layering (built-in defaults &lt; {@code gantry:modelDefaults} &lt;
 * {@code models/<file>.yaml} &lt; the stack's {@code gantry:models[i]} entry).
 *
 * @param name         served model name (label {@code gantry.dev/model})
 * @param file         model file stem under {@code stacks/models/}
 * @param source       e.g. {@code hf://meta-llama/Llama-3.1-8B-Instruct}
 * @param revision     pinned commit sha, or a branch name when unpinned
 * @param architecture architecture numbers from the model's config.json
 * @param engine       engine settings
 * @param gateway      gateway defaults for requests to this model
 * @param pool         GPU pool the replicas run on; null for a CPU engine (an existing cluster)
 * @param minReplicas  autoscaling minimum
 * @param maxReplicas  autoscaling maximum
 * @param targetQueueDepth waiting requests per replica the autoscaler aims for
 * @param cpuResources CPU and memory of one replica of a CPU engine; null for a GPU engine (derived from the pool)
 */
public record ModelConfig(
    String name,
    String file,
    String source,
    String revision,
    Architecture architecture,
    Engine engine,
    GatewayDefaults gateway,
    String pool,
    int minReplicas,
    int maxReplicas,
    int targetQueueDepth,
    CpuResources cpuResources) {

  public ModelConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(architecture, "architecture");
    Objects.requireNonNull(engine, "engine");
    Objects.requireNonNull(gateway, "gateway");
    if ((pool == null) == (cpuResources == null)) {
      throw new IllegalArgumentException("model " + name + ": needs a GPU pool or CPU resources, exactly one");
    }
    if (minReplicas > maxReplicas) {
      throw new IllegalArgumentException("model " + name + ": minReplicas > maxReplicas");
    }
  }

  /** True when the engine runs on CPUs (no GPU pool). */
  public boolean onCpu() {
    return cpuResources != null;
  }

  /**
   * Resources of one CPU engine replica (request = limit).
   *
   * @param cpu    CPUs, a whole number: also the engine's forward-pass threads
   * @param memoryGiB memory in GiB
   */
  public record CpuResources(int cpu, int memoryGiB) {
    public CpuResources {
      if (cpu < 1 || memoryGiB < 1) {
        throw new IllegalArgumentException("cpu and memoryGiB must be >= 1");
      }
    }
  }

  /** A DNS-label form of the name for Kubernetes objects: dots become dashes. */
  public String kubernetesName() {
    return name.replace('.', '-');
  }

  /** Bytes of the weights as served: parameters times bytes per parameter of the dtype or quantization. */
  public long weightBytes() {
    double bytesPerParameter = switch (engine.quantization()) {
      case "fp8", "int8", "q8_0" -> 1.0;
      case "awq", "gptq", "q4_0" -> 0.5;
      default -> engine.dtype().equals("float32") ? 4.0 : 2.0;
    };
    return (long) Math.ceil(architecture.parameters() * bytesPerParameter);
  }

  /**
   * Bytes of the KV cache of {@code maxModelLen × maxNumSeqs} tokens on Gantry's CPU backend,
   * which keeps K and V in float32 whatever the weights' dtype.
   */
  public long cpuKvCacheBytes() {
    var a = architecture;
    long perToken = 2L * a.numLayers() * a.numKvHeads() * a.headDim() * Float.BYTES;
    return perToken * engine.maxModelLen() * engine.maxNumSeqs();
  }

  /** True when the revision is a 40-hex commit sha (reproducible weights). */
  public boolean pinned() {
    return revision != null && revision.matches("[0-9a-f]{40}");
  }

  /**
   * Architecture numbers (from the model's {@code config.json}).
   *
   * @param family                {@code llama}, {@code qwen2} or {@code mistral}
   * @param parameters            parameter count
   * @param numLayers             transformer layers
   * @param hiddenSize            model width
   * @param numAttentionHeads     query heads
   * @param numKvHeads            key/value heads (GQA)
   * @param headDim               dimension of one head
   * @param vocabSize             vocabulary size
   * @param maxPositionEmbeddings longest context the model was trained for
   */
  public record Architecture(String family, long parameters, int numLayers, int hiddenSize, int numAttentionHeads,
      int numKvHeads, int headDim, int vocabSize, int maxPositionEmbeddings) {
    public Architecture {
      if (numKvHeads <= 0 || numAttentionHeads % numKvHeads != 0) {
        throw new IllegalArgumentException("numAttentionHeads must be a multiple of numKvHeads");
      }
    }
  }

  /**
   * Engine settings, named like {@code vllm serve} flags.
   *
   * @param dtype                {@code bfloat16}, {@code float16} or {@code float32}
   * @param quantization         {@code none}, {@code q8_0}, {@code q4_0} (what the engine's {@code --quantization} takes)
   * @param maxModelLen          context length served, tokens
   * @param maxNumSeqs           concurrent sequences per replica
   * @param maxNumBatchedTokens  token budget of one scheduler step
   * @param blockSize            KV cache block size, tokens
   * @param gpuMemoryUtilization fraction of GPU memory the engine may use
   * @param tensorParallelSize   GPUs one replica shards over
   * @param enablePrefixCaching  reuse KV blocks of shared prefixes
   */
  public record Engine(String dtype, String quantization, int maxModelLen, int maxNumSeqs, int maxNumBatchedTokens,
      int blockSize, double gpuMemoryUtilization, int tensorParallelSize, boolean enablePrefixCaching) {}

  /**
   * Defaults the gateway applies to requests for this model, and its limits.
   *
   * @param temperature default sampling temperature
   * @param topP        default nucleus sampling
   * @param maxTokens   default completion length cap
   * @param rpm         requests per minute per key
   * @param tpm         tokens per minute per key
   */
  public record GatewayDefaults(double temperature, double topP, int maxTokens, int rpm, int tpm) {}
}
