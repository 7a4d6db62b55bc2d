package dev.gantry.policies.rules;

import static dev.gantry.policies.rules.Stacks.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.policies.rules.k8s.*;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Positive cases of the Kubernetes hygiene rules: break one thing in the compliant stack, expect the rule to say so. */
class KubernetesRulesTest {
  private static List<String> messages(Stacks s, Rule rule) {
    List<Finding> findings = s.run(rule);
    findings.forEach(f -> assertThat(f.ruleId()).isEqualTo(rule.id()));
    return findings.stream().map(Finding::message).toList();
  }

  @Test
  void k8s001_whenLivenessProbeMissing_reportsContainer() {
    Stacks s = Stacks.compliant();
    s.container("gateway").remove("livenessProbe");
    assertThat(messages(s, new ProbesPresent())).containsExactly("Deployment 'gateway', container 'gateway': no liveness probe");
  }

  @Test
  void k8s002_whenLivenessEqualsReadiness_reportsIt() {
    Stacks s = Stacks.compliant();
    ObjectNode c = s.container("engine-llama-8b");
    c.set("livenessProbe", c.get("readinessProbe").deepCopy());
    assertThat(messages(s, new ProbesDiffer())).singleElement().asString().contains("identical");
  }

  @Test
  void k8s003_whenStartupProbeMissing_reportsIt_advisoryByDefault() {
    Stacks s = Stacks.compliant();
    s.container("gateway").remove("startupProbe");
    List<Finding> f = s.run(new StartupProbePresent());
    assertThat(f).singleElement().satisfies(x -> {
      assertThat(x.message()).contains("no startup probe");
      assertThat(x.enforcement()).isEqualTo(Enforcement.ADVISORY);
    });
  }

  @Test
  void k8s004_whenMemoryLimitMissing_namesTheField() {
    Stacks s = Stacks.compliant();
    ((ObjectNode) s.container("gateway").path("resources").path("limits")).remove("memory");
    assertThat(messages(s, new ResourcesBounded())).singleElement().asString().contains("resources.limits.memory");
  }

  @Test
  void k8s005_whenGpuRequestDiffersFromLimit_reportsBoth() {
    Stacks s = Stacks.compliant();
    ((ObjectNode) s.container("engine-llama-70b").path("resources").path("requests")).put("nvidia.com/gpu", 2);
    assertThat(messages(s, new GpuRequestEqualsLimit())).singleElement().asString().contains("request 2 differs from limit 4");
  }

  @Test
  void k8s006_whenOneReplicaAndHpaMinOne_reportsIt() {
    Stacks s = Stacks.compliant();
    s.obj("Deployment", "gateway", "spec").put("replicas", 1);
    s.obj("HorizontalPodAutoscaler", "gateway", "spec").put("minReplicas", 1);
    assertThat(messages(s, new MinReplicas())).singleElement().asString().contains("runs 1 replica");
  }

  @Test
  void k8s007_whenPdbRemoved_reportsUncoveredDeployment() {
    Stacks s = Stacks.compliant().without("PodDisruptionBudget", "gateway");
    assertThat(messages(s, new PdbPresent())).singleElement().asString().contains("'gateway'").contains("no PodDisruptionBudget");
  }

  @Test
  void k8s007_whenPdbSelectorDoesNotMatch_reportsUncoveredDeployment() {
    Stacks s = Stacks.compliant();
    s.obj("PodDisruptionBudget", "gateway", "spec.selector.matchLabels").put("app.kubernetes.io/component", "gatewy");
    assertThat(messages(s, new PdbPresent())).singleElement().asString().contains("'gateway'");
  }

  @Test
  void k8s008_whenMaxUnavailableZero_reportsBlockedDrains() {
    Stacks s = Stacks.compliant();
    s.obj("PodDisruptionBudget", "engine-llama-8b", "spec").put("maxUnavailable", 0);
    assertThat(messages(s, new PdbSane())).singleElement().asString().contains("node drains hang");
  }

