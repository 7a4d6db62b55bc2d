package dev.gantry.stacks.program;

import dev.gantry.infra.aws.SecretStore;
import dev.gantry.infra.k8s.DatabaseSpec;
import dev.gantry.infra.k8s.EngineSpec;
import dev.gantry.infra.k8s.GatewaySpec;
import dev.gantry.infra.k8s.HelmCharts;
import dev.gantry.infra.k8s.IngressSpec;
import dev.gantry.infra.k8s.MonitoringSpec;
import dev.gantry.infra.k8s.NamespaceNames;
import dev.gantry.infra.k8s.SecretStoreSpec;
import dev.gantry.infra.k8s.ServingWorkloadsArgs;
import dev.gantry.infra.k8s.WorkloadIdentity;
import dev.gantry.policies.catalog.GpuInstanceType;
import dev.gantry.stacks.config.ModelConfig;
import dev.gantry.stacks.config.StackConfig;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Maps the typed stack config onto the cloud-neutral workload args of
 * {@code dev.gantry.infra.k8s.ServingWorkloads}. The few values the stack config does not
 * state are derived here from the model and the GPU pool, each with its reason. Public for
 * {@code gantry compose}, which runs the same engine, gateway and monitoring specs on one host.
 */
public final class Workloads {
  /** Let's Encrypt staging directory, for test stacks ({@code gantry:ingress.acmeStaging}). */
  static final String LETS_ENCRYPT_STAGING = "https://acme-staging-v02.api.letsencrypt.org/directory";
  /**
   * Share of a node's CPUs and memory one replica may request in proportion to the GPUs it
   * uses; the rest is left to the kubelet, system daemons, the device plugin and exporters.
   */
  static final double NODE_SHARE = 0.75;
  /** Conservative sustained S3 read rate of one engine pod, for the startup budget. */
  static final double DOWNLOAD_BYTES_PER_SECOND = 100e6;
  /** Fixed part of the startup budget: image pull, CUDA init, loading and warming up. */
  static final int STARTUP_BASE_SECONDS = 300;
  /** Proxy timeout of ingress and gateway: long generations stream for minutes. */
  public static final int REQUEST_TIMEOUT_SECONDS = 600;

  private Workloads() {}

  /**
   * What the workloads need from the cloud foundation underneath them; each cloud's
   * foundation builds one, so the workloads are the same code on every cloud.
   *
   * @param modelBucketUri          {@code s3://}, {@code gs://} or {@code az://} URI of the model bucket; null without one
   * @param masterKeySecret         name of the gateway master key in the cloud secret store
   * @param databaseUrlSecret       name of the gateway database URL in the cloud secret store
   * @param loadBalancerAnnotations annotations of ingress-nginx's LoadBalancer Service on this cloud
   * @param secretStore             the cloud secret store and the identity External Secrets reads it with
   * @param modelReader             identity of the engine service account (bucket read access)
   */
  record Wiring(String modelBucketUri, String masterKeySecret, String databaseUrlSecret,
      Map<String, String> loadBalancerAnnotations, SecretStoreSpec secretStore, WorkloadIdentity modelReader) {}

  /** The AWS wiring: S3, Secrets Manager names under {@code secretPrefix}, an NLB in front of ingress-nginx. */
  static Wiring aws(StackConfig c, String secretPrefix, WorkloadIdentity modelReader, WorkloadIdentity secretReader) {
    Map<String, String> loadBalancer = new TreeMap<>();
    // A Network Load Balancer passes TLS through to ingress-nginx, where cert-manager's certificate lives.
    loadBalancer.put("service.beta.kubernetes.io/aws-load-balancer-type", "nlb");
    loadBalancer.put("service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled", "true");
    return new Wiring("s3://" + c.storage().bucketName(), secretPrefix + "/" + SecretStore.GATEWAY_MASTER_KEY,
        secretPrefix + "/" + SecretStore.GATEWAY_DATABASE_URL, loadBalancer,
        new SecretStoreSpec.AwsSecretsManager(c.region(), secretReader), modelReader);
  }

  static ServingWorkloadsArgs args(StackConfig c, NamespaceNames namespaces, Wiring cloud, String grafanaSecret,
      DatabaseSpec inClusterDatabase) {
    List<EngineSpec> engines = c.models().stream().map(m -> engine(c, m)).toList();
    var gateway = gateway(c, cloud.masterKeySecret(), cloud.databaseUrlSecret());
    var in = c.ingress();
    // An existing (laptop) cluster is not reachable by Let's Encrypt: its certificate is self-signed.
    var ingress = new IngressSpec(in.host(), in.tlsIssuerEmail(), in.acmeStaging() ? LETS_ENCRYPT_STAGING : null,
        in.rateLimitRps(), 5, 20, REQUEST_TIMEOUT_SECONDS, cloud.loadBalancerAnnotations(), c.existingCluster());
    var monitoring = monitoring(c, grafanaSecret);
    return new ServingWorkloadsArgs(namespaces, cloud.modelBucketUri(), c.images().modelDownloader(),
        cloud.modelReader(), engines, gateway, ingress, monitoring, cloud.secretStore(), HelmCharts.defaults(),
        inClusterDatabase);
  }

