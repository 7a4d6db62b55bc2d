package dev.gantry.infra.azure;

import dev.gantry.infra.ExecKubeconfig;
import dev.gantry.infra.NodePools;

import com.pulumi.azurenative.containerservice.AgentPool;
import com.pulumi.azurenative.containerservice.AgentPoolArgs;
import com.pulumi.azurenative.containerservice.ContainerserviceFunctions;
import com.pulumi.azurenative.containerservice.ManagedCluster;
import com.pulumi.azurenative.containerservice.ManagedClusterArgs;
import com.pulumi.azurenative.containerservice.enums.ResourceIdentityType;
import com.pulumi.azurenative.containerservice.inputs.AgentPoolUpgradeSettingsArgs;
import com.pulumi.azurenative.containerservice.inputs.ContainerServiceNetworkProfileArgs;
import com.pulumi.azurenative.containerservice.inputs.ListManagedClusterUserCredentialsArgs;
import com.pulumi.azurenative.containerservice.inputs.ManagedClusterAADProfileArgs;
import com.pulumi.azurenative.containerservice.inputs.ManagedClusterAPIServerAccessProfileArgs;
import com.pulumi.azurenative.containerservice.inputs.ManagedClusterAddonProfileArgs;
import com.pulumi.azurenative.containerservice.inputs.ManagedClusterAgentPoolProfileArgs;
import com.pulumi.azurenative.containerservice.inputs.ManagedClusterAutoUpgradeProfileArgs;
import com.pulumi.azurenative.containerservice.inputs.ManagedClusterIdentityArgs;
import com.pulumi.azurenative.containerservice.inputs.ManagedClusterOIDCIssuerProfileArgs;
import com.pulumi.azurenative.containerservice.inputs.ManagedClusterSKUArgs;
import com.pulumi.azurenative.containerservice.inputs.ManagedClusterSecurityProfileArgs;
import com.pulumi.azurenative.containerservice.inputs.ManagedClusterSecurityProfileWorkloadIdentityArgs;
import com.pulumi.azurenative.containerservice.outputs.ListManagedClusterUserCredentialsResult;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResourceOptions;
import dev.gantry.infra.GantryComponent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;

/**
 * An AKS cluster for GPU serving ({@code gantry:azure:GpuCluster}), the Azure twin of
 * {@code dev.gantry.infra.aws.GpuCluster}: a system-assigned managed identity, Azure CNI in
 * overlay mode with Cilium network policy, the OIDC issuer and Workload Identity (pods get
 * Azure identities through their service accounts), the Key Vault Secrets Store CSI driver,
 * Entra ID authentication with Azure RBAC and local accounts disabled, an API server that is
 * private or open only to an allow-list, and automatic patch upgrades. The system pool runs
 * in the cluster resource; each GPU pool is an agent pool across the zones with autoscaling,
 * the taint {@value #GPU_TAINT_KEY}={@value #GPU_TAINT_VALUE}:NoSchedule and the label
 * {@value #POOL_LABEL}. AKS GPU node images ship the NVIDIA driver.
 */
public final class GpuCluster extends GantryComponent {
  public static final String GPU_TAINT_KEY = dev.gantry.infra.aws.GpuCluster.GPU_TAINT_KEY;
  public static final String GPU_TAINT_VALUE = dev.gantry.infra.aws.GpuCluster.GPU_TAINT_VALUE;
  public static final String POOL_LABEL = dev.gantry.infra.aws.GpuCluster.POOL_LABEL;
  public static final String SYSTEM_POOL = dev.gantry.infra.aws.GpuCluster.SYSTEM_POOL;
  /** Taint AKS puts on every Spot node; pods must tolerate it to land there. */
  public static final String SPOT_TAINT = "kubernetes.azure.com/scalesetpriority=spot:NoSchedule";
  /** Application id of the AKS Entra ID server, the audience kubelogin asks tokens for. */
  static final String AKS_SERVER_ID = "6dae42f8-4368-4678-94ff-3960e28e3630";
  private static final Pattern POOL_NAME = Pattern.compile("[a-z][a-z0-9]{0,11}");

