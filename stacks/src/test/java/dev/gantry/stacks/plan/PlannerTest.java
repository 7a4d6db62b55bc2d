package dev.gantry.stacks.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.GraphJson;
import dev.gantry.policies.graph.GraphSource;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.ResourceGraph;
import dev.gantry.policies.graph.Values;
import dev.gantry.stacks.config.StackCatalog;
import dev.gantry.stacks.program.ServingSpecs;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The aws-prod stack planned offline: the graph's structure, facts and serialization. */
class PlannerTest {
  static Planner planner;
  static Planner.Plan plan;
  static ResourceGraph graph;

  @BeforeAll
  static void planOnce() {
    planner = new Planner(StackCatalog.at(Path.of("")));
    plan = planner.plan("aws-prod");
    graph = plan.graph();
  }

  static Resource one(String type, String name) {
    return graph.ofType(type).stream().filter(r -> r.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + type + " " + name));
  }

  @Test
  void plan_recordsEveryLayerOfTheStack() {
    assertThat(graph.source()).isEqualTo(GraphSource.PLAN);
    assertThat(graph.project()).isEqualTo("gantry");
    assertThat(graph.stack()).isEqualTo("aws-prod");
    assertThat(graph.resources()).extracting(Resource::type).contains(
        "gantry:aws:Network", "gantry:aws:GpuCluster", "gantry:aws:ModelStorage", "gantry:aws:Secrets",
        "gantry:aws:Database", "gantry:aws:ImageRegistry", "gantry:aws:ServiceAccountRole", "gantry:k8s:ServingWorkloads",
        "aws:eks/cluster:Cluster", "aws:eks/nodeGroup:NodeGroup", "aws:rds/instance:Instance",
        "kubernetes:apps/v1:Deployment", "kubernetes:networking.k8s.io/v1:Ingress", "pulumi:providers:kubernetes");
    assertThat(graph.ofType("aws:eks/nodeGroup:NodeGroup")).hasSize(3);
    assertThat(graph.ofType("aws:ec2/subnet:Subnet")).hasSize(6);
  }

  @Test
  void plan_recordsParentsDependenciesAndExplicitProviders() {
    Resource cluster = one("gantry:aws:GpuCluster", "cluster");
    Resource gpuPool = one("aws:eks/nodeGroup:NodeGroup", "cluster-pool-l40s");
    assertThat(cluster.parent()).as("top-level components hang off the stack").isNull();
    assertThat(cluster.custom()).isFalse();
    assertThat(gpuPool.parent()).isEqualTo(cluster.urn());
    assertThat(gpuPool.dependencies()).contains(one("aws:eks/cluster:Cluster", "cluster-eks").urn());
    String provider = graph.ofType("pulumi:providers:kubernetes").get(0).urn();
    assertThat(graph.resources()).filteredOn(r -> r.type().startsWith("kubernetes:"))
        .isNotEmpty()
        .allSatisfy(r -> assertThat(r.provider()).isEqualTo(provider));
    assertThat(graph.resources()).filteredOn(r -> r.type().startsWith("aws:"))
        .allSatisfy(r -> assertThat(r.provider()).as("default AWS provider").isNull());
  }

  @Test
  void plan_gpuNodeGroups_carryTaintAmiAndPoolLabel() {
    Resource l4 = one("aws:eks/nodeGroup:NodeGroup", "cluster-pool-l4");
    assertThat(l4.input("amiType").asText()).isEqualTo("AL2023_x86_64_NVIDIA");
    assertThat(l4.input("capacityType").asText()).isEqualTo("SPOT");
    assertThat(l4.input("taints[0].key").asText()).isEqualTo("nvidia.com/gpu");
    assertThat(l4.input("taints[0].effect").asText()).isEqualTo("NO_SCHEDULE");
    assertThat(l4.input("labels").path("gantry.dev/pool").asText()).isEqualTo("l4");
    assertThat(l4.input("instanceTypes[0]").asText()).isEqualTo("g6.xlarge");
  }

  @Test
  void plan_engineDeployments_carryTheServedModelNameAsLabel() {
    // Rules match engines to servingSpec models through this label.
    assertThat(graph.ofType("kubernetes:apps/v1:Deployment"))
        .extracting(d -> d.input("spec.template.metadata.labels").path("gantry.dev/model").asText())
        .contains("llama-3.1-8b-instruct", "qwen2.5-1.5b-instruct");
  }

  @Test
  void plan_config_isFullyQualifiedWithJsonValuesAndRedactedSecrets() {
    assertThat(graph.configValue("aws:region").asText()).isEqualTo("us-east-1");
    assertThat(graph.configValue("gantry:cluster").path("gpuPools").isArray()).isTrue();
    assertThat(Values.isSecret(graph.configValue("gantry:hfToken"))).isTrue();
    assertThat(GraphJson.write(graph)).doesNotContain("PLACEHOLDER", Planner.SECRET_PLACEHOLDER);
    Resource dbUrl = one("aws:secretsmanager/secretVersion:SecretVersion", "secrets-gateway-database-url-value");
    assertThat(Values.isSecret(dbUrl.input("secretString"))).isTrue();
  }

  @Test
  void plan_exportsTheResolvedServingSpec() {
    String masterKey = one("kubernetes:external-secrets.io/v1beta1:ExternalSecret", "gantry-gateway-secrets")
        .input("spec.data[0].remoteRef.key").asText();
    assertThat(graph.servingSpec()).contains(ServingSpecs.of(plan.stack().config(), masterKey));
    var spec = graph.servingSpec().orElseThrow();
    assertThat(spec.models()).extracting(m -> m.name() + "@" + m.pool() + " tp" + m.tensorParallelSize())
        .containsExactly("llama-3.1-8b-instruct@l40s tp1", "qwen2.5-1.5b-instruct@l4 tp1");
    assertThat(spec.gpuPools()).extracting(p -> p.gpuModel() + " " + p.gpuMemoryGiB()).containsExactly("L40S 48.0", "L4 24.0");
  }

  @Test
  void plan_mockOutputsResolveDependents() {
    Resource engineRole = one("aws:iam/role:Role", "engine-irsa-role");
    assertThat(engineRole.input("assumeRolePolicy").asText())
        .contains("system:serviceaccount:gantry-serving:gantry-engine", "oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/");
    Resource secretSync = one("aws:iam/role:Role", "secret-sync-irsa-role");
    assertThat(secretSync.input("assumeRolePolicy").asText()).contains("system:serviceaccount:gantry-system:external-secrets");
    JsonNode kubeconfig = graph.ofType("pulumi:providers:kubernetes").get(0).input("kubeconfig");
    assertThat(kubeconfig.asText()).contains("\"server\":\"https://", "eks get-token".replace(" ", "\",\""));
  }

  @Test
  void plan_secretSyncServiceAccount_matchesTheIrsaTrust() {
    // The External Secrets chart must create the service account our IRSA role trusts.
    Resource release = graph.ofType("kubernetes:helm.sh/v3:Release").stream()
        .filter(r -> r.input("chart").asText().equals("external-secrets")).findFirst().orElseThrow();
    assertThat(release.input("values.serviceAccount.name").asText()).isEqualTo("external-secrets");
    assertThat(release.input("namespace").asText()).isEqualTo("gantry-system");
  }

  @Test
  void planJson_roundTripsAndIsByteIdenticalAcrossRuns() {
    String json = GraphJson.write(graph);
    ResourceGraph read = GraphJson.read(json);
    assertThat(read).isEqualTo(graph);
    assertThat(GraphJson.write(read)).isEqualTo(json);
    String again = GraphJson.write(planner.plan("aws-prod").graph());
    assertThat(again).isEqualTo(json);
  }

  @Test
  void printer_showsTreeFactsAndSummary() {
    String tree = PlanPrinter.tree(graph);
    assertThat(tree).startsWith("aws-prod (project gantry)\n")
        .contains("├─ cluster  gantry:aws:GpuCluster", "cluster-pool-l4  aws:eks:NodeGroup  [g6.xlarge, SPOT, nodes 2..6 (desired 2)",
            "taint nvidia.com/gpu=present:NO_SCHEDULE", "backups 14 d", "hosts llm.example.com, TLS");
    assertThat(PlanPrinter.summary(graph)).startsWith(graph.resources().size() + " resources (aws ")
        .contains("GPUs l40s: 2x L40S (2..4), l4: 2x L4 (2..6) spot", "/month at desired size");
    assertThat(List.of(PlanPrinter.shortType("aws:eks/nodeGroup:NodeGroup"), PlanPrinter.shortType("gantry:aws:Network")))
        .containsExactly("aws:eks:NodeGroup", "gantry:aws:Network");
  }

  @Test
  void printer_devStack_notesTheCpuEngineInsteadOfGpus() {
    String tree = PlanPrinter.tree(planner.plan("dev").graph());
    assertThat(tree).contains("gantry-engine-qwen2-5-0-5b-instruct  kubernetes:apps:Deployment  [CPU engine, cpu 2, memory 4Gi]")
        .doesNotContain("GPU per pod");
  }
}
