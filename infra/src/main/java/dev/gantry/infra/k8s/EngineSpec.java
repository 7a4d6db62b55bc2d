package dev.gantry.infra.k8s;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One served model as the cluster runs it: the engine image, where its weights come from,
 * the engine flags (named like {@code vllm serve}'s), the GPU pool it runs on, its replica
 * bounds and the resources of one replica. The stacks module resolves model files, global
 * defaults and per-stack overrides into one of these; this record only checks that each
 * value is usable by Kubernetes and the engine.
 *
 * @param name                    model name: the {@code gantry.dev/model} label value as given (dots allowed,
 *                                e.g. {@code qwen2.5-7b}); Kubernetes object names use it with '.' as '-'
 * @param image                   engine image, pinned by digest in stack config
 * @param modelSource             where the weights originally come from, e.g. {@code hf://Qwen/Qwen2.5-7B-Instruct}
 * @param modelRevision           pinned revision (commit sha) of the weights
 * @param servedModelName         name clients use in the OpenAI API ({@code --served-model-name})
 * @param maxModelLen             {@code --max-model-len}, tokens
 * @param maxNumSeqs              {@code --max-num-seqs}
 * @param blockSize               {@code --block-size}, tokens per KV cache block
 * @param gpuMemoryUtilization    {@code --gpu-memory-utilization}, fraction in (0, 1]
 * @param tensorParallelSize      {@code --tensor-parallel-size}; also the GPUs of one replica
 * @param dtype                   {@code --dtype}: auto, bfloat16, float16 or float32
 * @param quantization            {@code --quantization}, or {@code none}
 * @param enablePrefixCaching     {@code --enable-prefix-caching}
 * @param pool                    GPU node pool (node label {@code gantry.dev/pool}); null for a CPU engine
 * @param minReplicas             autoscaling minimum, >= 1
 * @param maxReplicas             autoscaling maximum, >= minReplicas
 * @param cpu                     CPU of one replica (request = limit), e.g. {@code 8}
 * @param memory                  memory of one replica (request = limit), e.g. {@code 64Gi}
 * @param modelCacheSize          size of the local volume the weights are downloaded to, e.g. {@code 40Gi}
 * @param startupBudgetSeconds    how long the startup probe waits for the weights to load into GPU memory
 * @param targetWaitingPerReplica queue depth ({@code vllm:num_requests_waiting}) per replica the autoscaler aims for
 * @param device                  where the engine computes: {@link Gpu} (a GPU pool) or {@link Cpu} (any node)
 */
public record EngineSpec(
    String name,
    String image,
    String modelSource,
    String modelRevision,
    String servedModelName,
    int maxModelLen,
    int maxNumSeqs,
    int blockSize,
    double gpuMemoryUtilization,
    int tensorParallelSize,
    String dtype,
    String quantization,
    boolean enablePrefixCaching,
    String pool,
    int minReplicas,
    int maxReplicas,
    String cpu,
    String memory,
    String modelCacheSize,
    int startupBudgetSeconds,
    int targetWaitingPerReplica,
    Device device) {

  /** Where an engine computes: a closed set, so the pod shape is an exhaustive switch. */
  public sealed interface Device permits Gpu, Cpu {}

  /**
   * On {@code tensorParallelSize} GPUs of a node of {@code pool} (tainted {@code nvidia.com/gpu},
   * device plugin).
   *
   * @param tolerations taints of the pool's nodes besides {@code nvidia.com/gpu} (a cloud's spot taint)
   */
  public record Gpu(List<Toleration> tolerations) implements Device {
    public Gpu {
      tolerations = tolerations == null ? List.of() : List.copyOf(tolerations);
    }

    public Gpu() {
      this(List.of());
    }
  }

  /** A node taint ({@code key=value:effect}) the engine's pods tolerate. */
  public record Toleration(String key, String value, String effect) {
    public Toleration {
      Check.nonBlank("toleration.key", key);
      Check.nonBlank("toleration.value", value);
      if (!Set.of("NoSchedule", "PreferNoSchedule", "NoExecute").contains(effect)) {
        throw new IllegalArgumentException("toleration.effect: '" + effect + "' must be NoSchedule, PreferNoSchedule or NoExecute");
      }
    }
  }

  /**
   * On CPUs of any node (an existing cluster without GPUs: kind, k3s, minikube). Gantry's CPU
   * backend computes in float32 and keeps its KV cache on the JVM heap, so the engine is given
   * the KV cache as an absolute size instead of a fraction of GPU memory.
   *
   * @param kvCacheBytes KV cache the engine allocates ({@code --gpu-memory-utilization} as bytes on the CPU backend)
   * @param threads      forward-pass threads ({@code --threads}): the CPUs of one replica
   */
  public record Cpu(long kvCacheBytes, int threads) implements Device {
    public Cpu {
      if (kvCacheBytes <= 0) {
        throw new IllegalArgumentException("cpu.kvCacheBytes: " + kvCacheBytes + " must be > 0");
      }
      if (threads < 1) {
        throw new IllegalArgumentException("cpu.threads: " + threads + " must be >= 1");
      }
    }
  }

  /** A GPU engine (the shape every cloud stack serves). */
  public EngineSpec(String name, String image, String modelSource, String modelRevision, String servedModelName,
      int maxModelLen, int maxNumSeqs, int blockSize, double gpuMemoryUtilization, int tensorParallelSize, String dtype,
      String quantization, boolean enablePrefixCaching, String pool, int minReplicas, int maxReplicas, String cpu,
      String memory, String modelCacheSize, int startupBudgetSeconds, int targetWaitingPerReplica) {
    this(name, image, modelSource, modelRevision, servedModelName, maxModelLen, maxNumSeqs, blockSize, gpuMemoryUtilization,
        tensorParallelSize, dtype, quantization, enablePrefixCaching, pool, minReplicas, maxReplicas, cpu, memory,
        modelCacheSize, startupBudgetSeconds, targetWaitingPerReplica, new Gpu());
  }

  /** "gantry-engine-" + name must stay a valid 63-character label, with room for suffixes. */
  static final int MAX_NAME_LENGTH = 40;

  private static final Set<String> DTYPES = Set.of("auto", "bfloat16", "float16", "float32", "half", "float");
  private static final Set<Integer> BLOCK_SIZES = Set.of(8, 16, 32, 64, 128);

  public EngineSpec {
    Check.modelName("engine name", name, MAX_NAME_LENGTH);
    String where = "engine '" + name + "': ";
    Check.image(where + "image", image);
    Check.nonBlank(where + "modelSource", modelSource);
    Check.nonBlank(where + "modelRevision", modelRevision);
    if (modelRevision.contains("/") || modelRevision.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(where + "modelRevision: '" + modelRevision
          + "' is not a revision; use a commit sha or a tag without '/' or spaces");
    }
    Check.nonBlank(where + "servedModelName", servedModelName);
    Check.atLeast(where + "maxModelLen", maxModelLen, 16);
    Check.atLeast(where + "maxNumSeqs", maxNumSeqs, 1);
    if (!BLOCK_SIZES.contains(blockSize)) {
      throw new IllegalArgumentException(where + "blockSize: " + blockSize + " is not supported; use one of 8, 16, 32, 64, 128");
    }
    Check.within(where + "gpuMemoryUtilization", gpuMemoryUtilization, 0.0, 1.0);
    Check.atLeast(where + "tensorParallelSize", tensorParallelSize, 1);
    if (Integer.bitCount(tensorParallelSize) != 1) {
      throw new IllegalArgumentException(where + "tensorParallelSize: " + tensorParallelSize
          + " must be a power of two (1, 2, 4, 8) so attention heads split evenly across GPUs");
    }
    dtype = dtype == null ? "auto" : dtype.toLowerCase(Locale.ROOT);
    if (!DTYPES.contains(dtype)) {
      throw new IllegalArgumentException(where + "dtype: '" + dtype + "' is not supported; use auto, bfloat16, float16 or float32");
    }
    quantization = quantization == null || quantization.isBlank() ? "none" : quantization.toLowerCase(Locale.ROOT);
    device = device == null ? new Gpu() : device;
    if (device instanceof Cpu) {
      if (tensorParallelSize != 1) {
        throw new IllegalArgumentException(where + "tensorParallelSize: " + tensorParallelSize
            + " on a CPU engine; a CPU engine runs the model in one process, use 1 and scale with replicas");
      }
      if (!quantization.equals("none")) {
        throw new IllegalArgumentException(where + "quantization: '" + quantization + "' on a CPU engine, which Gantry"
            + " runs on the weights as stored (--dtype auto); use none");
      }
      if (pool != null) {
        throw new IllegalArgumentException(where + "pool: '" + pool + "' on a CPU engine, which runs on any node; leave it out");
      }
    } else {
      Check.dnsLabel(where + "pool", pool, 63);
    }
    Check.atLeast(where + "minReplicas", minReplicas, 1);
    if (maxReplicas < minReplicas) {
      throw new IllegalArgumentException(where + "maxReplicas: " + maxReplicas
          + " is below minReplicas " + minReplicas + "; raise maxReplicas or lower minReplicas");
    }
    Check.quantity(where + "cpu", cpu);
    Check.quantity(where + "memory", memory);
    Check.quantity(where + "modelCacheSize", modelCacheSize);
    Check.atLeast(where + "startupBudgetSeconds", startupBudgetSeconds, 30);
    Check.atLeast(where + "targetWaitingPerReplica", targetWaitingPerReplica, 1);
  }

  /** Kubernetes name shared by the Deployment, Service, PDB and HPA of this model (a DNS label: no dots). */
  public String resourceName() {
    return Labels.ENGINE_NAME + "-" + name.replace('.', '-');
  }

  /** True when the engine computes on CPUs. */
  public boolean onCpu() {
    return device instanceof Cpu;
  }

  /** True when one replica spans several GPUs and therefore needs a shared-memory volume for NCCL. */
  public boolean distributed() {
    return tensorParallelSize > 1;
  }
}