  /**
   * A node pool. AKS agent pool names are 1-12 lower-case letters and digits.
   *
   * @param name         pool name; also the {@value #POOL_LABEL} label value
   * @param vmSize       VM size, e.g. {@code Standard_NC24ads_A100_v4}
   * @param minNodes     autoscaling minimum
   * @param maxNodes     autoscaling maximum
   * @param desiredNodes initial size
   * @param spot         Spot VMs (evicted on price or capacity; AKS adds {@value #SPOT_TAINT})
   * @param diskSizeGiB  OS disk size; GPU nodes cache model weights and large images
   * @param labels       extra node labels
   */
  public record NodePool(String name, String vmSize, int minNodes, int maxNodes, int desiredNodes, boolean spot,
      int diskSizeGiB, Map<String, String> labels) {
    public NodePool {
      Objects.requireNonNull(vmSize, "vmSize");
      if (name == null || !POOL_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("AKS node pool name '" + name
            + "' must be 1-12 lower-case letters and digits, starting with a letter");
      }
      NodePools.checkSizes(name, minNodes, desiredNodes, maxNodes);
      NodePools.checkDisk(name, diskSizeGiB, 30, "OS disk", "AKS");
      labels = new TreeMap<>(labels == null ? Map.of() : labels);
    }
  }

  /**
   * @param resourceGroup      resource group of the cluster
   * @param location           Azure region
   * @param clusterName        AKS cluster name
   * @param kubernetesVersion  e.g. {@code 1.31}
   * @param zones              availability zones the pools span, at least two
   * @param nodeSubnetId       subnet of the nodes
   * @param podCidr            overlay CIDR of the pods (outside the VNet)
   * @param serviceCidr        CIDR of the services (outside the VNet)
   * @param endpointPublic     whether the API server has a public endpoint at all
   * @param authorizedIpRanges allow-list of the public endpoint; required and without 0.0.0.0/0 when public
   * @param systemPool         pool for add-ons and the gateway (no taint)
   * @param gpuPools           GPU pools, at least one
   * @param tags               tags on every resource
   */
  public record Args(Output<String> resourceGroup, String location, String clusterName, String kubernetesVersion,
      List<String> zones, Output<String> nodeSubnetId, String podCidr, String serviceCidr, boolean endpointPublic,
      List<String> authorizedIpRanges, NodePool systemPool, List<NodePool> gpuPools, Map<String, String> tags) {
    public Args {
      Objects.requireNonNull(resourceGroup, "resourceGroup");
      Objects.requireNonNull(location, "location");
      Objects.requireNonNull(clusterName, "clusterName");
      Objects.requireNonNull(kubernetesVersion, "kubernetesVersion");
      Objects.requireNonNull(nodeSubnetId, "nodeSubnetId");
      Objects.requireNonNull(systemPool, "systemPool");
      zones = List.copyOf(zones);
      authorizedIpRanges = List.copyOf(authorizedIpRanges == null ? List.of() : authorizedIpRanges);
      gpuPools = List.copyOf(gpuPools);
      tags = Map.copyOf(tags == null ? Map.of() : tags);
      dev.gantry.infra.aws.Cidr.parse(podCidr);
      dev.gantry.infra.aws.Cidr.parse(serviceCidr);
      if (zones.size() < 2) {
        throw new IllegalArgumentException("An AKS GPU cluster needs at least 2 availability zones; got " + zones);
      }
      if (endpointPublic && (authorizedIpRanges.isEmpty() || authorizedIpRanges.contains("0.0.0.0/0"))) {
        throw new IllegalArgumentException("A public AKS API server needs an allow-list without 0.0.0.0/0; got " + authorizedIpRanges);
      }
      if (gpuPools.isEmpty()) {
        throw new IllegalArgumentException("A GPU cluster needs at least one GPU pool");
      }
    }

    /** The DNS service IP: the tenth address of the service CIDR, as AKS documents. */
    String dnsServiceIp() {
      var c = dev.gantry.infra.aws.Cidr.parse(serviceCidr);
      String base = c.subnet(c.prefix(), 0).toString();
      String ip = base.substring(0, base.indexOf('/'));
      int lastDot = ip.lastIndexOf('.');
      return ip.substring(0, lastDot + 1) + (Integer.parseInt(ip.substring(lastDot + 1)) + 10);
    }
  }

