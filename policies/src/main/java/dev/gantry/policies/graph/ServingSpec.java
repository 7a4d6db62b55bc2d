package dev.gantry.policies.graph;

import java.util.List;
import java.util.Objects;

/**
 * The resolved serving facts of a stack: GPU node pools and the models served on them,
 * after global defaults, model files and per-stack overrides are merged. The Pulumi
 * program exports this as the stack output {@code servingSpec}; LLM-aware rules and the
 * runbooks read it from any graph source.
 *
 * @param cloud    {@code aws}, {@code gcp}, {@code azure}, or {@code none} (an existing cluster, no cloud resources)
 * @param region   cloud region
 * @param zones    availability zones the cluster spans
 * @param gpuPools GPU node pools
 * @param models   served models
 * @param gateway  gateway facts
 */
public record ServingSpec(
    String cloud,
    String region,
    List<String> zones,
    List<GpuPool> gpuPools,
    List<Model> models,
    Gateway gateway) {

  public ServingSpec {
    Objects.requireNonNull(cloud, "cloud");
    zones = zones == null ? List.of() : List.copyOf(zones);
    gpuPools = gpuPools == null ? List.of() : List.copyOf(gpuPools);
    models = models == null ? List.of() : List.copyOf(models);
  }

  /**
   * A GPU node pool.
   *
   * @param name          pool name (also the node label {@code gantry.dev/pool})
   * @param instanceType  cloud instance / machine / VM size
   * @param gpuModel      e.g. {@code H100}, {@code A10G}, {@code L4}
   * @param gpusPerNode   GPUs on one node
   * @param gpuMemoryGiB  memory of one GPU, GiB
   * @param minNodes      autoscaling minimum
   * @param maxNodes      autoscaling maximum
   * @param desiredNodes  initial size
   * @param zones         zones the pool's nodes are spread over
   * @param spot          spot / preemptible capacity
   */
  public record GpuPool(
      String name,
      String instanceType,
      String gpuModel,
      int gpusPerNode,
      double gpuMemoryGiB,
      int minNodes,
      int maxNodes,
      int desiredNodes,
      List<String> zones,
      boolean spot) {
    public GpuPool {
      zones = zones == null ? List.of() : List.copyOf(zones);
    }
  }

  /**
   * One served model with its architecture numbers and engine settings.
   *
   * @param name                  served model name (also label {@code gantry.dev/model})
   * @param source                e.g. {@code hf://meta-llama/Llama-3.1-8B-Instruct}
   * @param revision              pinned revision (commit sha), or null when unpinned
   * @param parameters            parameter count
   * @param numLayers             transformer layers
   * @param hiddenSize            model width
   * @param numAttentionHeads     query heads
   * @param numKvHeads            key/value heads
   * @param headDim               dimension of one head
   * @param vocabSize             vocabulary size
   * @param dtype                 {@code bfloat16}, {@code float16} or {@code float32}
   * @param quantization          {@code none}, {@code fp8}, {@code int8}, {@code awq}, {@code gptq}, {@code q8_0}, {@code q4_0}
   * @param maxModelLen           context length served
   * @param maxNumSeqs            concurrent sequences per replica
   * @param blockSize             KV cache block size in tokens
   * @param gpuMemoryUtilization  fraction of GPU memory the engine may use
   * @param tensorParallelSize    GPUs one replica shards over
   * @param enablePrefixCaching   prefix caching on
   * @param pool                  GPU pool the replicas run on
   * @param minReplicas           autoscaling minimum
   * @param maxReplicas           autoscaling maximum
   * @param device                {@value #GPU} (the default when absent) or {@value #CPU}: a CPU engine has no GPU
   *                              pool ({@code pool} is null) and must fit its container memory limit instead
   */
  public record Model(
      String name,
      String source,
      String revision,
      long parameters,
      int numLayers,
      int hiddenSize,
      int numAttentionHeads,
      int numKvHeads,
      int headDim,
      int vocabSize,
      String dtype,
      String quantization,
      int maxModelLen,
      int maxNumSeqs,
      int blockSize,
      double gpuMemoryUtilization,
      int tensorParallelSize,
      boolean enablePrefixCaching,
      String pool,
      int minReplicas,
      int maxReplicas,
      String device) {
    public static final String GPU = "gpu";
    public static final String CPU = "cpu";

    public Model {
      device = device == null || device.isBlank() ? GPU : device;
      if (!device.equals(GPU) && !device.equals(CPU)) {
        throw new IllegalArgumentException("model " + name + ": device '" + device + "' is not gpu or cpu");
      }
    }

    /** True when the engine runs on CPUs (no GPU pool, no GPU requests). */
    public boolean onCpu() {
      return device.equals(CPU);
    }
  }

  /**
   * Gateway facts.
   *
   * @param replicas         gateway replicas
   * @param host             public host name of the ingress
   * @param authEnabled      virtual keys required
   * @param masterKeySecret  name of the secret holding the master key, or null
   */
  public record Gateway(int replicas, String host, boolean authEnabled, String masterKeySecret) {}
}
