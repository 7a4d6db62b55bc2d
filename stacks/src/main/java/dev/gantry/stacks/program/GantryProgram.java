package dev.gantry.stacks.program;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.pulumi.Context;
import com.pulumi.Pulumi;
import com.pulumi.core.Output;
import com.pulumi.kubernetes.Provider;
import com.pulumi.kubernetes.ProviderArgs;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import dev.gantry.infra.aws.Database;
import dev.gantry.infra.aws.GpuCluster;
import dev.gantry.infra.aws.ImageRegistry;
import dev.gantry.infra.aws.ModelStorage;
import dev.gantry.infra.aws.Network;
import dev.gantry.infra.aws.SecretStore;
import dev.gantry.infra.aws.ServiceAccountRole;
import dev.gantry.policies.catalog.GpuCatalog;
import dev.gantry.policies.graph.ResourceGraph;
import dev.gantry.stacks.config.StackConfig;
import dev.gantry.stacks.config.StackConfigException;
import dev.gantry.stacks.config.StackConfigParser;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Gantry's Pulumi program: the same code runs under {@code pulumi up} (through
 * {@link #main}, which {@code stacks/Pulumi.yaml} points at) and under the offline planner's
 * mock monitor. It turns a {@link StackConfig} into the AWS foundation (network, GPU
 * cluster, model storage, secrets, database, image registry, IRSA roles), a Kubernetes
 * provider on the new cluster, and exports the resolved {@code servingSpec} that the gate's
 * LLM-aware rules read.
 */
public final class GantryProgram {
  /** Namespace of engines and gateway; the IRSA roles trust service accounts in it. */
  public static final String SERVING_NAMESPACE = "gantry";
  public static final String ENGINE_SERVICE_ACCOUNT = "gantry-engine";
  public static final String GATEWAY_SERVICE_ACCOUNT = "gantry-gateway";
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
    StackConfig config = fromEnvironment(Path.of("").toAbsolutePath());
    Pulumi.run(new GantryProgram(config)::define);
  }

  /**
   * Parses the config the Pulumi CLI hands a program ({@code PULUMI_CONFIG}, a JSON object of
   * fully qualified keys, and {@code PULUMI_CONFIG_SECRET_KEYS}); model files are read from
   * {@code stacksDir/models}.
   */
  static StackConfig fromEnvironment(Path stacksDir) {
    String project = Optional.ofNullable(System.getenv("PULUMI_PROJECT")).orElse("gantry");
    String stack = Optional.ofNullable(System.getenv("PULUMI_STACK")).orElseThrow(() ->
        new StackConfigException("PULUMI_STACK is not set: run this program with 'pulumi up -s <stack>' from stacks/, "
            + "or plan it offline with './gantry plan <stack>'"));
    try {
      ObjectMapper json = new ObjectMapper();
      Map<String, String> values = new TreeMap<>();
      String rawConfig = System.getenv("PULUMI_CONFIG");
      if (rawConfig != null && !rawConfig.isBlank()) {
        json.readTree(rawConfig).fields().forEachRemaining(e -> values.put(e.getKey(), e.getValue().asText()));
      }
      Set<String> secrets = new HashSet<>();
      String rawSecrets = System.getenv("PULUMI_CONFIG_SECRET_KEYS");
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
    String prefix = c.namePrefix();
    Map<String, String> tags = new TreeMap<>(c.tags());
    tags.put("gantry.dev/stack", c.stack());
    tags.put("gantry.dev/managed-by", "pulumi");
    tags.put("gantry.dev/team", c.onCall().team());

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
    var secrets = new SecretStore("secrets", new SecretStore.Args("gantry/" + c.stack(),
        secret(gantryConfig, "gatewayMasterKey", c.secrets().gatewayMasterKey()),
        secret(gantryConfig, "hfToken", c.secrets().hfToken()),
        c.secrets().recoveryWindowDays(), tags), null);

    var db = c.database();
    var database = new Database("gateway-db", new Database.Args(prefix + "-gateway", db.engineVersion(), db.instanceClass(),
        db.allocatedStorageGiB(), db.maxAllocatedStorageGiB(), db.backupRetentionDays(), db.multiAz(),
        db.deletionProtection(), network.vpcId(), network.privateSubnetIds(), cluster.clusterSecurityGroupId(), tags), null);

    ImageRegistry registry = c.images().usesEcr()
        ? new ImageRegistry("images", new ImageRegistry.Args("gantry", List.of("engine", "gateway"), tags), null)
        : null;

    var engineRole = new ServiceAccountRole("engine-irsa", new ServiceAccountRole.Args(prefix + "-engine",
        cluster.oidcProviderArn(), cluster.oidcIssuerHostPath(), SERVING_NAMESPACE, ENGINE_SERVICE_ACCOUNT, List.of(
            new ServiceAccountRole.Grant(List.of("s3:ListBucket"), List.of(storage.bucketArn())),
            new ServiceAccountRole.Grant(List.of("s3:GetObject"), List.of(storage.bucketArn().applyValue(a -> a + "/*"))),
            new ServiceAccountRole.Grant(List.of("kms:Decrypt"), List.of(storage.kmsKeyArn(), secrets.kmsKeyArn())),
            new ServiceAccountRole.Grant(List.of("secretsmanager:GetSecretValue"), List.of(secrets.arn(SecretStore.HF_TOKEN)))),
        tags), null);
    var gatewayRole = new ServiceAccountRole("gateway-irsa", new ServiceAccountRole.Args(prefix + "-gateway",
        cluster.oidcProviderArn(), cluster.oidcIssuerHostPath(), SERVING_NAMESPACE, GATEWAY_SERVICE_ACCOUNT, List.of(
            new ServiceAccountRole.Grant(List.of("secretsmanager:GetSecretValue"),
                List.of(secrets.arn(SecretStore.GATEWAY_MASTER_KEY), database.masterUserSecretArn())),
            new ServiceAccountRole.Grant(List.of("kms:Decrypt"), List.of(secrets.kmsKeyArn()))),
        tags), null);

    // Workloads go through an explicit provider on the new cluster, never the ambient kubeconfig.
    var kubernetes = new Provider("kubernetes", ProviderArgs.builder()
        .kubeconfig(cluster.kubeconfig())
        .enableServerSideApply(true)
        .build(), CustomResourceOptions.builder().dependsOn(cluster.nodeGroups().toArray(Resource[]::new)).build());

    ctx.export(ResourceGraph.SERVING_SPEC_OUTPUT, Output.of(ServingSpecs.toOutputValue(ServingSpecs.of(c))));
    ctx.export("clusterName", cluster.clusterName());
    ctx.export("kubeconfig", cluster.kubeconfig());
    ctx.export("modelBucket", storage.uri());
    ctx.export("gatewayUrl", Output.of("https://" + c.ingress().host()));
    ctx.export("databaseAddress", database.address());
    ctx.export("engineRoleArn", engineRole.roleArn());
    ctx.export("gatewayRoleArn", gatewayRole.roleArn());
    if (registry != null) {
      ctx.export("engineRepository", registry.repositoryUrl("engine"));
      ctx.export("gatewayRepository", registry.repositoryUrl("gateway"));
    }
    workloads(c, kubernetes);
  }

  /** The Kubernetes workloads on the new cluster. */
  private void workloads(StackConfig c, Provider kubernetes) {
    // Wired to dev.gantry.infra.k8s.ServingWorkloads once it lands on main.
  }

  private static Optional<Output<String>> secret(com.pulumi.Config config, String key, boolean present) {
    return present ? Optional.of(config.requireSecret(key)) : Optional.empty();
  }
}
