package dev.gantry.infra.gcp;

import dev.gantry.infra.ExecKubeconfig;
import dev.gantry.infra.NodePools;

import com.pulumi.core.Output;
import com.pulumi.gcp.container.Cluster;
import com.pulumi.gcp.container.ClusterArgs;
import com.pulumi.gcp.container.NodePool;
import com.pulumi.gcp.container.NodePoolArgs;
import com.pulumi.gcp.container.inputs.ClusterAddonsConfigArgs;
import com.pulumi.gcp.container.inputs.ClusterAddonsConfigGcsFuseCsiDriverConfigArgs;
import com.pulumi.gcp.container.inputs.ClusterIpAllocationPolicyArgs;
import com.pulumi.gcp.container.inputs.ClusterMasterAuthorizedNetworksConfigArgs;
import com.pulumi.gcp.container.inputs.ClusterMasterAuthorizedNetworksConfigCidrBlockArgs;
import com.pulumi.gcp.container.inputs.ClusterPrivateClusterConfigArgs;
import com.pulumi.gcp.container.inputs.ClusterReleaseChannelArgs;
import com.pulumi.gcp.container.inputs.ClusterWorkloadIdentityConfigArgs;
import com.pulumi.gcp.container.inputs.NodePoolAutoscalingArgs;
import com.pulumi.gcp.container.inputs.NodePoolManagementArgs;
import com.pulumi.gcp.container.inputs.NodePoolNodeConfigArgs;
import com.pulumi.gcp.container.inputs.NodePoolNodeConfigGuestAcceleratorArgs;
import com.pulumi.gcp.container.inputs.NodePoolNodeConfigGuestAcceleratorGpuDriverInstallationConfigArgs;
import com.pulumi.gcp.container.inputs.NodePoolNodeConfigShieldedInstanceConfigArgs;
import com.pulumi.gcp.container.inputs.NodePoolNodeConfigTaintArgs;
import com.pulumi.gcp.container.inputs.NodePoolNodeConfigWorkloadMetadataConfigArgs;
import com.pulumi.gcp.container.inputs.NodePoolUpgradeSettingsArgs;
import com.pulumi.gcp.container.outputs.ClusterMasterAuth;
import com.pulumi.gcp.projects.IAMMember;
import com.pulumi.gcp.projects.IAMMemberArgs;
import com.pulumi.gcp.serviceaccount.Account;
import com.pulumi.gcp.serviceaccount.AccountArgs;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.Resource;
import dev.gantry.infra.GantryComponent;
import dev.gantry.infra.aws.Cidr;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A VPC-native, private GKE Standard cluster for GPU serving ({@code gantry:gcp:GpuCluster}),
 * the GCP twin of {@code dev.gantry.infra.aws.GpuCluster}: nodes without public IPs, a
 * control plane reachable only from an allow-list (or privately), a release channel for
 * managed upgrades, Workload Identity (pods get GCP identities through their Kubernetes
 * service accounts, node credentials are hidden by the GKE metadata server), and
 * Shielded Nodes. The default node pool is removed; a system pool and one pool per GPU
 * pool are created, each node running as a least-privilege service account. GPU pools
 * carry a guest accelerator with GKE-managed driver installation and the taint
 * {@value #GPU_TAINT_KEY}={@value #GPU_TAINT_VALUE}:NoSchedule; every node carries the
 * label {@value #POOL_LABEL}.
 */
public final class GpuCluster extends GantryComponent {
  public static final String GPU_TAINT_KEY = dev.gantry.infra.aws.GpuCluster.GPU_TAINT_KEY;
  public static final String GPU_TAINT_VALUE = dev.gantry.infra.aws.GpuCluster.GPU_TAINT_VALUE;
  public static final String POOL_LABEL = dev.gantry.infra.aws.GpuCluster.POOL_LABEL;
  public static final String SYSTEM_POOL = dev.gantry.infra.aws.GpuCluster.SYSTEM_POOL;
  public static final Set<String> RELEASE_CHANNELS = Set.of("RAPID", "REGULAR", "STABLE");
  /** GKE accelerator type per GPU model of the catalog ({@code dev.gantry.policies.catalog}). */
  public static final Map<String, String> ACCELERATORS = Map.of(
      "L4", "nvidia-l4",
      "T4", "nvidia-tesla-t4",
      "A100", "nvidia-tesla-a100",
      "A100-80GB", "nvidia-a100-80gb",
      "H100", "nvidia-h100-80gb");
  /** Roles of the node service account: write logs and metrics, pull images; nothing else. */
  public static final List<String> NODE_ROLES = List.of("roles/logging.logWriter", "roles/monitoring.metricWriter",
      "roles/monitoring.viewer", "roles/stackdriver.resourceMetadata.writer", "roles/artifactregistry.reader");

  /**
   * A node pool.
   *
   * @param name             pool name, a DNS label; also the {@value #POOL_LABEL} label value
   * @param machineType      Compute Engine machine type, e.g. {@code g2-standard-8}
   * @param acceleratorType  GKE accelerator type (e.g. {@code nvidia-l4}), or null for a CPU pool
   * @param acceleratorCount GPUs per node; 0 for a CPU pool
   * @param minNodes         autoscaling minimum, all zones together
   * @param maxNodes         autoscaling maximum, all zones together
   * @param desiredNodes     initial size, all zones together (rounded down to a multiple of the zones)
   * @param spot             use Spot VMs
   * @param diskSizeGiB      boot disk size; GPU nodes cache model weights and large images
   * @param labels           extra node labels
   */
  public record NodePool(String name, String machineType, String acceleratorType, int acceleratorCount, int minNodes,
      int maxNodes, int desiredNodes, boolean spot, int diskSizeGiB, Map<String, String> labels) {
    public NodePool {
      Objects.requireNonNull(machineType, "machineType");
      NodePools.checkName(name);
      NodePools.checkSizes(name, minNodes, desiredNodes, maxNodes);
      if ((acceleratorType == null) != (acceleratorCount == 0) || acceleratorCount < 0) {
        throw new IllegalArgumentException("Node pool '" + name + "' needs both an accelerator type and a count >= 1, or neither; got "
            + acceleratorType + " x " + acceleratorCount);
      }
      if (acceleratorType != null && !ACCELERATORS.containsValue(acceleratorType)) {
        throw new IllegalArgumentException("Node pool '" + name + "' accelerator '" + acceleratorType
            + "' is not a GKE GPU type Gantry knows; use one of " + new java.util.TreeSet<>(ACCELERATORS.values()));
      }
      NodePools.checkDisk(name, diskSizeGiB, 10, "disk", "GKE");
      labels = new TreeMap<>(labels == null ? Map.of() : labels);
    }

    /** The GKE accelerator type of a catalog GPU model, e.g. {@code L4} to {@code nvidia-l4}. */
    public static String acceleratorFor(String gpuModel) {
      String type = ACCELERATORS.get(gpuModel);
      if (type == null) {
        throw new IllegalArgumentException("GPU model '" + gpuModel + "' has no GKE accelerator type; known: "
            + new java.util.TreeSet<>(ACCELERATORS.keySet()));
      }
      return type;
    }
  }

  /**
   * @param project            GCP project id
   * @param clusterName        GKE cluster name
   * @param region             region of the (regional) control plane
   * @param zones              zones nodes run in, at least two
   * @param releaseChannel     RAPID, REGULAR or STABLE
   * @param networkId          VPC
   * @param subnetworkId       subnet with the {@code pods} and {@code services} secondary ranges
   * @param masterCidr         /28 of the control plane's private endpoint, outside the VPC ranges
   * @param endpointPublic     whether the control plane has a public endpoint at all
   * @param authorizedCidrs    allow-list of the public endpoint; required and without 0.0.0.0/0 when public
   * @param deletionProtection refuse {@code pulumi destroy} of the cluster
   * @param systemPool         pool for add-ons and the gateway (no taint, no GPU)
   * @param gpuPools           GPU pools, at least one
   * @param tags               labels on every resource (sanitized for GCP)
   */
  public record Args(String project, String clusterName, String region, List<String> zones, String releaseChannel,
      Output<String> networkId, Output<String> subnetworkId, String masterCidr, boolean endpointPublic,
      List<String> authorizedCidrs, boolean deletionProtection, NodePool systemPool, List<NodePool> gpuPools,
      Map<String, String> tags) {
    public Args {
      Objects.requireNonNull(project, "project");
      Objects.requireNonNull(clusterName, "clusterName");
      Objects.requireNonNull(region, "region");
      Objects.requireNonNull(networkId, "networkId");
      Objects.requireNonNull(subnetworkId, "subnetworkId");
      Objects.requireNonNull(systemPool, "systemPool");
      zones = List.copyOf(zones);
      authorizedCidrs = List.copyOf(authorizedCidrs == null ? List.of() : authorizedCidrs);
      gpuPools = List.copyOf(gpuPools);
      tags = Map.copyOf(tags == null ? Map.of() : tags);
      if (!RELEASE_CHANNELS.contains(releaseChannel)) {
        throw new IllegalArgumentException("Release channel '" + releaseChannel + "' is not one of " + new java.util.TreeSet<>(RELEASE_CHANNELS));
      }
      if (Cidr.parse(masterCidr).prefix() != 28) {
        throw new IllegalArgumentException("Control-plane CIDR '" + masterCidr + "' must be a /28, e.g. '172.16.0.0/28'");
      }
      if (zones.size() < 2) {
        throw new IllegalArgumentException("A GKE GPU cluster needs at least 2 zones; got " + zones);
      }
      if (endpointPublic && (authorizedCidrs.isEmpty() || authorizedCidrs.contains("0.0.0.0/0"))) {
        throw new IllegalArgumentException("A public GKE endpoint needs an allow-list without 0.0.0.0/0; got " + authorizedCidrs);
      }
      if (systemPool.acceleratorType() != null) {
        throw new IllegalArgumentException("The system pool runs add-ons and the gateway; give it no accelerator");
      }
      if (gpuPools.isEmpty()) {
        throw new IllegalArgumentException("A GPU cluster needs at least one GPU pool");
      }
      for (NodePool pool : gpuPools) {
        if (pool.acceleratorType() == null) {
          throw new IllegalArgumentException("GPU pool '" + pool.name() + "' has no accelerator; set its GKE accelerator type");
        }
      }
    }

    /** The Workload Identity pool of the project. */
    public String workloadPool() {
      return project + ".svc.id.goog";
    }
  }

  private final Output<String> name;
  private final Output<String> endpoint;
  private final Output<String> kubeconfig;
  private final Output<String> nodeServiceAccount;
  private final String workloadPool;
  private final List<NodePool> pools;
  private final List<com.pulumi.gcp.container.NodePool> nodePools = new ArrayList<>();

  public GpuCluster(String name, Args args, ComponentResourceOptions options) {
    super("gcp", "GpuCluster", name, options);
    var nodeAccount = new Account(name + "-nodes", AccountArgs.builder()
        .project(args.project())
        .accountId(accountId(args.clusterName() + "-nodes"))
        .displayName("GKE nodes of " + args.clusterName())
        .build(), child());
    List<Resource> grants = new ArrayList<>();
    for (String role : NODE_ROLES) {
      grants.add(new IAMMember(name + "-nodes-" + role.substring("roles/".length()).replace('.', '-'), IAMMemberArgs.builder()
          .project(args.project())
          .role(role)
          .member(nodeAccount.email().applyValue(e -> "serviceAccount:" + e))
          .build(), child()));
    }

    var cidrBlocks = args.authorizedCidrs().stream()
        .map(c -> ClusterMasterAuthorizedNetworksConfigCidrBlockArgs.builder().cidrBlock(c).displayName("allow-list " + c).build())
        .toList();
    var cluster = new Cluster(name + "-gke", ClusterArgs.builder()
        .project(args.project())
        .name(args.clusterName())
        .location(args.region())
        .nodeLocations(args.zones())
        .network(args.networkId())
        .subnetwork(args.subnetworkId())
        .networkingMode("VPC_NATIVE")
        .ipAllocationPolicy(ClusterIpAllocationPolicyArgs.builder()
            .clusterSecondaryRangeName(Network.PODS_RANGE)
            .servicesSecondaryRangeName(Network.SERVICES_RANGE)
            .build())
        .privateClusterConfig(ClusterPrivateClusterConfigArgs.builder()
            .enablePrivateNodes(true)
            .enablePrivateEndpoint(!args.endpointPublic())
            .masterIpv4CidrBlock(args.masterCidr())
            .build())
        .masterAuthorizedNetworksConfig(ClusterMasterAuthorizedNetworksConfigArgs.builder()
            .cidrBlocks(cidrBlocks)
            .build())
        .releaseChannel(ClusterReleaseChannelArgs.builder().channel(args.releaseChannel()).build())
        .workloadIdentityConfig(ClusterWorkloadIdentityConfigArgs.builder().workloadPool(args.workloadPool()).build())
        .addonsConfig(ClusterAddonsConfigArgs.builder()
            .gcsFuseCsiDriverConfig(ClusterAddonsConfigGcsFuseCsiDriverConfigArgs.builder().enabled(true).build())
            .build())
        .datapathProvider("ADVANCED_DATAPATH") // Dataplane V2: enforces the workloads' NetworkPolicies
        .enableShieldedNodes(true)
        // GKE needs a node pool at creation; it is removed once the cluster exists and ours take over.
        .removeDefaultNodePool(true)
        .initialNodeCount(1)
        .deletionProtection(args.deletionProtection())
        .resourceLabels(GcpLabels.of(args.tags(), args.clusterName()))
        .build(), child(grants.toArray(Resource[]::new)));

    nodePools.add(nodePool(name, args, args.systemPool(), cluster, nodeAccount));
    for (NodePool pool : args.gpuPools()) {
      nodePools.add(nodePool(name, args, pool, cluster, nodeAccount));
    }

    this.pools = args.gpuPools();
    this.workloadPool = args.workloadPool();
    this.name = cluster.name();
    this.endpoint = cluster.endpoint();
    this.nodeServiceAccount = nodeAccount.email();
    this.kubeconfig = Output.tuple(cluster.name(), cluster.endpoint(), cluster.masterAuth())
        .applyValue(t -> kubeconfig(args.project(), args.region(), t.t1, t.t2, t.t3));
    registerOutputs(Map.of(
        "clusterName", this.name,
        "endpoint", endpoint,
        "nodeServiceAccount", nodeServiceAccount,
        "workloadPool", Output.of(workloadPool)));
  }

  private com.pulumi.gcp.container.NodePool nodePool(String name, Args args, NodePool pool, Cluster cluster, Account nodeAccount) {
    boolean gpu = pool.acceleratorType() != null;
    Map<String, String> labels = NodePools.labels(pool.name(), pool.spot(), pool.labels());
    var node = NodePoolNodeConfigArgs.builder()
        .machineType(pool.machineType())
        .imageType("COS_CONTAINERD")
        .diskType("pd-balanced")
        .diskSizeGb(pool.diskSizeGiB())
        .serviceAccount(nodeAccount.email())
        .oauthScopes("https://www.googleapis.com/auth/cloud-platform") // access is governed by IAM roles, not scopes
        .spot(pool.spot())
        .labels(labels)
        .resourceLabels(GcpLabels.of(args.tags(), args.clusterName() + "-" + pool.name()))
        .workloadMetadataConfig(NodePoolNodeConfigWorkloadMetadataConfigArgs.builder().mode("GKE_METADATA").build())
        .shieldedInstanceConfig(NodePoolNodeConfigShieldedInstanceConfigArgs.builder()
            .enableSecureBoot(true)
            .enableIntegrityMonitoring(true)
            .build());
    if (gpu) {
      node.guestAccelerators(NodePoolNodeConfigGuestAcceleratorArgs.builder()
          .type(pool.acceleratorType())
          .count(pool.acceleratorCount())
          // GKE installs and upgrades the driver matching the node image; no driver DaemonSet of ours.
          .gpuDriverInstallationConfig(NodePoolNodeConfigGuestAcceleratorGpuDriverInstallationConfigArgs.builder()
              .gpuDriverVersion("LATEST")
              .build())
          .build());
      node.taints(NodePoolNodeConfigTaintArgs.builder()
          .key(GPU_TAINT_KEY)
          .value(GPU_TAINT_VALUE)
          .effect("NO_SCHEDULE")
          .build());
    }
    return new com.pulumi.gcp.container.NodePool(name + "-pool-" + pool.name(), NodePoolArgs.builder()
        .project(args.project())
        .cluster(cluster.id())
        .location(args.region())
        .name(pool.name())
        // GKE counts initial nodes per zone but autoscaling totals across zones: the pool starts
        // with desiredNodes spread over the zones and the autoscaler keeps it within [min, max].
        .initialNodeCount(pool.desiredNodes() / args.zones().size())
        .autoscaling(NodePoolAutoscalingArgs.builder()
            .totalMinNodeCount(pool.minNodes())
            .totalMaxNodeCount(pool.maxNodes())
            // Spot and GPU capacity runs out per zone; ANY lets the autoscaler take what is there.
            .locationPolicy(gpu || pool.spot() ? "ANY" : "BALANCED")
            .build())
        .management(NodePoolManagementArgs.builder().autoRepair(true).autoUpgrade(true).build())
        // One node at a time, surge first: a GPU node drains its engine replicas before the next goes.
        .upgradeSettings(NodePoolUpgradeSettingsArgs.builder().maxSurge(1).maxUnavailable(0).build())
        .nodeConfig(node.build())
        .build(), child());
  }

  /**
   * A service account id (6-30 lower-case letters, digits, '-', starting with a letter); a
   * longer text keeps its first 21 characters and gets a stable hash of the whole.
   */
  public static String accountId(String text) {
    String id = text.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    if (!Character.isLetter(id.charAt(0))) {
      id = "g" + id;
    }
    if (id.length() > 30) {
      id = id.substring(0, 21) + "-" + String.format("%08x", id.hashCode());
    }
    while (id.length() < 6) {
      id = id + "-sa";
    }
    return id;
  }

  /** A kubeconfig that authenticates with {@code gke-gcloud-auth-plugin}, so it holds no credentials. */
  static String kubeconfig(String project, String region, String clusterName, String endpoint, ClusterMasterAuth auth) {
    String context = "gke_" + project + "_" + region + "_" + clusterName;
    return ExecKubeconfig.json(context, "https://" + endpoint, auth.clusterCaCertificate().orElse(""),
        "gke-gcloud-auth-plugin", List.of(), true);
  }

  public Output<String> clusterName() {
    return name;
  }

  public Output<String> endpoint() {
    return endpoint;
  }

  /** Kubeconfig JSON for the Kubernetes provider; authenticates through gcloud. */
  public Output<String> kubeconfig() {
    return kubeconfig;
  }

  /** Email of the nodes' service account. */
  public Output<String> nodeServiceAccount() {
    return nodeServiceAccount;
  }

  /** The Workload Identity pool, {@code <project>.svc.id.goog}. */
  public String workloadPool() {
    return workloadPool;
  }

  /** The GPU pools as given. */
  public List<NodePool> gpuPools() {
    return pools;
  }

  /** The node pools, system pool first; workloads depend on them. */
  public List<com.pulumi.gcp.container.NodePool> nodePools() {
    return List.copyOf(nodePools);
  }
}