  @Test
  void k8s008_whenMinAvailableEqualsReplicas_reportsIt() {
    Stacks s = Stacks.compliant();
    s.obj("PodDisruptionBudget", "gateway", "spec").put("minAvailable", 2);
    assertThat(messages(s, new PdbSane())).singleElement().asString().contains("minAvailable 2").contains("only 2 replica");
  }

  @Test
  void k8s009_whenHpaTargetsMissingDeployment_namesTarget() {
    Stacks s = Stacks.compliant();
    s.obj("HorizontalPodAutoscaler", "gateway", "spec.scaleTargetRef").put("name", "gateway-old");
    assertThat(messages(s, new HpaTargetExists())).singleElement().asString().contains("'gateway-old'").contains("not in the stack");
  }

  @Test
  void k8s010_whenEngineHasNoHpa_reportsIt() {
    Stacks s = Stacks.compliant().without("HorizontalPodAutoscaler", "engine-llama-8b");
    assertThat(messages(s, new HpaPresent())).singleElement().asString().contains("engine Deployment 'engine-llama-8b'");
  }

  @Test
  void k8s011_whenNoZoneSpread_reportsIt() {
    Stacks s = Stacks.compliant();
    s.podSpec("gateway").remove("topologySpreadConstraints");
    assertThat(messages(s, new ZoneSpread())).singleElement().asString().contains("topology.kubernetes.io/zone");
  }

  @Test
  void k8s012_whenDefaultRollingUpdate_reportsDefaultMaxUnavailable() {
    Stacks s = Stacks.compliant();
    s.obj("Deployment", "engine-llama-8b", "spec").remove("strategy");
    assertThat(messages(s, new RollingUpdateSafe())).singleElement().asString().contains("maxUnavailable 25% (default)");
  }

  @Test
  void k8s012_whenRecreate_reportsOutage() {
    Stacks s = Stacks.compliant();
    s.obj("Deployment", "gateway", "spec").set("strategy", json("{'type':'Recreate'}"));
    assertThat(messages(s, new RollingUpdateSafe())).singleElement().asString().contains("Recreate");
  }

  @Test
  void k8s013_whenRunAsRoot_reportsIt() {
    Stacks s = Stacks.compliant();
    ((ObjectNode) s.podSpec("gateway").path("securityContext")).removeAll();
    ObjectNode sc = s.container("gateway").putObject("securityContext");
    sc.put("readOnlyRootFilesystem", true);
    assertThat(messages(s, new RunAsNonRoot())).singleElement().asString().contains("runAsNonRoot is not set");
  }

  @Test
  void k8s014_whenRootFsWritable_reportsIt() {
    Stacks s = Stacks.compliant();
    s.container("gateway").set("securityContext", json("{'runAsNonRoot':true,'allowPrivilegeEscalation':false}"));
    assertThat(messages(s, new ReadOnlyRootFs())).singleElement().asString().contains("readOnlyRootFilesystem");
  }

  @Test
  void k8s015_whenPrivileged_reportsIt() {
    Stacks s = Stacks.compliant();
    s.container("engine-llama-8b").set("securityContext", json("{'privileged':true}"));
    assertThat(messages(s, new NoPrivilegeEscalation())).singleElement().asString().contains("privileged");
  }

  @Test
  void k8s016_whenCapabilitiesNotDropped_reportsIt() {
    Stacks s = Stacks.compliant();
    s.container("gateway").set("securityContext", json("{'capabilities':{'add':['SYS_ADMIN']}}"));
    assertThat(messages(s, new CapabilitiesDropped())).singleElement().asString().contains("SYS_ADMIN");
  }

  @Test
  void k8s017_whenNoSeccompProfile_reportsIt() {
    Stacks s = Stacks.compliant();
    ((ObjectNode) s.podSpec("gateway").path("securityContext")).remove("seccompProfile");
    assertThat(messages(s, new SeccompRuntimeDefault())).singleElement().asString().contains("no seccomp profile");
  }

