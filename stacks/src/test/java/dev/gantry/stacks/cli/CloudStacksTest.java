package dev.gantry.stacks.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.GraphJson;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.ResourceGraph;
import dev.gantry.policies.graph.Values;
import dev.gantry.stacks.config.StackCatalog;
import dev.gantry.stacks.plan.Planner;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GCP, Azure and dev example stacks end to end: each plans offline into a complete graph
 * whose key properties hold (GPU pools tainted with accelerators, storage versioned and
 * private, database backups on, secrets never in plain text; dev: no cloud resource, CPU
 * engine, the kubeconfig's cluster), passes the gate as shipped, and fails it once broken.
 */
class CloudStacksTest {
  static final Path STACKS = Path.of("").toAbsolutePath();
  static ResourceGraph gcp;
  static ResourceGraph azure;
  static ResourceGraph dev;
  static ResourceGraph aws;

  @TempDir
  Path repo;

  @BeforeAll
  static void planOnce() {
    Planner planner = new Planner(StackCatalog.at(STACKS));
    gcp = planner.plan("gcp-prod").graph();
    azure = planner.plan("azure-prod").graph();
    dev = planner.plan("dev").graph();
    aws = planner.plan("aws-prod").graph();
  }

  static Resource one(ResourceGraph graph, String type, String name) {
    return graph.ofType(type).stream().filter(r -> r.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + type + " " + name));
  }

  static void assertServingLayers(ResourceGraph graph) {
    assertThat(graph.resources()).extracting(Resource::type).contains("gantry:k8s:ServingWorkloads", "gantry:k8s:Edge",
        "gantry:k8s:Gateway", "gantry:k8s:ModelEngine", "gantry:k8s:Monitoring", "gantry:k8s:SecretSync",
        "kubernetes:networking.k8s.io/v1:Ingress", "kubernetes:apps/v1:Deployment", "pulumi:providers:kubernetes");
    assertThat(graph.ofType("kubernetes:apps/v1:Deployment")).extracting(Resource::name)
        .contains("gantry-gateway", "gantry-engine-llama-3-1-8b-instruct", "gantry-engine-qwen2-5-1-5b-instruct");
  }

  @Test
  void gcpProd_plansEveryRole() {
    assertThat(gcp.resources()).extracting(Resource::type).contains(
        "gantry:gcp:Network", "gantry:gcp:GpuCluster", "gantry:gcp:ModelStorage", "gantry:gcp:Secrets",
        "gantry:gcp:Database", "gantry:gcp:ImageRegistry", "gantry:gcp:ServiceAccountIdentity",
        "gcp:container/cluster:Cluster", "gcp:sql/databaseInstance:DatabaseInstance", "gcp:storage/bucket:Bucket",
        "gcp:artifactregistry/repository:Repository", "gcp:secretmanager/secret:Secret");
    assertThat(gcp.ofType("gcp:container/nodePool:NodePool")).hasSize(3);
    assertServingLayers(gcp);
  }

  @Test
  void gcpProd_gpuPoolsCarryAcceleratorsAndTaints() {
    for (String pool : List.of("a100", "l4")) {
      JsonNode node = one(gcp, "gcp:container/nodePool:NodePool", "cluster-pool-" + pool).input("nodeConfig");
      assertThat(node.path("guestAccelerators").get(0).path("type").asText())
          .isEqualTo(pool.equals("a100") ? "nvidia-tesla-a100" : "nvidia-l4");
      assertThat(node.path("taints").get(0).path("key").asText()).isEqualTo("nvidia.com/gpu");
      assertThat(node.path("taints").get(0).path("effect").asText()).isEqualTo("NO_SCHEDULE");
      assertThat(node.path("labels").path("gantry.dev/pool").asText()).isEqualTo(pool);
    }
    assertThat(one(gcp, "gcp:container/nodePool:NodePool", "cluster-pool-l4").input("nodeConfig.spot").asBoolean()).isTrue();
  }

  @Test
  void gcpProd_storageDatabaseAndSecretsAreSafe() {
    Resource bucket = one(gcp, "gcp:storage/bucket:Bucket", "models-bucket");
    assertThat(bucket.input("versioning.enabled").asBoolean()).isTrue();
    assertThat(bucket.input("publicAccessPrevention").asText()).isEqualTo("enforced");
    Resource db = one(gcp, "gcp:sql/databaseInstance:DatabaseInstance", "gateway-db-instance");
    assertThat(db.input("settings.backupConfiguration.enabled").asBoolean()).isTrue();
    assertThat(db.input("settings.backupConfiguration.pointInTimeRecoveryEnabled").asBoolean()).isTrue();
    assertThat(db.input("settings.ipConfiguration.ipv4Enabled").asBoolean(true)).isFalse();
    assertThat(gcp.ofType("gcp:secretmanager/secretVersion:SecretVersion")).isNotEmpty()
        .allSatisfy(v -> assertThat(Values.isSecret(v.input("secretData"))).as(v.name()).isTrue());
    assertThat(Values.isSecret(one(gcp, "gcp:sql/user:User", "gateway-db-user").input("password"))).isTrue();
  }

  @Test
  void azureProd_plansEveryRole() {
    assertThat(azure.resources()).extracting(Resource::type).contains(
        "gantry:azure:Network", "gantry:azure:GpuCluster", "gantry:azure:ModelStorage", "gantry:azure:Secrets",
        "gantry:azure:Database", "gantry:azure:ImageRegistry", "gantry:azure:WorkloadIdentity",
        "azure-native:resources:ResourceGroup", "azure-native:containerservice:ManagedCluster",
        "azure-native:dbforpostgresql:Server", "azure-native:storage:StorageAccount", "azure-native:keyvault:Vault",
        "azure-native:containerregistry:Registry");
    assertThat(azure.ofType("azure-native:containerservice:AgentPool")).hasSize(2);
    assertServingLayers(azure);
  }

  @Test
  void azureProd_gpuPoolsTaintedStoragePrivateAndVersionedBackupsOnSecretsHidden() {
    for (String pool : List.of("a100", "t4")) {
      Resource agentPool = one(azure, "azure-native:containerservice:AgentPool", "cluster-pool-" + pool);
      assertThat(agentPool.input("nodeTaints").get(0).asText()).isEqualTo("nvidia.com/gpu=present:NoSchedule");
      assertThat(agentPool.input("nodeLabels").path("gantry.dev/pool").asText()).isEqualTo(pool);
      assertThat(agentPool.input("vmSize").asText()).startsWith("Standard_NC");
    }
    assertThat(one(azure, "azure-native:storage:StorageAccount", "models-account").input("allowBlobPublicAccess").asBoolean(true))
        .isFalse();
    assertThat(one(azure, "azure-native:storage:BlobServiceProperties", "models-blob-service").input("isVersioningEnabled")
        .asBoolean()).isTrue();
    Resource db = one(azure, "azure-native:dbforpostgresql:Server", "gateway-db-server");
    assertThat(db.input("backup.backupRetentionDays").asInt()).isEqualTo(14);
    assertThat(Values.isSecret(db.input("administratorLoginPassword"))).isTrue();
    assertThat(azure.ofType("azure-native:keyvault:Secret")).isNotEmpty()
        .allSatisfy(sec -> assertThat(Values.isSecret(sec.input("properties.value"))).as(sec.name()).isTrue());
  }

  @Test
  void azureProd_passesTheGate_andFailsItWhenAModelNoLongerFitsItsGpu() throws IOException {
    Path stacks = copyStacks("azure-prod");
    Run shipped = gate(stacks, "azure-prod");
    assertThat(shipped.exit()).as(shipped.out() + shipped.err()).isZero();

    Path file = stacks.resolve("Pulumi.azure-prod.yaml");
    Files.writeString(file, Files.readString(file).replace("maxNumSeqs: 32 ", "maxNumSeqs: 128 "));
    Run broken = gate(stacks, "azure-prod");
    assertThat(broken.exit()).as(broken.err()).isEqualTo(GantryCli.FAILED);
    assertThat(broken.out()).contains("GNT-LLM-001", "does not fit pool 't4'", "NOT READY");
  }

  // ---- the gate, on a copy of the stacks directory ------------------------------------

  Path copyStacks(String stack) throws IOException {
    Path stacks = Files.createDirectories(repo.resolve("stacks"));
    for (String dir : new String[] {"models", "attestations"}) {
      Files.createDirectories(stacks.resolve(dir));
      try (Stream<Path> files = Files.list(STACKS.resolve(dir))) {
        for (Path f : files.toList()) {
          Files.copy(f, stacks.resolve(dir).resolve(f.getFileName()));
        }
      }
    }
    for (String f : new String[] {"Pulumi.yaml", "Pulumi." + stack + ".yaml"}) {
      Files.copy(STACKS.resolve(f), stacks.resolve(f));
    }
    return stacks;
  }

  record Run(int exit, String out, String err) {}

  static Run gate(Path stacks, String stack) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = GantryCli.run(new PrintWriter(out, true), new PrintWriter(err, true), "--stacks-dir", stacks.toString(),
        "gate", stack);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void gcpProd_passesTheGate_andFailsItWhenAModelNoLongerFitsItsGpu() throws IOException {
    Path stacks = copyStacks("gcp-prod");
    Run shipped = gate(stacks, "gcp-prod");
    assertThat(shipped.exit()).as(shipped.out() + shipped.err()).isZero();
    assertThat(shipped.out()).endsWith("READY: no blocking finding, every mandatory checklist item met.\n");

    Path file = stacks.resolve("Pulumi.gcp-prod.yaml");
    Files.writeString(file, Files.readString(file).replace("maxNumSeqs: 16", "maxNumSeqs: 256"));
    Run broken = gate(stacks, "gcp-prod");
    assertThat(broken.exit()).as(broken.err()).isEqualTo(GantryCli.FAILED);
    assertThat(broken.out()).contains("GNT-LLM-001", "does not fit pool 'a100'", "NOT READY");
  }

  // ---- dev: an existing cluster, no cloud ------------------------------------------------

  @Test
  void dev_plansACompleteGraph_withoutAnyCloudResource() {
    assertThat(dev.resources()).extracting(Resource::type)
        .noneMatch(t -> t.startsWith("aws:") || t.startsWith("gcp:") || t.startsWith("azure-native:")
            || t.startsWith("pulumi:providers:aws") || t.startsWith("pulumi:providers:gcp") || t.startsWith("pulumi:providers:azure"))
        .contains("gantry:k8s:Namespaces", "gantry:k8s:InClusterDatabase", "kubernetes:postgresql.cnpg.io/v1:Cluster",
            "kubernetes:core/v1:Secret", "gantry:k8s:Monitoring", "kubernetes:cert-manager.io/v1:ClusterIssuer");
    assertThat(dev.resources()).extracting(Resource::type).contains("gantry:k8s:ServingWorkloads", "gantry:k8s:Edge",
        "gantry:k8s:Gateway", "gantry:k8s:ModelEngine", "kubernetes:networking.k8s.io/v1:Ingress",
        "kubernetes:core/v1:Namespace", "pulumi:providers:kubernetes");
    assertThat(dev.ofType("kubernetes:helm.sh/v3:Release")).extracting(Resource::name)
        .contains("ingress-nginx", "cert-manager", "kube-prometheus-stack", "cloudnative-pg")
        .doesNotContain("nvidia-device-plugin", "external-secrets");
    assertThat(dev.ofType("kubernetes:apps/v1:Deployment")).extracting(Resource::name)
        .containsExactlyInAnyOrder("gantry-gateway", "gantry-engine-qwen2-5-0-5b-instruct");
  }

  @Test
  void dev_everyKubernetesResourceGoesThroughTheConfiguredKubeconfigAndContext() {
    Resource provider = one(dev, "pulumi:providers:kubernetes", "kubernetes");
    assertThat(provider.input("kubeconfig").asText()).isEqualTo("~/.kube/config");
    assertThat(provider.input("context").asText()).isEqualTo("kind-gantry");
    assertThat(dev.resources()).filteredOn(r -> r.type().startsWith("kubernetes:")).isNotEmpty()
        .allSatisfy(r -> assertThat(r.provider()).as(r.type() + " " + r.name()).contains("pulumi:providers:kubernetes::kubernetes"));
  }

  @Test
  void dev_engineRunsOnCpu_withNoGpuRequestTaintOrNodeSelector() {
    JsonNode pod = one(dev, "kubernetes:apps/v1:Deployment", "gantry-engine-qwen2-5-0-5b-instruct").input("spec.template.spec");
    assertThat(pod.has("nodeSelector")).isFalse();
    assertThat(pod.has("tolerations")).isFalse();
    JsonNode engine = pod.path("containers").get(0);
    assertThat(engine.path("resources").path("limits").path("nvidia.com/gpu").isMissingNode()).isTrue();
    assertThat(engine.path("resources").path("requests").path("nvidia.com/gpu").isMissingNode()).isTrue();
    assertThat(engine.path("resources").path("limits").path("cpu").asText()).isEqualTo("2");
    assertThat(engine.path("resources").path("limits").path("memory").asText()).isEqualTo("4Gi");
    assertThat(engine.path("args").toString()).contains("\"serve\"", "--device=cpu", "--threads=2");
    assertThat(pod.path("initContainers").get(0).path("command").toString())
        .contains("Qwen/Qwen2.5-0.5B-Instruct", "7ae557604adf67be50417f59c2c2f167def9a775");
    var spec = dev.servingSpec().orElseThrow();
    assertThat(spec.cloud()).isEqualTo("none");
    assertThat(spec.gpuPools()).isEmpty();
    assertThat(spec.models()).singleElement().satisfies(m -> assertThat(m.onCpu()).isTrue());
  }

  @Test
  void dev_secretsAreKubernetesSecretsOfPulumiSecrets() {
    assertThat(dev.ofType("kubernetes:core/v1:Secret")).extracting(Resource::name)
        .containsExactlyInAnyOrder("gantry-gateway-secrets", "grafana-admin", "gantry-db-credentials");
    assertThat(dev.ofType("kubernetes:core/v1:Secret"))
        .allSatisfy(sec -> assertThat(Values.isSecret(sec.input("stringData"))).as(sec.name()).isTrue());
    assertThat(GraphJsonText.of(dev)).doesNotContain("PLACEHOLDER");
  }

  @Test
  void dev_passesTheGate_andFailsItWhenTheModelNoLongerFitsItsMemory() throws IOException {
    Path stacks = copyStacks("dev");
    Run shipped = gate(stacks, "dev");
    assertThat(shipped.exit()).as(shipped.out() + shipped.err()).isZero();
    assertThat(shipped.out()).doesNotContain("GNT-LLM-001", "blocking]", "waived]");

    Path file = stacks.resolve("Pulumi.dev.yaml");
    Files.writeString(file, Files.readString(file).replace("cpu: 2 ", "memory: 2Gi\n      cpu: 2 "));
    Run broken = gate(stacks, "dev");
    assertThat(broken.exit()).as(broken.err()).isEqualTo(GantryCli.FAILED);
    assertThat(broken.out()).contains("GNT-LLM-011", "does not fit its memory limit 2.0 GiB", "NOT READY")
        .doesNotContain("GNT-LLM-001");
  }

  @Test
  void dev_withMonitoringOff_plansNoPrometheus_andTheGateSaysWhatIsMissing() throws IOException {
    Path stacks = copyStacks("dev");
    Path file = stacks.resolve("Pulumi.dev.yaml");
    Files.writeString(file, Files.readString(file).replace("    enabled: true ", "    enabled: false "));
    Run off = gate(stacks, "dev");
    assertThat(off.exit()).as(off.err()).isEqualTo(GantryCli.FAILED);
    // Nothing scrapes engines and gateway (GNT-OBS-001), no alert rules (002), no dashboards (003).
    assertThat(off.out()).contains("PRE-08", "GNT-OBS-001", "GNT-OBS-002", "GNT-OBS-003", "NOT READY");
  }

  // ---- one source of truth, every stack ----------------------------------------------

  @Test
  void masterKeySecretOfTheServingSpec_isTheSecretTheGatewayReadsItFrom_onEveryStack() {
    for (ResourceGraph graph : List.of(aws, gcp, azure)) {
      String planned = one(graph, "kubernetes:external-secrets.io/v1beta1:ExternalSecret", "gantry-gateway-secrets")
          .input("spec.data").findValues("remoteRef").stream()
          .filter(r -> !r.path("key").asText().contains("database")).findFirst().orElseThrow().path("key").asText();
      assertThat(graph.servingSpec().orElseThrow().gateway().masterKeySecret()).as(graph.stack()).isEqualTo(planned);
    }
    JsonNode env = one(dev, "kubernetes:apps/v1:Deployment", "gantry-gateway").input("spec.template.spec.containers[0].env");
    String devSecret = env.findValues("secretKeyRef").get(0).path("name").asText();
    assertThat(dev.servingSpec().orElseThrow().gateway().masterKeySecret()).isEqualTo(devSecret);
    assertThat(dev.ofType("kubernetes:core/v1:Secret")).extracting(Resource::name).contains(devSecret);
  }

  // ---- spot and pinned images -----------------------------------------------------------

  @Test
  void azureProd_enginesOnTheSpotPool_tolerateTheAksSpotTaint_othersDoNot() {
    JsonNode t4 = one(azure, "kubernetes:apps/v1:Deployment", "gantry-engine-qwen2-5-1-5b-instruct")
        .input("spec.template.spec.tolerations");
    assertThat(t4.findValuesAsText("key")).containsExactly("nvidia.com/gpu", "kubernetes.azure.com/scalesetpriority");
    assertThat(t4.get(1).path("value").asText()).isEqualTo("spot");
    assertThat(t4.get(1).path("effect").asText()).isEqualTo("NoSchedule");
    assertThat(one(azure, "azure-native:containerservice:AgentPool", "cluster-pool-t4").input("scaleSetPriority").asText())
        .isEqualTo("Spot");
    JsonNode a100 = one(azure, "kubernetes:apps/v1:Deployment", "gantry-engine-llama-3-1-8b-instruct")
        .input("spec.template.spec.tolerations");
    assertThat(a100.findValuesAsText("key")).containsExactly("nvidia.com/gpu");
    assertThat(azure.servingSpec().orElseThrow().gpuPools()).filteredOn(p -> p.name().equals("t4"))
        .singleElement().satisfies(p -> assertThat(p.spot()).isTrue());
  }

  @Test
  void gcpProd_imagesInItsImmutableArtifactRegistry_passGnt021WithoutAWaiver() throws IOException {
    Run shipped = gate(copyStacks("gcp-prod"), "gcp-prod");
    assertThat(shipped.out()).doesNotContain("GNT-K8S-021", "GNT-K8S-022");
    assertThat(Files.readString(STACKS.resolve("attestations/gcp-prod.yaml"))).doesNotContain("rule:");
  }

  /** The plan JSON as text, to assert no placeholder secret leaked. */
  static final class GraphJsonText {
    static String of(ResourceGraph graph) {
      return GraphJson.write(graph);
    }
  }
}