  private final Output<String> name;
  private final Output<String> oidcIssuerUrl;
  private final Output<String> kubeletObjectId;
  private final Output<String> kubeconfig;
  private final List<AgentPool> gpuAgentPools = new ArrayList<>();

  public GpuCluster(String name, Args args, ComponentResourceOptions options) {
    super("azure", "GpuCluster", name, options);
    NodePool sys = args.systemPool();
    var cluster = new ManagedCluster(name + "-aks", ManagedClusterArgs.builder()
        .resourceGroupName(args.resourceGroup())
        .location(args.location())
        .resourceName(args.clusterName())
        .dnsPrefix(args.clusterName())
        .kubernetesVersion(args.kubernetesVersion())
        .sku(ManagedClusterSKUArgs.builder().name("Base").tier("Standard").build()) // Standard tier: uptime SLA
        .identity(ManagedClusterIdentityArgs.builder().type(ResourceIdentityType.SystemAssigned).build())
        .enableRBAC(true)
        .disableLocalAccounts(true)
        .aadProfile(ManagedClusterAADProfileArgs.builder().managed(true).enableAzureRBAC(true).build())
        .networkProfile(ContainerServiceNetworkProfileArgs.builder()
            .networkPlugin("azure")
            .networkPluginMode("overlay")
            .networkPolicy("cilium")
            .networkDataplane("cilium")
            .podCidr(args.podCidr())
            .serviceCidr(args.serviceCidr())
            .dnsServiceIP(args.dnsServiceIp())
            .loadBalancerSku("standard")
            .build())
        .oidcIssuerProfile(ManagedClusterOIDCIssuerProfileArgs.builder().enabled(true).build())
        .securityProfile(ManagedClusterSecurityProfileArgs.builder()
            .workloadIdentity(ManagedClusterSecurityProfileWorkloadIdentityArgs.builder().enabled(true).build())
            .build())
        .addonProfiles(Map.of("azureKeyvaultSecretsProvider", ManagedClusterAddonProfileArgs.builder()
            .enabled(true)
            .config(Map.of("enableSecretRotation", "true", "rotationPollInterval", "2m"))
            .build()))
        .apiServerAccessProfile(ManagedClusterAPIServerAccessProfileArgs.builder()
            .enablePrivateCluster(!args.endpointPublic())
            .authorizedIPRanges(args.endpointPublic() ? args.authorizedIpRanges() : List.of())
            .build())
        .autoUpgradeProfile(ManagedClusterAutoUpgradeProfileArgs.builder().upgradeChannel("patch").build())
        .agentPoolProfiles(ManagedClusterAgentPoolProfileArgs.builder()
            .name(sys.name())
            .mode("System")
            .vmSize(sys.vmSize())
            .osSKU("AzureLinux")
            .osDiskSizeGB(sys.diskSizeGiB())
            .availabilityZones(args.zones())
            .vnetSubnetID(args.nodeSubnetId())
            .enableAutoScaling(true)
            .minCount(sys.minNodes())
            .maxCount(sys.maxNodes())
            .count(sys.desiredNodes())
            .nodeLabels(labels(sys))
            .upgradeSettings(AgentPoolUpgradeSettingsArgs.builder().maxSurge("1").build())
            .build())
        .tags(tags(args.tags(), args.clusterName()))
        .build(), child());

    for (NodePool pool : args.gpuPools()) {
      var builder = AgentPoolArgs.builder()
          .resourceGroupName(args.resourceGroup())
          .resourceName(cluster.name())
          .agentPoolName(pool.name())
          .mode("User")
          .vmSize(pool.vmSize())
          .osType("Linux")
          .osSKU("Ubuntu") // the GPU driver ships with the AKS Ubuntu GPU image
          .osDiskSizeGB(pool.diskSizeGiB())
          .availabilityZones(args.zones())
          .vnetSubnetID(args.nodeSubnetId())
          .enableAutoScaling(true)
          .minCount(pool.minNodes())
          .maxCount(pool.maxNodes())
          .count(pool.desiredNodes())
          .nodeLabels(labels(pool))
          .nodeTaints(GPU_TAINT_KEY + "=" + GPU_TAINT_VALUE + ":NoSchedule")
          // One node at a time: a GPU node drains its engine replicas before the next goes.
          .upgradeSettings(AgentPoolUpgradeSettingsArgs.builder().maxSurge("1").build())
          .tags(tags(args.tags(), args.clusterName() + "-" + pool.name()));
      if (pool.spot()) {
        builder.scaleSetPriority("Spot").scaleSetEvictionPolicy("Delete").spotMaxPrice(-1.0);
      }
      gpuAgentPools.add(new AgentPool(name + "-pool-" + pool.name(), builder.build(), child()));
    }

    this.name = cluster.name();
    this.oidcIssuerUrl = cluster.oidcIssuerProfile().applyValue(p -> p.map(x -> x.issuerURL())
        .orElseThrow(() -> new IllegalStateException("AKS cluster reported no OIDC issuer")));
    this.kubeletObjectId = cluster.identityProfile().applyValue(p -> p.map(m -> m.get("kubeletidentity"))
        .flatMap(k -> k.objectId()).orElseThrow(() -> new IllegalStateException("AKS cluster reported no kubelet identity")));
    this.kubeconfig = Output.tuple(args.resourceGroup(), cluster.name()).applyValue(t -> t)
        .apply(t -> ContainerserviceFunctions.listManagedClusterUserCredentials(ListManagedClusterUserCredentialsArgs.builder()
            .resourceGroupName(t.t1).resourceName(t.t2).build()))
        .applyValue(creds -> kubeconfig(args.clusterName(), creds));
    registerOutputs(Map.of("clusterName", this.name, "oidcIssuerUrl", oidcIssuerUrl));
  }