  @Test
  void k8s018_whenPasswordIsLiteralEnvValue_reportsName_evenWhenPulumiSecret() {
    Stacks s = Stacks.compliant();
    ((com.fasterxml.jackson.databind.node.ArrayNode) s.container("gateway").path("env"))
        .add(json("{'name':'DATABASE_PASSWORD','value':'hunter2'}"))
        .add(json("{'name':'DSN','value':{'$secret':true}}"));
    assertThat(messages(s, new NoLiteralSecretEnv())).singleElement().asString().contains("[DATABASE_PASSWORD, DSN]");
  }

  @Test
  void k8s019_whenNoNetworkPolicy_reportsEveryWorkload() {
    Stacks s = Stacks.compliant().without("NetworkPolicy", null);
    assertThat(messages(s, new NetworkPolicyPresent())).hasSize(3).allMatch(m -> m.contains("not selected by any NetworkPolicy"));
  }

  @Test
  void k8s020_whenInDefaultNamespace_reportsIt() {
    Stacks s = Stacks.compliant();
    s.obj("ConfigMap", "gateway-config", "metadata").remove("namespace");
    assertThat(messages(s, new NotDefaultNamespace())).containsExactly("ConfigMap 'gateway-config' is in the default namespace");
  }

  @Test
  void k8s021_whenImageUsesLatestTag_reportsIt() {
    Stacks s = Stacks.compliant();
    s.container("gateway").put("image", "ghcr.io/gantry/gateway:latest");
    assertThat(messages(s, new ImagePinned())).singleElement().asString().contains("pinned by tag 'latest'");
  }

  @Test
  void k8s022_whenImageFromDockerHub_reportsRegistry() {
    Stacks s = Stacks.compliant();
    s.container("gateway").put("image", "nginx@sha256:" + "0".repeat(64));
    assertThat(messages(s, new AllowedRegistries())).singleElement().asString().contains("registry 'docker.io'");
  }

  @Test
  void k8s022_whenPolicyAllowsOnlyOtherRegistry_reportsEcrImages() {
    Stacks s = Stacks.compliant();
    s.graph().config().set("gantry:policy", json("{'allowedRegistries':['registry.example.com']}"));
    assertThat(messages(s, new AllowedRegistries())).hasSize(3);
  }

  @Test
  void k8s023_whenTokenAutomounted_reportsIt() {
    Stacks s = Stacks.compliant();
    s.podSpec("gateway").remove("automountServiceAccountToken");
    assertThat(messages(s, new NoServiceAccountToken())).singleElement().asString().contains("mounts a service account token");
  }

  @Test
  void k8s023_whenLabelledAsNeedingApi_passes() {
    Stacks s = Stacks.compliant();
    s.podSpec("gateway").remove("automountServiceAccountToken");
    s.obj("Deployment", "gateway", "metadata.labels").put(NoServiceAccountToken.NEEDS_API, "true");
    assertThat(messages(s, new NoServiceAccountToken())).isEmpty();
  }

  @Test
  void k8s006_whenReplicasUnsetAndHpaMinTwo_passes() {
    Stacks s = Stacks.compliant();
    s.obj("Deployment", "gateway", "spec").remove("replicas");
    assertThat(messages(s, new MinReplicas())).isEmpty();
    s.obj("HorizontalPodAutoscaler", "gateway", "spec").put("minReplicas", 1);
    assertThat(messages(s, new MinReplicas())).singleElement().asString().contains("(replicas unset)");
  }

  @Test
  void k8s008_whenReplicasOwnedByHpa_comparesMinAvailableWithHpaMinimum() {
    Stacks s = Stacks.compliant();
    s.obj("Deployment", "gateway", "spec").remove("replicas");
    assertThat(messages(s, new PdbSane())).isEmpty(); // minAvailable 1 < HPA minReplicas 2
    s.obj("PodDisruptionBudget", "gateway", "spec").put("minAvailable", 2);
    assertThat(messages(s, new PdbSane())).singleElement().asString().contains("only 2 replica(s)");
  }