  /** The gateway of stack {@code c}, reading its master key and database URL from the named secrets. */
  public static GatewaySpec gateway(StackConfig c, String masterKeySecret, String databaseUrlSecret) {
    var gw = c.gateway();
    return new GatewaySpec(c.images().gateway(), gw.replicas(), gw.maxReplicas(), gw.cpu(), gw.memory(),
        masterKeySecret, databaseUrlSecret, gw.defaultRpm(), gw.defaultTpm(), gw.routing());
  }

  /** Prometheus retention and storage and the alert thresholds of stack {@code c}. */
  public static MonitoringSpec monitoring(StackConfig c, String grafanaSecret) {
    var mon = c.monitoring();
    return new MonitoringSpec(mon.retentionDays() + "d", mon.storageGiB() + "Gi", mon.p99E2eLatencySeconds(),
        mon.p99TtftSeconds(), mon.queueDepthThreshold(), mon.preemptionsPerSecond(), grafanaSecret, mon.enabled());
  }

  /**
   * The engine of model {@code m} in stack {@code c}: image, flags, replica bounds, resources from
   * its GPU pool, or from the model entry for a CPU engine (a stack on an existing cluster).
   */
  public static EngineSpec engine(StackConfig c, ModelConfig m) {
    if (m.onCpu()) {
      return cpuEngine(c, m);
    }
    StackConfig.GpuPool pool = c.gpuPool(m.pool()).orElseThrow();
    GpuInstanceType node = pool.instanceType();
    var e = m.engine();
    double share = (double) e.tensorParallelSize() / node.gpuCount() * NODE_SHARE;
    int cpu = Math.max(1, (int) Math.floor(node.vcpu() * share));
    int memoryGiB = Math.max(4, (int) Math.floor(node.memoryGiB() * share));
    int cacheGiB = cacheGiB(m);
    int startupSeconds = startupSeconds(m);
    return new EngineSpec(m.name(), c.images().engine(), m.source(), m.revision(), m.name(),
        e.maxModelLen(), e.maxNumSeqs(), e.blockSize(), e.gpuMemoryUtilization(), e.tensorParallelSize(), e.dtype(),
        e.quantization(), e.enablePrefixCaching(), m.pool(), m.minReplicas(), m.maxReplicas(),
        Integer.toString(cpu), memoryGiB + "Gi", cacheGiB + "Gi", startupSeconds, m.targetQueueDepth(),
        new EngineSpec.Gpu(spotTolerations(c, pool)));
  }

  /** Taints a cloud puts on spot nodes by itself (AKS: every Spot pool), which engines must tolerate. */
  static List<EngineSpec.Toleration> spotTolerations(StackConfig c, StackConfig.GpuPool pool) {
    if (pool.spot() && c.cloudSettings() instanceof StackConfig.Azure) {
      String[] taint = dev.gantry.infra.azure.GpuCluster.SPOT_TAINT.split("[=:]"); // key=value:effect
      return List.of(new EngineSpec.Toleration(taint[0], taint[1], taint[2]));
    }
    return List.of(); // EKS and GKE label spot nodes but do not taint them
  }

  /** A CPU engine: the model entry's CPUs and memory, its float32 KV cache, no pool. */
  static EngineSpec cpuEngine(StackConfig c, ModelConfig m) {
    var e = m.engine();
    var r = m.cpuResources();
    return new EngineSpec(m.name(), c.images().engine(), m.source(), m.revision(), m.name(),
        e.maxModelLen(), e.maxNumSeqs(), e.blockSize(), e.gpuMemoryUtilization(), 1, e.dtype(), "none",
        e.enablePrefixCaching(), null, m.minReplicas(), m.maxReplicas(), Integer.toString(r.cpu()), r.memoryGiB() + "Gi",
        cacheGiB(m) + "Gi", startupSeconds(m), m.targetQueueDepth(), new EngineSpec.Cpu(m.cpuKvCacheBytes(), r.cpu()));
  }

  /** Room for the weights plus tokenizer and config files, and a partial re-download. */
  static int cacheGiB(ModelConfig m) {
    return (int) Math.ceil(m.weightBytes() / (double) (1L << 30) * 1.25) + 2;
  }

  static int startupSeconds(ModelConfig m) {
    return STARTUP_BASE_SECONDS + (int) Math.ceil(m.weightBytes() / DOWNLOAD_BYTES_PER_SECOND);
  }
}
