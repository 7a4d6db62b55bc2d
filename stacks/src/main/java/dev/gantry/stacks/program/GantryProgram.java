package dev.gantry.stacks.program;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.pulumi.Context;
import com.pulumi.Pulumi;
import com.pulumi.core.Output;
import com.pulumi.kubernetes.Provider;
import com.pulumi.kubernetes.ProviderArgs;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import dev.gantry.infra.aws.Database;
import dev.gantry.infra.aws.EbsStorageClass;
import dev.gantry.infra.aws.GpuCluster;
import dev.gantry.infra.aws.ImageRegistry;
import dev.gantry.infra.aws.ModelStorage;
import dev.gantry.infra.aws.Network;
import dev.gantry.infra.aws.SecretStore;
import dev.gantry.infra.aws.ServiceAccountRole;
import dev.gantry.infra.k8s.NamespaceNames;
import dev.gantry.infra.k8s.ServingWorkloads;
import dev.gantry.infra.k8s.WorkloadIdentity;
import dev.gantry.policies.catalog.GpuCatalog;
import dev.gantry.policies.graph.ResourceGraph;
import dev.gantry.stacks.config.StackConfig;
import dev.gantry.stacks.config.StackConfigException;
import dev.gantry.stacks.config.StackConfigParser;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Gantry's Pulumi program: the same code runs under {@code pulumi up} (through
 * {@link #main}, which {@code stacks/Pulumi.yaml} points at) and under the offline planner's
 * mock monitor. It turns a {@link StackConfig} into the cloud's {@link Foundation} (network,
 * GPU cluster, model storage, secrets, database, image registry, workload identities: the
 * same roles on AWS, GCP and Azure), a Kubernetes provider on the new cluster, the same
 * serving workloads on every cloud, and exports the resolved {@code servingSpec} that the
 * gate's LLM-aware rules read.
 */
public final class GantryProgram {
  /** Service-account annotation that binds a Kubernetes service account to an IAM role (IRSA). */
  public static final String IRSA_ANNOTATION = "eks.amazonaws.com/role-arn";
  /**
   * Service account of the External Secrets operator, as the k8s workloads install it
   * ({@code dev.gantry.infra.k8s.SecretSync}); its IRSA role may read the gateway secrets.
   */
  public static final String SECRET_SYNC_SERVICE_ACCOUNT = "external-secrets";
  static final String FORK_JOIN_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

  private final StackConfig config;

  public GantryProgram(StackConfig config) {
    this.config = config;
  }

  /**
   * Entry point under {@code pulumi up}. The Pulumi Java language host cannot pass JVM flags
   * through {@code runtime.options.binary}, so the common-pool parallelism that Pulumi Java
   * needs on small machines (pulumi-java#2270) is set here, before anything uses the pool.
   */
  public static void main(String[] args) {
    if (System.getProperty(FORK_JOIN_PARALLELISM) == null) {
      System.setProperty(FORK_JOIN_PARALLELISM, "4");
    }
    StackConfig config;
    try {
      config = fromEnvironment(System.getenv());
    } catch (StackConfigException e) {
      System.err.println("gantry: " + e.getMessage());
      System.exit(2);
      return;
    }
    Pulumi.run(new GantryProgram(config)::define);
  }

  /**
   * Parses the config the Pulumi CLI hands a program ({@code PULUMI_CONFIG}, a JSON object of
   * fully qualified keys, and {@code PULUMI_CONFIG_SECRET_KEYS}); model files are read from
   * {@code models/} of the project directory ({@code PULUMI_ROOT_DIRECTORY}, else the
   * working directory, which is where the Pulumi CLI starts the program).
   */
  static StackConfig fromEnvironment(Map<String, String> env) {
    Path stacksDir = Path.of(Optional.ofNullable(env.get("PULUMI_ROOT_DIRECTORY")).orElse("")).toAbsolutePath();
    String project = Optional.ofNullable(env.get("PULUMI_PROJECT")).orElse("gantry");
    String stack = Optional.ofNullable(env.get("PULUMI_STACK")).orElseThrow(() ->
        new StackConfigException("PULUMI_STACK is not set: run this program with 'pulumi up -s <stack>' from stacks/, "
            + "or plan it offline with './gantry plan <stack>'"));
    try {
      ObjectMapper json = new ObjectMapper();
      Map<String, String> values = new TreeMap<>();
      String rawConfig = env.get("PULUMI_CONFIG");
      if (rawConfig != null && !rawConfig.isBlank()) {
        json.readTree(rawConfig).fields().forEachRemaining(e -> values.put(e.getKey(), e.getValue().asText()));
      }
      Set<String> secrets = new HashSet<>();
      String rawSecrets = env.get("PULUMI_CONFIG_SECRET_KEYS");
      if (rawSecrets != null && !rawSecrets.isBlank()) {
        for (JsonNode k : json.readTree(rawSecrets)) {
          secrets.add(k.asText());
        }
      }
      return new StackConfigParser(stacksDir.resolve("models"), GpuCatalog.defaultCatalog())
          .parse(project, stack, values, secrets);
    } catch (java.io.IOException e) {
      throw new StackConfigException("PULUMI_CONFIG is not valid JSON: " + e.getMessage(), e);
    }
  }