  @Test
  void k8s021_whenTagInImmutableEcrRepositoryOfTheStack_passes() {
    Stacks s = Stacks.compliant().with("aws:ecr/repository:Repository", "gateway-repo",
        json("{'name':'gantry-gateway','imageTagMutability':'IMMUTABLE'}"));
    s.container("gateway").put("image", "123456789012.dkr.ecr.us-east-1.amazonaws.com/gantry-gateway:0.1.0");
    assertThat(messages(s, new ImagePinned())).isEmpty();
  }

  @Test
  void k8s021_whenTagInMutableEcrRepository_reportsIt() {
    Stacks s = Stacks.compliant().with("aws:ecr/repository:Repository", "gateway-repo",
        json("{'name':'gantry-gateway','imageTagMutability':'MUTABLE'}"));
    s.container("gateway").put("image", "123456789012.dkr.ecr.us-east-1.amazonaws.com/gantry-gateway:0.1.0");
    assertThat(messages(s, new ImagePinned())).singleElement().asString().contains("pinned by tag, not by digest");
  }

  @Test
  void k8s020_clusterScopedCustomResources_areNotFlagged() {
    Stacks s = Stacks.compliant()
        .with("kubernetes:external-secrets.io/v1beta1:ClusterSecretStore", "store", json("{'metadata':{'name':'store'}}"));
    assertThat(messages(s, new NotDefaultNamespace())).isEmpty();
  }

  @Test
  void k8s021_whenTagInImmutableArtifactRegistryRepositoryOfTheStack_passes() {
    Stacks s = Stacks.compliant().with("gcp:artifactregistry/repository:Repository", "images-docker",
        json("{'project':'acme-llm','location':'us-central1','repositoryId':'gantry','format':'DOCKER',"
            + "'dockerConfig':{'immutableTags':true}}"));
    s.container("gateway").put("image", "us-central1-docker.pkg.dev/acme-llm/gantry/gateway:0.1.0");
    assertThat(messages(s, new ImagePinned())).isEmpty();
  }

  @Test
  void k8s021_whenArtifactRegistryTagsMutableOrOtherRepository_reportsIt() {
    Stacks mutable = Stacks.compliant().with("gcp:artifactregistry/repository:Repository", "images-docker",
        json("{'project':'acme-llm','location':'us-central1','repositoryId':'gantry','format':'DOCKER'}"));
    mutable.container("gateway").put("image", "us-central1-docker.pkg.dev/acme-llm/gantry/gateway:0.1.0");
    assertThat(messages(mutable, new ImagePinned())).singleElement().asString().contains("pinned by tag, not by digest");

    Stacks elsewhere = Stacks.compliant().with("gcp:artifactregistry/repository:Repository", "images-docker",
        json("{'project':'acme-llm','location':'us-central1','repositoryId':'gantry','format':'DOCKER',"
            + "'dockerConfig':{'immutableTags':true}}"));
    elsewhere.container("gateway").put("image", "europe-west4-docker.pkg.dev/acme-llm/gantry/gateway:0.1.0");
    assertThat(messages(elsewhere, new ImagePinned())).singleElement().asString().contains("pinned by tag");
  }

  @Test
  void k8s021_whenTagInAzureContainerRegistry_reportsIt_becauseAcrTagsAreMutable() {
    Stacks s = Stacks.compliant().with("azure-native:containerregistry:Registry", "images-acr",
        json("{'registryName':'gantryprodacr'}"));
    s.container("gateway").put("image", "gantryprodacr.azurecr.io/gantry/gateway:0.1.0");
    assertThat(messages(s, new ImagePinned())).singleElement().asString().contains("pinned by tag, not by digest");
  }

  @Test
  void bytes_parsesMemoryQuantities() {
    assertThat(K8s.bytes(json("{'q':'4Gi'}").path("q"))).isEqualTo(4.0 * (1L << 30));
    assertThat(K8s.bytes(json("{'q':'512Mi'}").path("q"))).isEqualTo(512.0 * (1L << 20));
    assertThat(K8s.bytes(json("{'q':'1G'}").path("q"))).isEqualTo(1e9);
    assertThat(K8s.bytes(json("{'q':1024}").path("q"))).isEqualTo(1024.0);
    assertThat(K8s.bytes(json("{'q':'lots'}").path("q"))).isNaN();
  }
}
