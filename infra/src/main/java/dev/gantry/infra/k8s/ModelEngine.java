package dev.gantry.infra.k8s;

import com.pulumi.kubernetes.apps.v1.Deployment;
import com.pulumi.kubernetes.apps.v1.DeploymentArgs;
import com.pulumi.kubernetes.apps.v1.inputs.DeploymentSpecArgs;
import com.pulumi.kubernetes.apps.v1.inputs.DeploymentStrategyArgs;
import com.pulumi.kubernetes.apps.v1.inputs.RollingUpdateDeploymentArgs;
import com.pulumi.kubernetes.autoscaling.v2.HorizontalPodAutoscaler;
import com.pulumi.kubernetes.autoscaling.v2.HorizontalPodAutoscalerArgs;
import com.pulumi.kubernetes.autoscaling.v2.inputs.CrossVersionObjectReferenceArgs;
import com.pulumi.kubernetes.autoscaling.v2.inputs.ExternalMetricSourceArgs;
import com.pulumi.kubernetes.autoscaling.v2.inputs.HPAScalingPolicyArgs;
import com.pulumi.kubernetes.autoscaling.v2.inputs.HPAScalingRulesArgs;
import com.pulumi.kubernetes.autoscaling.v2.inputs.HorizontalPodAutoscalerBehaviorArgs;
import com.pulumi.kubernetes.autoscaling.v2.inputs.HorizontalPodAutoscalerSpecArgs;
import com.pulumi.kubernetes.autoscaling.v2.inputs.MetricIdentifierArgs;
import com.pulumi.kubernetes.autoscaling.v2.inputs.MetricSpecArgs;
import com.pulumi.kubernetes.autoscaling.v2.inputs.MetricTargetArgs;
import com.pulumi.kubernetes.core.v1.Service;
import com.pulumi.kubernetes.core.v1.inputs.AffinityArgs;
import com.pulumi.kubernetes.core.v1.inputs.ContainerArgs;
import com.pulumi.kubernetes.core.v1.inputs.ContainerPortArgs;
import com.pulumi.kubernetes.core.v1.inputs.EnvVarArgs;
import com.pulumi.kubernetes.core.v1.inputs.EnvVarSourceArgs;
import com.pulumi.kubernetes.core.v1.inputs.SecretKeySelectorArgs;
import com.pulumi.kubernetes.core.v1.inputs.PodAffinityTermArgs;
import com.pulumi.kubernetes.core.v1.inputs.PodAntiAffinityArgs;
import com.pulumi.kubernetes.core.v1.inputs.PodSpecArgs;
import com.pulumi.kubernetes.core.v1.inputs.PodTemplateSpecArgs;
import com.pulumi.kubernetes.core.v1.inputs.TolerationArgs;
import com.pulumi.kubernetes.core.v1.inputs.VolumeArgs;
import com.pulumi.kubernetes.core.v1.inputs.VolumeMountArgs;
import com.pulumi.kubernetes.meta.v1.inputs.ObjectMetaArgs;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import com.pulumi.resources.CustomTimeouts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One model's engine: a GPU Deployment whose init container downloads the pinned weights from
 * the model bucket, a ClusterIP Service, a PodDisruptionBudget and an autoscaler on queue
 * depth. Type token {@code gantry:k8s:ModelEngine}.
 *
 * <p>Autoscaling is an {@code autoscaling/v2} HPA on the external metric
 * {@value #QUEUE_METRIC}, which prometheus-adapter serves from {@code vllm:num_requests_waiting}
 * (see docs/DECISIONS.md): waiting requests, not CPU, say when a GPU replica is saturated.
 */
public final class ModelEngine extends ComponentResource {
  /** Port of the OpenAI API, /health and /metrics. */
  public static final int PORT = 8000;
  /** External metric the HPA reads; prometheus-adapter renames {@code vllm:num_requests_waiting} to it. */
  public static final String QUEUE_METRIC = "vllm_num_requests_waiting";
  /** Label on distributed (TP > 1) engine pods, used to keep two of them off one node. */
  public static final String DISTRIBUTED_LABEL = "gantry.dev/distributed";
  static final String GPU_RESOURCE = "nvidia.com/gpu";
  /** Shared memory for NCCL between tensor-parallel workers, per GPU of the replica. */
  static final int SHM_GIB_PER_GPU = 2;

  private final Deployment deployment;
  private final Service service;

  /**
   * Where an engine runs: namespace, weights (a bucket URI, or null for Hugging Face), the
   * service account to run under.
   */
  record Placement(String namespace, String modelBucketUri, String downloaderImage, String serviceAccountName,
      Map<String, String> identityPodLabels) {}

  public ModelEngine(String name, EngineSpec spec, Placement placement, List<Resource> dependsOn,
      ComponentResourceOptions options) {
    super("gantry:k8s:ModelEngine", name, options);
    String ns = placement.namespace();
    Map<String, String> selector = Labels.engineSelector(spec.name());
    Map<String, String> labels = Labels.withCommon(selector);
    labels.put(Labels.POOL, spec.pool());
    Map<String, String> podLabels = new LinkedHashMap<>(labels);
    podLabels.putAll(placement.identityPodLabels());
    if (spec.distributed()) {
      podLabels.put(DISTRIBUTED_LABEL, "true");
    }
    Map<String, String> annotations = Map.of(
        "gantry.dev/model-source", spec.modelSource(),
        "gantry.dev/model-revision", spec.modelRevision());
    CustomResourceOptions childOptions = CustomResourceOptions.builder().parent(this).dependsOn(dependsOn).build();
    int rolloutSeconds = rolloutDeadlineSeconds(spec);
    // Pulumi waits for a Deployment rollout for 10 minutes by default; a GPU replica may take longer
    // (weight download + load), and a timed-out `pulumi up` would mark a healthy rollout as failed.
    Duration rolloutWait = Duration.ofSeconds(rolloutSeconds + 600L);
    CustomResourceOptions deploymentOptions = CustomResourceOptions.builder().parent(this).dependsOn(dependsOn)
        .customTimeouts(CustomTimeouts.builder().create(rolloutWait).update(rolloutWait).build())
        .build();

    this.deployment = new Deployment(spec.resourceName(), DeploymentArgs.builder()
        .metadata(Pods.meta(spec.resourceName(), ns, labels, annotations))
        .spec(DeploymentSpecArgs.builder()
            // No spec.replicas: the HPA owns the replica count (it starts at minReplicas); a value here
            // would be re-applied on every `pulumi up` and fight the autoscaler.
            .selector(Pods.selector(selector))
            // Never take a serving replica down before its replacement has loaded the weights.
            .strategy(DeploymentStrategyArgs.builder().type("RollingUpdate")
                .rollingUpdate(RollingUpdateDeploymentArgs.builder().maxUnavailable(0).maxSurge(1).build())
                .build())
            .progressDeadlineSeconds(rolloutSeconds)
            .template(PodTemplateSpecArgs.builder()
                .metadata(ObjectMetaArgs.builder()
                    .labels(podLabels).annotations(annotations).build())
                .spec(podSpec(spec, placement, podLabels))
                .build())
            .build())
        .build(), deploymentOptions);

    this.service = Pods.httpService(spec.resourceName(), ns, labels, selector, PORT, childOptions);
    Pods.oneAtATime(spec.resourceName(), ns, labels, selector, childOptions);

    new HorizontalPodAutoscaler(spec.resourceName(), HorizontalPodAutoscalerArgs.builder()
        .metadata(Pods.meta(spec.resourceName(), ns, labels))
        .spec(HorizontalPodAutoscalerSpecArgs.builder()
            .scaleTargetRef(CrossVersionObjectReferenceArgs.builder()
                .apiVersion("apps/v1").kind("Deployment").name(spec.resourceName()).build())
            .minReplicas(spec.minReplicas())
            .maxReplicas(spec.maxReplicas())
            .metrics(MetricSpecArgs.builder()
                .type("External")
                .external(ExternalMetricSourceArgs.builder()
                    .metric(MetricIdentifierArgs.builder()
                        .name(QUEUE_METRIC)
                        .selector(Pods.selector(Map.of("model", spec.name())))
                        .build())
                    .target(MetricTargetArgs.builder()
                        .type("AverageValue")
                        .averageValue(Integer.toString(spec.targetWaitingPerReplica()))
                        .build())
                    .build())
                .build())
            .behavior(HorizontalPodAutoscalerBehaviorArgs.builder()
                // Scale up at once (a new replica takes minutes to load), down slowly (cold starts are expensive).
                .scaleUp(HPAScalingRulesArgs.builder().stabilizationWindowSeconds(0)
                    .policies(HPAScalingPolicyArgs.builder().type("Pods").value(2).periodSeconds(60).build())
                    .build())
                .scaleDown(HPAScalingRulesArgs.builder().stabilizationWindowSeconds(600)
                    .policies(HPAScalingPolicyArgs.builder().type("Pods").value(1).periodSeconds(300).build())
                    .build())
                .build())
            .build())
        .build(), childOptions);

    registerOutputs(Map.of(
        "deploymentName", Output.of(spec.resourceName()),
        "serviceName", Output.of(spec.resourceName()),
        "servedModelName", Output.of(spec.servedModelName())));
  }

  public Deployment deployment() {
    return deployment;
  }

  public Service service() {
    return service;
  }

  /** Download time allowed for the weights before a new replica counts as stuck. */
  static final int DOWNLOAD_BUDGET_SECONDS = 1800;

  /** Seconds a rollout may go without progress: weight download plus loading into GPU memory. */
  static int rolloutDeadlineSeconds(EngineSpec spec) {
    return DOWNLOAD_BUDGET_SECONDS + spec.startupBudgetSeconds();
  }

  /** In-cluster base URL of this engine's OpenAI API. */
  static String baseUrl(EngineSpec spec, String namespace) {
    return "http://" + spec.resourceName() + "." + namespace + ".svc.cluster.local:" + PORT + "/v1";
  }

  /** {@code serve MODEL_DIR}, the served name and the listen address: what every engine's command line starts with. */
  private static List<String> serveArgs(EngineSpec spec) {
    return new ArrayList<>(List.of("serve", WeightDownload.localDir(spec.name()),
        "--served-model-name=" + spec.servedModelName(), "--host=0.0.0.0", "--port=" + PORT));
  }

  /**
   * The command line of a CPU engine, as Gantry's engine takes it ({@code serve MODEL [flags]}):
   * the CPU backend computes in float32 and reads weights as stored ({@code --dtype auto}, no
   * quantization flag), and takes its KV cache as an absolute size on the JVM heap.
   */
  static List<String> cpuEngineArgs(EngineSpec spec, EngineSpec.Cpu cpu) {
    List<String> args = serveArgs(spec);
    args.addAll(List.of(
        "--device=cpu",
        "--dtype=auto",
        "--threads=" + cpu.threads(),
        "--max-model-len=" + spec.maxModelLen(),
        "--max-num-seqs=" + spec.maxNumSeqs(),
        "--block-size=" + spec.blockSize(),
        "--gpu-memory-utilization=" + cpu.kvCacheBytes()));
    args.add(spec.enablePrefixCaching() ? "--enable-prefix-caching" : "--no-enable-prefix-caching");
    return args;
  }

  /**
   * The engine's arguments after the image's entrypoint, for the device it runs on: what the
   * engine Deployment passes and what {@code gantry compose} writes.
   */
  static List<String> engineArgs(EngineSpec spec) {
    return switch (spec.device()) {
      case EngineSpec.Gpu gpu -> gpuEngineArgs(spec);
      case EngineSpec.Cpu cpu -> cpuEngineArgs(spec, cpu);
    };
  }

  /**
   * The command line of a GPU engine: {@code serve MODEL_DIR} and flags named like
   * {@code vllm serve}'s (the engine's CLI takes the model as a positional parameter of its
   * {@code serve} subcommand, as {@code vllm serve} does). {@code --device=cuda}, not
   * {@code auto}: on a GPU node whose CUDA does not work the pod must fail and alert, not
   * fall back to serving the model on the CPU at a fraction of the speed.
   */
  static List<String> gpuEngineArgs(EngineSpec spec) {
    List<String> args = serveArgs(spec);
    args.addAll(List.of(
        "--device=cuda",
        "--tensor-parallel-size=" + spec.tensorParallelSize(),
        "--max-model-len=" + spec.maxModelLen(),
        "--max-num-seqs=" + spec.maxNumSeqs(),
        "--block-size=" + spec.blockSize(),
        "--gpu-memory-utilization=" + spec.gpuMemoryUtilization(),
        "--dtype=" + spec.dtype()));
    if (!spec.quantization().equals("none")) {
      args.add("--quantization=" + spec.quantization());
    }
    if (spec.enablePrefixCaching()) {
      args.add("--enable-prefix-caching");
    }
    return args;
  }

  private static PodSpecArgs podSpec(EngineSpec spec, Placement placement, Map<String, String> podLabels) {
    String gpus = Integer.toString(spec.tensorParallelSize());
    List<VolumeArgs> volumes = new ArrayList<>(List.of(
        Pods.emptyDir("model", null, spec.modelCacheSize()),
        // HOME and XDG caches (torch/triton kernel caches) live here: the root file system is read-only.
        Pods.emptyDir("tmp", null, "8Gi"),
        // JavaCPP unpacks the CUDA runtime jars here at start (2-3 GB, docs/DECISIONS.md "Engine image base").
        Pods.emptyDir(Pods.IMAGE_CACHE_VOLUME, null, "8Gi")));
    List<VolumeMountArgs> mounts = new ArrayList<>(List.of(
        VolumeMountArgs.builder().name("model").mountPath(WeightDownload.MODEL_ROOT).readOnly(true).build(),
        VolumeMountArgs.builder().name("tmp").mountPath("/tmp").build()));
    mounts.addAll(Pods.imageCacheMounts("tmp"));
    if (spec.distributed()) {
      // The default 64 MiB /dev/shm makes NCCL fail or fall back to slow paths between TP workers.
      volumes.add(Pods.emptyDir("dshm", "Memory", (SHM_GIB_PER_GPU * spec.tensorParallelSize()) + "Gi"));
      mounts.add(VolumeMountArgs.builder().name("dshm").mountPath("/dev/shm").build());
    }
    int startupPeriod = 10;
    int startupFailures = (spec.startupBudgetSeconds() + startupPeriod - 1) / startupPeriod;

    ContainerArgs.Builder downloadBuilder = ContainerArgs.builder()
        .name("download-weights")
        .image(placement.downloaderImage());
    if (placement.modelBucketUri() != null) {
      downloadBuilder.command("rclone")
          .args(WeightDownload.rcloneArgs(placement.modelBucketUri(), spec.name(), spec.modelRevision()))
          .env(EnvVarArgs.builder().name("HOME").value("/tmp").build(),
              EnvVarArgs.builder().name("RCLONE_CONFIG").value("/tmp/rclone.conf").build());
    } else {
      downloadBuilder.command(WeightDownload.huggingFaceCommand(spec.modelSource(), spec.name(), spec.modelRevision()))
          .env(EnvVarArgs.builder().name("HOME").value("/tmp").build(),
              // Gated models need a token; the Secret is optional, so public models need nothing.
              EnvVarArgs.builder().name("HF_TOKEN").valueFrom(EnvVarSourceArgs.builder()
                  .secretKeyRef(SecretKeySelectorArgs.builder().name(WeightDownload.HF_TOKEN_SECRET)
                      .key(WeightDownload.HF_TOKEN_KEY).optional(true).build())
                  .build()).build());
    }
    ContainerArgs download = downloadBuilder
        .resources(Pods.guaranteed("2", "4Gi", Map.of()))
        .securityContext(Pods.containerSecurity())
        .volumeMounts(
            VolumeMountArgs.builder().name("model").mountPath(WeightDownload.MODEL_ROOT).build(),
            VolumeMountArgs.builder().name("tmp").mountPath("/tmp").build())
        .build();

    List<String> args = engineArgs(spec);
    Map<String, String> accelerators = spec.onCpu() ? Map.of() : Map.of(GPU_RESOURCE, gpus);
    ContainerArgs engine = ContainerArgs.builder()
        .name("engine")
        .image(spec.image())
        .args(args)
        .ports(ContainerPortArgs.builder().name("http").containerPort(PORT).protocol("TCP").build())
        .env(EnvVarArgs.builder().name("HOME").value("/tmp").build(),
            EnvVarArgs.builder().name("HF_HUB_OFFLINE").value("1").build(),
            EnvVarArgs.builder().name("XDG_CACHE_HOME").value("/tmp/cache").build())
        .resources(Pods.guaranteed(spec.cpu(), spec.memory(), accelerators))
        // Startup covers loading the weights into GPU memory; readiness and liveness only start after it.
        .startupProbe(Pods.httpProbe("/health", "http", startupPeriod, startupFailures, 5))
        .readinessProbe(Pods.httpProbe("/health", "http", 5, 3, 3))
        // Liveness is deliberately slower and more tolerant than readiness: a busy engine answering
        // /health late should leave the load balancer, not be killed and pay a cold start.
        .livenessProbe(Pods.httpProbe("/health", "http", 15, 4, 10))
        .securityContext(Pods.containerSecurity())
        .volumeMounts(mounts)
        .build();

    PodSpecArgs.Builder pod = PodSpecArgs.builder()
        .serviceAccountName(placement.serviceAccountName())
        .automountServiceAccountToken(false)
        .enableServiceLinks(false)
        // In-flight generations stream for up to minutes; let them finish on scale-down.
        .terminationGracePeriodSeconds(120)
        .securityContext(Pods.podSecurity())
        .topologySpreadConstraints(
            Pods.spread("topology.kubernetes.io/zone", Labels.engineSelector(spec.name())),
            Pods.spread("kubernetes.io/hostname", Labels.engineSelector(spec.name())))
        .initContainers(download)
        .containers(engine)
        .volumes(volumes);
    if (spec.device() instanceof EngineSpec.Gpu gpu) {
      // GPU engines run only on their pool's nodes, whose nvidia.com/gpu taint keeps everything else off;
      // a spot pool's nodes may carry the cloud's spot taint as well (AKS: kubernetes.azure.com/scalesetpriority).
      List<TolerationArgs> tolerations = new ArrayList<>(List.of(TolerationArgs.builder()
          .key(GPU_RESOURCE).operator("Equal").value("present").effect("NoSchedule").build()));
      gpu.tolerations().forEach(t -> tolerations.add(TolerationArgs.builder()
          .key(t.key()).operator("Equal").value(t.value()).effect(t.effect()).build()));
      pod.nodeSelector(Map.of(Labels.POOL, spec.pool())).tolerations(tolerations);
    }
    if (spec.distributed()) {
      // Each GPU node can host only one distributed engine instance: two TP groups on one node
      // contend for NVLink and shared memory and the GPU allocation rarely lines up.
      pod.affinity(AffinityArgs.builder()
          .podAntiAffinity(PodAntiAffinityArgs.builder()
              .requiredDuringSchedulingIgnoredDuringExecution(PodAffinityTermArgs.builder()
                  .topologyKey("kubernetes.io/hostname")
                  .labelSelector(Pods.selector(Map.of(DISTRIBUTED_LABEL, "true")))
                  .build())
              .build())
          .build());
    }
    assert podLabels.keySet().containsAll(Labels.engineSelector(spec.name()).keySet());
    return pod.build();
  }
}
