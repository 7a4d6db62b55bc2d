package dev.gantry.infra.aws;

import dev.gantry.infra.ExecKubeconfig;
import dev.gantry.infra.NodePools;

import com.pulumi.aws.cloudwatch.LogGroup;
import com.pulumi.aws.cloudwatch.LogGroupArgs;
import com.pulumi.aws.eks.Addon;
import com.pulumi.aws.eks.AddonArgs;
import com.pulumi.aws.eks.Cluster;
import com.pulumi.aws.eks.ClusterArgs;
import com.pulumi.aws.eks.NodeGroup;
import com.pulumi.aws.eks.NodeGroupArgs;
import com.pulumi.aws.eks.inputs.ClusterAccessConfigArgs;
import com.pulumi.aws.eks.inputs.ClusterEncryptionConfigArgs;
import com.pulumi.aws.eks.inputs.ClusterEncryptionConfigProviderArgs;
import com.pulumi.aws.eks.inputs.ClusterVpcConfigArgs;
import com.pulumi.aws.eks.inputs.NodeGroupScalingConfigArgs;
import com.pulumi.aws.eks.inputs.NodeGroupTaintArgs;
import com.pulumi.aws.eks.inputs.NodeGroupUpdateConfigArgs;
import com.pulumi.aws.eks.outputs.ClusterCertificateAuthority;
import com.pulumi.aws.eks.outputs.ClusterIdentity;
import com.pulumi.aws.eks.outputs.ClusterVpcConfig;
import com.pulumi.aws.iam.OpenIdConnectProvider;
import com.pulumi.aws.iam.OpenIdConnectProviderArgs;
import com.pulumi.aws.iam.Role;
import com.pulumi.aws.iam.RoleArgs;
import com.pulumi.aws.iam.RolePolicyAttachment;
import com.pulumi.aws.iam.RolePolicyAttachmentArgs;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.Resource;
import dev.gantry.infra.GantryComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * An EKS cluster for GPU serving ({@code gantry:aws:GpuCluster}): the control plane with
 * Kubernetes secrets envelope-encrypted by a customer KMS key, all control-plane log types
 * sent to CloudWatch, and an API endpoint that is private or public only to an allow-list;
 * an IAM OIDC provider for IRSA; a system managed node group for cluster add-ons and the
 * gateway; and one managed node group per GPU pool, running the NVIDIA GPU AMI and tainted
 * {@value #GPU_TAINT_KEY}={@value #GPU_TAINT_VALUE}:NoSchedule so only pods that tolerate
 * it (the engines) land on GPUs. Each node carries the label {@value #POOL_LABEL}.
 *
 * <p>Two EKS add-ons the workloads need and EKS does not install: {@value #METRICS_SERVER}
 * (the resource metrics API behind the gateway's CPU autoscaler) and {@value #EBS_CSI_DRIVER}
 * with its own IRSA role (persistent volumes: Prometheus's storage binds through it, on the
 * {@link EbsStorageClass}).
 */
public final class GpuCluster extends GantryComponent {
  public static final String GPU_TAINT_KEY = "nvidia.com/gpu";
  public static final String GPU_TAINT_VALUE = "present";
  public static final String POOL_LABEL = NodePools.POOL_LABEL;
  public static final String SYSTEM_POOL = "system";
  /** Every control-plane log type EKS offers; audit and authenticator logs matter most in an incident. */
  public static final List<String> LOG_TYPES = List.of("api", "audit", "authenticator", "controllerManager", "scheduler");
  /** AMI types that carry the NVIDIA driver and container toolkit. */
  public static final Set<String> GPU_AMI_TYPES = Set.of("AL2023_x86_64_NVIDIA", "AL2_x86_64_GPU", "BOTTLEROCKET_x86_64_NVIDIA");
  public static final String DEFAULT_GPU_AMI_TYPE = "AL2023_x86_64_NVIDIA";
  /** EKS add-on serving {@code metrics.k8s.io}; without it a CPU HPA reports unknown metrics and never scales. */
  public static final String METRICS_SERVER = "metrics-server";
  /** EKS add-on provisioning EBS volumes for PersistentVolumeClaims (the in-tree EBS plugin is gone). */
  public static final String EBS_CSI_DRIVER = "aws-ebs-csi-driver";
  /** Service account of the EBS CSI controller, which assumes the driver's IRSA role. */
  public static final String EBS_CSI_SERVICE_ACCOUNT = "ebs-csi-controller-sa";
  /** AWS-managed policy with the EC2 volume and snapshot permissions the EBS CSI driver needs. */
  public static final String EBS_CSI_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy";

  /**
   * A node pool.
   *
   * @param name         pool name, a DNS label; also the {@value #POOL_LABEL} label value
   * @param instanceType EC2 instance type
   * @param amiType      EKS AMI type (a {@link #GPU_AMI_TYPES GPU AMI type} for GPU pools)
   * @param minNodes     autoscaling minimum
   * @param maxNodes     autoscaling maximum
   * @param desiredNodes initial size
   * @param spot         use spot capacity
   * @param diskSizeGiB  root volume size; GPU nodes cache model weights and large images
   * @param labels       extra node labels
   */
  public record NodePool(String name, String instanceType, String amiType, int minNodes, int maxNodes,
      int desiredNodes, boolean spot, int diskSizeGiB, Map<String, String> labels) {
    public NodePool {
      Objects.requireNonNull(instanceType, "instanceType");
      Objects.requireNonNull(amiType, "amiType");
      NodePools.checkName(name);
      NodePools.checkSizes(name, minNodes, desiredNodes, maxNodes);
      NodePools.checkDisk(name, diskSizeGiB, 20, "disk", "EKS");
      labels = new TreeMap<>(labels == null ? Map.of() : labels);
    }
  }

  /**
   * @param clusterName        EKS cluster name
   * @param region             AWS region (for the kubeconfig's token command)
   * @param kubernetesVersion  e.g. {@code 1.31}
   * @param vpcId              VPC of the cluster
   * @param privateSubnetIds   subnets of the control-plane interfaces and all nodes
   * @param endpointPublic     whether the API endpoint is reachable from the internet at all
   * @param publicAccessCidrs  allow-list of the public endpoint; required and without
   *                           {@code 0.0.0.0/0} when {@code endpointPublic}
   * @param logRetentionDays   retention of the control-plane log group
   * @param systemPool         pool for add-ons and the gateway (no taint)
   * @param gpuPools           GPU pools, at least one
   * @param tags               tags on every resource
   */
  public record Args(String clusterName, String region, String kubernetesVersion, Output<String> vpcId,
      Output<List<String>> privateSubnetIds, boolean endpointPublic, List<String> publicAccessCidrs,
      int logRetentionDays, NodePool systemPool, List<NodePool> gpuPools, Map<String, String> tags) {
    public Args {
      Objects.requireNonNull(clusterName, "clusterName");
      Objects.requireNonNull(region, "region");
      Objects.requireNonNull(kubernetesVersion, "kubernetesVersion");
      Objects.requireNonNull(vpcId, "vpcId");
      Objects.requireNonNull(privateSubnetIds, "privateSubnetIds");
      Objects.requireNonNull(systemPool, "systemPool");
      publicAccessCidrs = List.copyOf(publicAccessCidrs == null ? List.of() : publicAccessCidrs);
      gpuPools = List.copyOf(gpuPools);
      tags = Map.copyOf(tags == null ? Map.of() : tags);
      if (endpointPublic && (publicAccessCidrs.isEmpty() || publicAccessCidrs.contains("0.0.0.0/0"))) {
        throw new IllegalArgumentException("A public EKS endpoint needs an allow-list without 0.0.0.0/0; got " + publicAccessCidrs);
      }
      if (gpuPools.isEmpty()) {
        throw new IllegalArgumentException("A GPU cluster needs at least one GPU pool");
      }
      for (NodePool pool : gpuPools) {
        if (!GPU_AMI_TYPES.contains(pool.amiType())) {
          throw new IllegalArgumentException("GPU pool '" + pool.name() + "' AMI type '" + pool.amiType()
              + "' has no NVIDIA driver; use one of " + new java.util.TreeSet<>(GPU_AMI_TYPES));
        }
      }
    }
  }

  private final Output<String> name;
  private final Output<String> endpoint;
  private final Output<String> kubeconfig;
  private final Output<String> oidcProviderArn;
  private final Output<String> oidcIssuerHostPath;
  private final Output<String> clusterSecurityGroupId;
  private final Output<String> nodeRoleArn;
  private final List<NodeGroup> nodeGroups = new ArrayList<>();
  private final List<Addon> addons = new ArrayList<>();

  public GpuCluster(String name, Args args, ComponentResourceOptions options) {
    super("aws", "GpuCluster", name, options);
    var secretsKey = Kms.customerKey(name + "-secrets",
        "Envelope encryption of Kubernetes secrets in EKS cluster " + args.clusterName(),
        tags(args.tags(), args.clusterName() + "-secrets"), child());

    var clusterRole = new Role(name + "-control-plane", RoleArgs.builder()
        .assumeRolePolicy(Iam.serviceTrust("eks.amazonaws.com"))
        .tags(tags(args.tags(), args.clusterName() + "-control-plane"))
        .build(), child());
    var clusterPolicy = new RolePolicyAttachment(name + "-control-plane", RolePolicyAttachmentArgs.builder()
        .role(clusterRole.name())
        .policyArn("arn:aws:iam::aws:policy/AmazonEKSClusterPolicy")
        .build(), child());

    // Created before the cluster so we own its retention (EKS would create it without one).
    var logs = new LogGroup(name + "-control-plane-logs", LogGroupArgs.builder()
        .name("/aws/eks/" + args.clusterName() + "/cluster")
        .retentionInDays(args.logRetentionDays())
        .tags(tags(args.tags(), args.clusterName() + "-control-plane-logs"))
        .build(), child());

    var cluster = new Cluster(name + "-eks", ClusterArgs.builder()
        .name(args.clusterName())
        .version(args.kubernetesVersion())
        .roleArn(clusterRole.arn())
        .vpcConfig(ClusterVpcConfigArgs.builder()
            .subnetIds(args.privateSubnetIds())
            .endpointPrivateAccess(true)
            .endpointPublicAccess(args.endpointPublic())
            .publicAccessCidrs(args.endpointPublic() ? args.publicAccessCidrs() : List.of())
            .build())
        .encryptionConfig(ClusterEncryptionConfigArgs.builder()
            .resources("secrets")
            .provider(ClusterEncryptionConfigProviderArgs.builder().keyArn(secretsKey.arn()).build())
            .build())
        .enabledClusterLogTypes(LOG_TYPES)
        .accessConfig(ClusterAccessConfigArgs.builder()
            .authenticationMode("API_AND_CONFIG_MAP")
            .bootstrapClusterCreatorAdminPermissions(true)
            .build())
        .tags(tags(args.tags(), args.clusterName()))
        .build(), child(clusterPolicy, logs));

    Output<String> issuerUrl = cluster.identities().applyValue(GpuCluster::issuer);
    var oidc = new OpenIdConnectProvider(name + "-oidc", OpenIdConnectProviderArgs.builder()
        .url(issuerUrl)
        .clientIdLists("sts.amazonaws.com")
        .tags(tags(args.tags(), args.clusterName() + "-oidc"))
        .build(), child());

    var nodeRole = new Role(name + "-nodes", RoleArgs.builder()
        .assumeRolePolicy(Iam.serviceTrust("ec2.amazonaws.com"))
        .tags(tags(args.tags(), args.clusterName() + "-nodes"))
        .build(), child());
    List<Resource> nodePolicies = new ArrayList<>();
    for (String policy : List.of("AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly")) {
      nodePolicies.add(new RolePolicyAttachment(name + "-nodes-" + policy, RolePolicyAttachmentArgs.builder()
          .role(nodeRole.name())
          .policyArn("arn:aws:iam::aws:policy/" + policy)
          .build(), child()));
    }
    Resource[] afterPolicies = nodePolicies.toArray(Resource[]::new);

    nodeGroups.add(nodeGroup(name, args, args.systemPool(), cluster, nodeRole, false, afterPolicies));
    for (NodePool pool : args.gpuPools()) {
      nodeGroups.add(nodeGroup(name, args, pool, cluster, nodeRole, true, afterPolicies));
    }

    // Add-ons run on nodes: created after the node groups so they become ACTIVE, not DEGRADED.
    Resource[] afterNodes = nodeGroups.toArray(Resource[]::new);
    addons.add(new Addon(name + "-" + METRICS_SERVER, AddonArgs.builder()
        .clusterName(cluster.name())
        .addonName(METRICS_SERVER)
        .resolveConflictsOnCreate("OVERWRITE")
        .resolveConflictsOnUpdate("PRESERVE")
        .tags(tags(args.tags(), args.clusterName() + "-" + METRICS_SERVER))
        .build(), child(afterNodes)));

    Output<String> ebsTrust = Output.tuple(oidc.arn(), issuerUrl)
        .applyValue(t -> Iam.webIdentityTrust(t.t1, t.t2.replaceFirst("^https://", ""), "kube-system",
            EBS_CSI_SERVICE_ACCOUNT));
    var ebsRole = new Role(name + "-ebs-csi", RoleArgs.builder()
        .assumeRolePolicy(ebsTrust)
        .tags(tags(args.tags(), args.clusterName() + "-ebs-csi"))
        .build(), child());
    var ebsPolicy = new RolePolicyAttachment(name + "-ebs-csi", RolePolicyAttachmentArgs.builder()
        .role(ebsRole.name())
        .policyArn(EBS_CSI_POLICY_ARN)
        .build(), child());
    List<Resource> beforeEbs = new ArrayList<>(nodeGroups);
    beforeEbs.add(ebsPolicy);
    addons.add(new Addon(name + "-" + EBS_CSI_DRIVER, AddonArgs.builder()
        .clusterName(cluster.name())
        .addonName(EBS_CSI_DRIVER)
        .serviceAccountRoleArn(ebsRole.arn())
        .resolveConflictsOnCreate("OVERWRITE")
        .resolveConflictsOnUpdate("PRESERVE")
        .tags(tags(args.tags(), args.clusterName() + "-" + EBS_CSI_DRIVER))
        .build(), child(beforeEbs.toArray(Resource[]::new))));

    this.name = cluster.name();
    this.endpoint = cluster.endpoint();
    this.oidcProviderArn = oidc.arn();
    this.oidcIssuerHostPath = issuerUrl.applyValue(url -> url.replaceFirst("^https://", ""));
    this.clusterSecurityGroupId = cluster.vpcConfig().applyValue(GpuCluster::clusterSecurityGroup);
    this.nodeRoleArn = nodeRole.arn();
    this.kubeconfig = Output.tuple(cluster.name(), cluster.endpoint(), cluster.certificateAuthority())
        .applyValue(t -> kubeconfig(t.t1, t.t2, t.t3, args.region()));
    registerOutputs(Map.of(
        "clusterName", this.name,
        "endpoint", endpoint,
        "oidcProviderArn", oidcProviderArn,
        "nodeRoleArn", nodeRoleArn));
  }

  private NodeGroup nodeGroup(String name, Args args, NodePool pool, Cluster cluster, Role nodeRole, boolean gpu,
      Resource[] dependsOn) {
    Map<String, String> labels = NodePools.labels(pool.name(), pool.spot(), pool.labels());
    var builder = NodeGroupArgs.builder()
        .clusterName(cluster.name())
        .nodeGroupName(args.clusterName() + "-" + pool.name())
        .nodeRoleArn(nodeRole.arn())
        .subnetIds(args.privateSubnetIds())
        .instanceTypes(pool.instanceType())
        .amiType(pool.amiType())
        .capacityType(pool.spot() ? "SPOT" : "ON_DEMAND")
        .diskSize(pool.diskSizeGiB())
        .scalingConfig(NodeGroupScalingConfigArgs.builder()
            .minSize(pool.minNodes())
            .maxSize(pool.maxNodes())
            .desiredSize(pool.desiredNodes())
            .build())
        // One node at a time: a GPU node drains its engine replicas before the next goes.
        .updateConfig(NodeGroupUpdateConfigArgs.builder().maxUnavailable(1).build())
        .labels(labels)
        .tags(tags(args.tags(), args.clusterName() + "-" + pool.name()));
    if (gpu) {
      builder.taints(NodeGroupTaintArgs.builder()
          .key(GPU_TAINT_KEY)
          .value(GPU_TAINT_VALUE)
          .effect("NO_SCHEDULE")
          .build());
    }
    return new NodeGroup(name + "-pool-" + pool.name(), builder.build(), child(dependsOn));
  }

  private static String issuer(List<ClusterIdentity> identities) {
    return identities.stream()
        .flatMap(id -> id.oidcs().stream())
        .flatMap(oidc -> oidc.issuer().stream())
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("EKS cluster reported no OIDC issuer"));
  }

  private static String clusterSecurityGroup(ClusterVpcConfig config) {
    return config.clusterSecurityGroupId().orElseThrow(
        () -> new IllegalStateException("EKS cluster reported no cluster security group"));
  }

  /** A kubeconfig that authenticates with {@code aws eks get-token}, so it holds no credentials. */
  static String kubeconfig(String clusterName, String endpoint, ClusterCertificateAuthority ca, String region) {
    return ExecKubeconfig.json(clusterName, endpoint, ca.data().orElse(""), "aws",
        List.of("eks", "get-token", "--cluster-name", clusterName, "--region", region), false);
  }

  public Output<String> clusterName() {
    return name;
  }

  public Output<String> endpoint() {
    return endpoint;
  }

  /** Kubeconfig JSON for the Kubernetes provider; authenticates through the AWS CLI. */
  public Output<String> kubeconfig() {
    return kubeconfig;
  }

  public Output<String> oidcProviderArn() {
    return oidcProviderArn;
  }

  /** The OIDC issuer without {@code https://}, as IAM condition keys spell it. */
  public Output<String> oidcIssuerHostPath() {
    return oidcIssuerHostPath;
  }

  public Output<String> clusterSecurityGroupId() {
    return clusterSecurityGroupId;
  }

  public Output<String> nodeRoleArn() {
    return nodeRoleArn;
  }

  /** The EKS add-ons (metrics-server, EBS CSI driver); workloads that autoscale or claim volumes depend on them. */
  public List<Addon> addons() {
    return List.copyOf(addons);
  }

  /** The managed node groups, system pool first; workloads depend on them. */
  public List<NodeGroup> nodeGroups() {
    return List.copyOf(nodeGroups);
  }
}