  private static Map<String, String> labels(NodePool pool) {
    return NodePools.labels(pool.name(), pool.spot(), pool.labels());
  }

  /**
   * A kubeconfig that authenticates with {@code kubelogin} through the Azure CLI, so it holds
   * no credentials; the server and CA come from the cluster's user credentials.
   */
  static String kubeconfig(String clusterName, ListManagedClusterUserCredentialsResult creds) {
    if (creds.kubeconfigs().isEmpty()) {
      throw new IllegalStateException("AKS cluster " + clusterName + " returned no user kubeconfig");
    }
    String yaml = new String(Base64.getDecoder().decode(creds.kubeconfigs().get(0).value()), StandardCharsets.UTF_8);
    Map<String, Object> source = new Yaml().load(yaml);
    @SuppressWarnings("unchecked")
    Map<String, Object> cluster = (Map<String, Object>) ((Map<String, Object>) ((List<Object>) source.get("clusters")).get(0))
        .get("cluster");
    return ExecKubeconfig.json(clusterName, cluster.get("server"), cluster.get("certificate-authority-data"),
        "kubelogin", List.of("get-token", "--login", "azurecli", "--server-id", AKS_SERVER_ID), false);
  }

  public Output<String> clusterName() {
    return name;
  }

  /** The OIDC issuer URL that federated identity credentials trust. */
  public Output<String> oidcIssuerUrl() {
    return oidcIssuerUrl;
  }

  /** Object id of the kubelet identity, which pulls images. */
  public Output<String> kubeletObjectId() {
    return kubeletObjectId;
  }

  /** Kubeconfig JSON for the Kubernetes provider; authenticates through kubelogin and the Azure CLI. */
  public Output<String> kubeconfig() {
    return kubeconfig;
  }

  /** The GPU agent pools (the system pool lives in the cluster resource); workloads depend on them. */
  public List<AgentPool> gpuAgentPools() {
    return List.copyOf(gpuAgentPools);
  }
}
