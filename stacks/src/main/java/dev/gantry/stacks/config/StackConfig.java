package dev.gantry.stacks.config;

import dev.gantry.policies.catalog.GpuInstanceType;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The typed, validated configuration of one stack: the {@code gantry:*} keys of
 * {@code Pulumi.<stack>.yaml} with the served models resolved from {@code models/*.yaml}
 * (built-in defaults &lt; {@code gantry:modelDefaults} &lt; model file &lt; the stack's entry).
 * Built only by {@link StackConfigParser}, which names the offending key on any error;
 * the compact constructors here only guard invariants the parser already checked.
 *
 * @param project    Pulumi project name
 * @param stack      stack name, e.g. {@code aws-prod}
 * @param cloud      {@code aws}, {@code gcp}, {@code azure}, or {@code none} (an existing cluster, no cloud resources)
 * @param region     cloud region ({@code local} for cloud {@code none})
 * @param zones      availability zones, at least two; none for cloud {@code none}
 * @param network    VPC layout
 * @param cluster    Kubernetes cluster and node pools
 * @param models     served models, resolved
 * @param gateway    LLM gateway
 * @param ingress    public entry point
 * @param storage    model bucket
 * @param database   gateway PostgreSQL
 * @param monitoring Prometheus, Grafana, alerts
 * @param images     container images of engine and gateway
 * @param onCall     who is paged
 * @param secrets    which secrets the stack sets
 * @param tags       extra tags on every cloud resource
 * @param cloudSettings settings only the stack's cloud has ({@code gantry:gcp}, {@code gantry:azure},
 *                   {@code gantry:kubernetes} for an existing cluster)
 */
public record StackConfig(
    String project,
    String stack,
    String cloud,
    String region,
    List<String> zones,
    Network network,
    Cluster cluster,
    List<ModelConfig> models,
    Gateway gateway,
    Ingress ingress,
    Storage storage,
    Database database,
    Monitoring monitoring,
    Images images,
    OnCall onCall,
    Secrets secrets,
    Map<String, String> tags,
    CloudSettings cloudSettings) {

  public StackConfig {
    Objects.requireNonNull(project, "project");
    Objects.requireNonNull(stack, "stack");
    Objects.requireNonNull(cloud, "cloud");
    Objects.requireNonNull(region, "region");
    zones = List.copyOf(zones);
    models = List.copyOf(models);
    tags = new TreeMap<>(tags);
    Objects.requireNonNull(cloudSettings, "cloudSettings");
    if (zones.size() < 2 && !(cloudSettings instanceof Existing)) {
      throw new IllegalArgumentException("zones: need at least 2, got " + zones);
    }
  }

  /** True for a stack on an existing cluster: no cloud resources, CPU engines. */
  public boolean existingCluster() {
    return cloudSettings instanceof Existing;
  }

  /** The GPU pool of that name. */
  public Optional<GpuPool> gpuPool(String name) {
    return cluster.gpuPools().stream().filter(p -> p.name().equals(name)).findFirst();
  }

  /** Resource name prefix: {@code gantry-<stack>}. */
  public String namePrefix() {
    return "gantry-" + stack;
  }

  /** @param vpcCidr VPC CIDR block, prefix 16..20 */
  public record Network(String vpcCidr) {}

  /**
   * @param name              EKS cluster name
   * @param kubernetesVersion e.g. {@code 1.31}
   * @param endpointPublic    API endpoint reachable from the allow-list (else private only)
   * @param publicAccessCidrs allow-list of the public endpoint
   * @param logRetentionDays  control-plane log retention
   * @param systemPool        pool for add-ons, gateway and monitoring
   * @param gpuPools          GPU pools, at least one
   */
  public record Cluster(String name, String kubernetesVersion, boolean endpointPublic, List<String> publicAccessCidrs,
      int logRetentionDays, NodePool systemPool, List<GpuPool> gpuPools) {
    public Cluster {
      publicAccessCidrs = List.copyOf(publicAccessCidrs);
      gpuPools = List.copyOf(gpuPools);
      Objects.requireNonNull(systemPool, "systemPool");
    }
  }

  /** A CPU node pool. */
  public record NodePool(String instanceType, int minNodes, int maxNodes, int desiredNodes, int diskSizeGiB) {}

  /**
   * A GPU node pool.
   *
   * @param name         pool name (node label {@code gantry.dev/pool})
   * @param instanceType the catalog entry of its instance type
   * @param amiType      EKS GPU AMI type
   * @param minNodes     autoscaling minimum
   * @param maxNodes     autoscaling maximum
   * @param desiredNodes initial size
   * @param spot         spot capacity
   * @param diskSizeGiB  root volume
   */
  public record GpuPool(String name, GpuInstanceType instanceType, String amiType, int minNodes, int maxNodes,
      int desiredNodes, boolean spot, int diskSizeGiB) {
    public GpuPool {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(instanceType, "instanceType");
      if (minNodes > desiredNodes || desiredNodes > maxNodes) {
        throw new IllegalArgumentException("pool " + name + ": need minNodes <= desiredNodes <= maxNodes");
      }
    }
  }

  /**
   * @param replicas    gateway replicas, also the autoscaling minimum (at least 2 for availability)
   * @param maxReplicas autoscaling maximum
   * @param authEnabled virtual keys required on every request
   * @param routing     {@code simple-shuffle}, {@code least-busy} or {@code engine-aware}
   * @param cpu         CPU of one replica, a Kubernetes quantity
   * @param memory      memory of one replica, a Kubernetes quantity
   * @param defaultRpm  default requests per minute per model deployment
   * @param defaultTpm  default tokens per minute per model deployment
   */
  public record Gateway(int replicas, int maxReplicas, boolean authEnabled, String routing, String cpu, String memory,
      int defaultRpm, int defaultTpm) {}

  /**
   * @param host           public host name of the gateway
   * @param tlsIssuerEmail ACME account e-mail for cert-manager's Let's Encrypt issuer
   * @param acmeStaging    use Let's Encrypt staging (test stacks)
   * @param rateLimitRps   per-client requests per second at the ingress
   */
  public record Ingress(String host, String tlsIssuerEmail, boolean acmeStaging, int rateLimitRps) {}

  /**
   * @param bucketName   bucket name (S3 names are global: the default includes cluster and region)
   * @param forceDestroy allow destroying a non-empty bucket
   */
  public record Storage(String bucketName, boolean forceDestroy) {}

  /** Gateway PostgreSQL settings; see {@code dev.gantry.infra.aws.Database.Args}. */
  public record Database(String engineVersion, String instanceClass, int allocatedStorageGiB,
      int maxAllocatedStorageGiB, int backupRetentionDays, boolean multiAz, boolean deletionProtection) {}

  /**
   * Prometheus and the serving alerts' thresholds.
   *
   * @param retentionDays         Prometheus retention
   * @param storageGiB            Prometheus volume
   * @param p99E2eLatencySeconds  alert above this p99 end-to-end latency
   * @param p99TtftSeconds        alert above this p99 time to first token
   * @param queueDepthThreshold   alert when a model's waiting requests stay above this
   * @param preemptionsPerSecond  alert above this preemption rate
   * @param enabled               install the monitoring stack (off: the gate reports PRE-08 unmet)
   */
  public record Monitoring(int retentionDays, int storageGiB, double p99E2eLatencySeconds, double p99TtftSeconds,
      int queueDepthThreshold, double preemptionsPerSecond, boolean enabled) {}

  /**
   * Container images. References carry a version tag or a digest, never {@code latest}.
   *
   * @param createRepositories create ECR repositories {@code gantry/engine} and {@code gantry/gateway}
   * @param engine             engine image reference
   * @param gateway            gateway image reference
   * @param modelDownloader    rclone image of the weight-download init container
   */
  public record Images(boolean createRepositories, String engine, String gateway, String modelDownloader) {}

  /**
   * @param team             owning team
   * @param slackChannel     alert channel
   * @param pagerDutyService PagerDuty service, or null
   */
  public record OnCall(String team, String slackChannel, String pagerDutyService) {}

  /**
   * @param gatewayMasterKey   {@code gantry:gatewayMasterKey} is set (as a secret)
   * @param hfToken            {@code gantry:hfToken} is set (as a secret)
   * @param databasePassword   {@code gantry:databasePassword} is set (as a secret)
   * @param grafanaAdminPassword {@code gantry:grafanaAdminPassword} is set (as a secret); else the
   *                           secret is created empty for an operator to fill
   * @param recoveryWindowDays days a deleted secret stays recoverable
   */
  public record Secrets(boolean gatewayMasterKey, boolean hfToken, boolean databasePassword,
      boolean grafanaAdminPassword, int recoveryWindowDays) {}

  /**
   * Settings only one cloud has. Everything else in the stack config means the same on every
   * cloud (zones, pools, database size, bucket), so stacks differ in values, not in shape.
   */
  public sealed interface CloudSettings permits Aws, Gcp, Azure, Existing {}

  /**
   * {@code gantry:kubernetes} and {@code gantry:database} of a stack on an existing cluster
   * ({@code gantry:cloud: none}: kind, k3s, minikube): nothing is created in a cloud, the
   * workloads go to the cluster of a kubeconfig, the gateway database runs in the cluster.
   *
   * @param kubeconfig         path of the kubeconfig file (or its contents), as the Kubernetes provider takes it
   * @param context            kubeconfig context, or null for the file's current context
   * @param databaseInstances  in-cluster PostgreSQL instances (CloudNativePG)
   * @param databaseStorageGiB volume of each instance
   */
  public record Existing(String kubeconfig, String context, int databaseInstances, int databaseStorageGiB)
      implements CloudSettings {
    public Existing {
      Objects.requireNonNull(kubeconfig, "kubeconfig");
    }
  }

  /** AWS needs nothing beyond the common config ({@code aws:region} must equal {@code gantry:region}). */
  public record Aws() implements CloudSettings {}

  /**
   * {@code gantry:gcp}.
   *
   * @param project        GCP project id ({@code gcp:project})
   * @param releaseChannel GKE release channel: RAPID, REGULAR or STABLE
   * @param masterCidr     /28 for the GKE control plane's private endpoint
   * @param modelsKmsKey   customer-managed key of the model bucket, or null for Google-managed encryption
   * @param registryId     Artifact Registry repository id of the engine and gateway images
   */
  public record Gcp(String project, String releaseChannel, String masterCidr, String modelsKmsKey, String registryId)
      implements CloudSettings {
    public Gcp {
      Objects.requireNonNull(project, "project");
    }
  }

  /**
   * {@code gantry:azure}.
   *
   * @param resourceGroup      resource group every resource goes into
   * @param storageAccount     storage account of the model container (3-24 lower-case letters and digits, global)
   * @param keyVault           Key Vault name (3-24 letters, digits, '-', global)
   * @param registry           Azure Container Registry name (5-50 letters and digits, global)
   * @param geoRedundantBackup PostgreSQL backups copied to the paired region
   */
  public record Azure(String resourceGroup, String storageAccount, String keyVault, String registry,
      boolean geoRedundantBackup) implements CloudSettings {
    public Azure {
      Objects.requireNonNull(resourceGroup, "resourceGroup");
    }
  }
}