  /** Declares every resource of the stack. */
  public void define(Context ctx) {
    StackConfig c = config;
    Map<String, String> tags = new TreeMap<>(c.tags());
    tags.put("gantry.dev/stack", c.stack());
    tags.put("gantry.dev/managed-by", "pulumi");
    tags.put("gantry.dev/team", c.onCall().team());
    NamespaceNames namespaces = NamespaceNames.defaults();

    Foundation cloud = switch (c.cloudSettings()) {
      case StackConfig.Aws aws -> aws(ctx, c, tags, namespaces);
      case StackConfig.Gcp gcp -> GcpFoundation.define(ctx, c, gcp, tags, namespaces);
      case StackConfig.Azure azure -> AzureFoundation.define(ctx, c, azure, tags, namespaces);
      case StackConfig.Existing existing -> ExistingCluster.define(ctx, c, existing, namespaces);
    };

    // Workloads go through an explicit provider (the new cluster's, or the configured kubeconfig
    // and context of an existing one), never the ambient kubeconfig.
    var provider = ProviderArgs.builder()
        .kubeconfig(cloud.kubeconfig())
        .enableServerSideApply(true);
    if (cloud.kubeContext() != null) {
      provider.context(cloud.kubeContext());
    }
    var kubernetes = new Provider("kubernetes", provider.build(),
        CustomResourceOptions.builder().dependsOn(cloud.clusterReady()).build());
    List<Resource> beforeWorkloads = new ArrayList<>(cloud.workloadDependencies());
    if (c.cloudSettings() instanceof StackConfig.Aws) {
      // EKS has no default class for CSI volumes; Prometheus's claim binds on this one.
      beforeWorkloads.add(EbsStorageClass.create("default-storage-class",
          CustomResourceOptions.builder().provider(kubernetes).dependsOn(cloud.workloadDependencies()).build()));
    }
    var workloads = new ServingWorkloads("serving", Workloads.args(c, namespaces, cloud.wiring(), grafanaAdminSecretName(c),
        cloud.inClusterDatabase()),
        ComponentResourceOptions.builder().providers(kubernetes).dependsOn(beforeWorkloads).build());

    // The master key's name comes from the foundation that stores it: one source for workloads and spec.
    ctx.export(ResourceGraph.SERVING_SPEC_OUTPUT,
        Output.of(ServingSpecs.toOutputValue(ServingSpecs.of(c, cloud.wiring().masterKeySecret()))));
    ctx.export("clusterName", cloud.clusterName());
    ctx.export("kubeconfig", cloud.kubeconfig());
    if (cloud.wiring().modelBucketUri() != null) {
      ctx.export("modelBucket", Output.of(cloud.wiring().modelBucketUri()));
    }
    ctx.export("gatewayUrl", Output.of("https://" + c.ingress().host()));
    ctx.export("databaseAddress", cloud.databaseAddress());
    ctx.export("servingNamespace", Output.of(namespaces.serving()));
    ctx.export("alerts", Output.of(workloads.alertNames()));
    cloud.exports().forEach(ctx::export);
  }

  /** The AWS foundation: VPC, EKS, S3, Secrets Manager, RDS, ECR and IRSA roles. */
  private static Foundation aws(Context ctx, StackConfig c, Map<String, String> tags, NamespaceNames namespaces) {
    String prefix = c.namePrefix();
    var network = new Network("network", new Network.Args(prefix, c.network().vpcCidr(), c.zones(),
        c.cluster().name(), tags), null);

    var systemPool = c.cluster().systemPool();
    var cluster = new GpuCluster("cluster", new GpuCluster.Args(
        c.cluster().name(), c.region(), c.cluster().kubernetesVersion(), network.vpcId(), network.privateSubnetIds(),
        c.cluster().endpointPublic(), c.cluster().publicAccessCidrs(), c.cluster().logRetentionDays(),
        new GpuCluster.NodePool(GpuCluster.SYSTEM_POOL, systemPool.instanceType(), "AL2023_x86_64_STANDARD",
            systemPool.minNodes(), systemPool.maxNodes(), systemPool.desiredNodes(), false, systemPool.diskSizeGiB(), Map.of()),
        c.cluster().gpuPools().stream().map(p -> new GpuCluster.NodePool(p.name(), p.instanceType().name(), p.amiType(),
            p.minNodes(), p.maxNodes(), p.desiredNodes(), p.spot(), p.diskSizeGiB(),
            Map.of("gantry.dev/gpu", p.instanceType().gpuModel()))).toList(),
        tags), null);

    var storage = new ModelStorage("models", new ModelStorage.Args(c.storage().bucketName(), prefix,
        c.storage().forceDestroy(), tags), null);

    var gantryConfig = ctx.config("gantry");
    var db = c.database();
    var database = new Database("gateway-db", new Database.Args(prefix + "-gateway", db.engineVersion(), db.instanceClass(),
        db.allocatedStorageGiB(), db.maxAllocatedStorageGiB(), db.backupRetentionDays(), db.multiAz(),
        db.deletionProtection(), network.vpcId(), network.privateSubnetIds(), cluster.clusterSecurityGroupId(),
        gantryConfig.requireSecret("databasePassword"), tags), null);

    var secrets = new SecretStore("secrets", new SecretStore.Args(secretPrefix(c),
        secret(gantryConfig, "gatewayMasterKey", c.secrets().gatewayMasterKey()),
        secret(gantryConfig, "hfToken", c.secrets().hfToken()),
        Optional.of(database.connectionUrl()),
        grafanaAdminSecretName(c), secret(gantryConfig, "grafanaAdminPassword", c.secrets().grafanaAdminPassword()),
        c.secrets().recoveryWindowDays(), tags), null);

    ImageRegistry registry = c.images().createRepositories()
        ? new ImageRegistry("images", new ImageRegistry.Args("gantry", List.of("engine", "gateway"), tags), null)
        : null;

    var engineRole = new ServiceAccountRole("engine-irsa", new ServiceAccountRole.Args(prefix + "-engine",
        cluster.oidcProviderArn(), cluster.oidcIssuerHostPath(), namespaces.serving(), ServingWorkloads.ENGINE_SERVICE_ACCOUNT,
        List.of(
            new ServiceAccountRole.Grant(List.of("s3:ListBucket"), List.of(storage.bucketArn())),
            new ServiceAccountRole.Grant(List.of("s3:GetObject"), List.of(storage.bucketArn().applyValue(a -> a + "/*"))),
            new ServiceAccountRole.Grant(List.of("kms:Decrypt"), List.of(storage.kmsKeyArn()))),
        tags), null);
    var secretSyncRole = new ServiceAccountRole("secret-sync-irsa", new ServiceAccountRole.Args(prefix + "-secret-sync",
        cluster.oidcProviderArn(), cluster.oidcIssuerHostPath(), namespaces.system(), SECRET_SYNC_SERVICE_ACCOUNT,
        List.of(
            new ServiceAccountRole.Grant(List.of("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"),
                List.of(secrets.arn(SecretStore.GATEWAY_MASTER_KEY), secrets.arn(SecretStore.GATEWAY_DATABASE_URL),
                    secrets.arn(SecretStore.GRAFANA_ADMIN))),
            new ServiceAccountRole.Grant(List.of("kms:Decrypt"), List.of(secrets.kmsKeyArn()))),
        tags), null);

    Map<String, Output<?>> exports = new LinkedHashMap<>();
    exports.put("engineRoleArn", engineRole.roleArn());
    if (registry != null) {
      exports.put("engineRepository", registry.repositoryUrl("engine"));
      exports.put("gatewayRepository", registry.repositoryUrl("gateway"));
    }
    return new Foundation(cluster.clusterName(), cluster.kubeconfig(), List.copyOf(cluster.nodeGroups()), database.address(),
        // metrics-server backs the gateway's CPU HPA, the EBS CSI driver Prometheus's volume.
        concat(List.of(secrets, database), cluster.addons()),
        Workloads.aws(c, secretPrefix(c), WorkloadIdentity.of(IRSA_ANNOTATION, engineRole.roleArn()),
            WorkloadIdentity.of(IRSA_ANNOTATION, secretSyncRole.roleArn())),
        exports);
  }

  /** Secrets Manager name of the Grafana admin password: a DNS label, as Grafana's ExternalSecret needs. */
  static String grafanaAdminSecretName(StackConfig c) {
    return "gantry-" + c.stack() + "-grafana-admin";
  }

  /** Secrets Manager name prefix of the stack's secrets. */
  static String secretPrefix(StackConfig c) {
    return "gantry/" + c.stack();
  }

  private static List<Resource> concat(List<? extends Resource> a, List<? extends Resource> b) {
    List<Resource> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  private static Optional<Output<String>> secret(com.pulumi.Config config, String key, boolean present) {
    return present ? Optional.of(config.requireSecret(key)) : Optional.empty();
  }
}
