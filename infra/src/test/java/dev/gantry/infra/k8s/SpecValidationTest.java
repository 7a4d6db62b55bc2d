package dev.gantry.infra.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every bad value is refused where the spec is built, with a message naming the field and the fix. */
class SpecValidationTest {

  static EngineSpec engine(String name, int tp, int minReplicas, int maxReplicas, String memory, String revision) {
    return new EngineSpec(name, Fixtures.ENGINE_IMAGE, "hf://Qwen/Qwen2.5-7B-Instruct", revision, "served-" + name,
        8192, 64, 16, 0.9, tp, "bfloat16", "none", true, "gpu-l4", minReplicas, maxReplicas, "6", memory,
        "40Gi", 600, 5);
  }

  static EngineSpec served(String name, String servedName) {
    return new EngineSpec(name, Fixtures.ENGINE_IMAGE, "hf://x/y", "abc", servedName, 8192, 64, 16, 0.9, 1,
        "auto", null, false, "gpu", 1, 1, "4", "16Gi", "20Gi", 600, 5);
  }

  @Test
  void engineSpec_whenNameIsNotADnsLabel_namesTheValueAndTheRule() {
    assertThatThrownBy(() -> engine("Qwen_7B", 1, 1, 2, "28Gi", "abc"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("engine name: 'Qwen_7B' is not a valid model name")
        .hasMessageContaining("lower-case letters, digits, '-' and '.'");
  }

  @Test
  void engineSpec_withDotsInName_keepsTheLabelAndUsesDashesInObjectNames() {
    EngineSpec spec = engine("qwen2.5-7b", 1, 1, 2, "28Gi", "abc");
    assertThat(spec.name()).isEqualTo("qwen2.5-7b");
    assertThat(spec.resourceName()).isEqualTo("gantry-engine-qwen2-5-7b");
    assertThat(Labels.engineSelector(spec.name())).containsEntry("gantry.dev/model", "qwen2.5-7b");
  }

  @Test
  void servingArgs_whenTwoNamesCollideAfterDotReplacement_isRefused() {
    assertThatThrownBy(() -> Fixtures.args("s3://bucket",
        List.of(served("qwen2.5-7b", "one"), served("qwen2-5-7b", "two"))))
        .hasMessageContaining("engines: model name 'qwen2-5-7b' maps to Kubernetes name 'gantry-engine-qwen2-5-7b'"
            + " like another model");
  }

  @Test
  void engineSpec_whenNameTooLongForDerivedNames_isRefused() {
    assertThatThrownBy(() -> engine("a".repeat(41), 1, 1, 2, "28Gi", "abc"))
        .hasMessageContaining("at most 40");
  }

  @Test
  void engineSpec_whenTensorParallelNotPowerOfTwo_saysWhichValuesWork() {
    assertThatThrownBy(() -> engine("m", 3, 1, 2, "28Gi", "abc"))
        .hasMessageContaining("engine 'm': tensorParallelSize: 3 must be a power of two (1, 2, 4, 8)");
  }

  @Test
  void engineSpec_whenMaxBelowMinReplicas_suggestsRaisingMax() {
    assertThatThrownBy(() -> engine("m", 1, 3, 2, "28Gi", "abc"))
        .hasMessageContaining("engine 'm': maxReplicas: 2 is below minReplicas 3");
  }

  @Test
  void engineSpec_whenMemoryIsNotAQuantity_showsExamples() {
    assertThatThrownBy(() -> engine("m", 1, 1, 2, "28 GB", "abc"))
        .hasMessageContaining("engine 'm': memory: '28 GB' is not a Kubernetes quantity; use e.g. '8', '500m', '32Gi'");
  }

  @Test
  void engineSpec_whenRevisionMissingOrABranchPath_isRefused() {
    assertThatThrownBy(() -> engine("m", 1, 1, 2, "28Gi", " "))
        .hasMessageContaining("engine 'm': modelRevision is missing");
    assertThatThrownBy(() -> engine("m", 1, 1, 2, "28Gi", "refs/heads/main"))
        .hasMessageContaining("modelRevision: 'refs/heads/main' is not a revision");
  }

  @Test
  void engineSpec_whenGpuMemoryUtilizationOutOfRange_isRefused() {
    assertThatThrownBy(() -> new EngineSpec("m", Fixtures.ENGINE_IMAGE, "hf://x/y", "abc", "m", 8192, 64, 16, 1.2, 1,
        "auto", null, false, "gpu", 1, 1, "4", "16Gi", "20Gi", 600, 5))
        .hasMessageContaining("gpuMemoryUtilization: 1.2 must be within (0.0, 1.0]");
  }

  @Test
  void engineSpec_whenBlockSizeUnsupported_listsSupportedSizes() {
    assertThatThrownBy(() -> new EngineSpec("m", Fixtures.ENGINE_IMAGE, "hf://x/y", "abc", "m", 8192, 64, 12, 0.9, 1,
        "auto", null, false, "gpu", 1, 1, "4", "16Gi", "20Gi", 600, 5))
        .hasMessageContaining("blockSize: 12 is not supported; use one of 8, 16, 32, 64, 128");
  }

  @Test
  void engineSpec_normalisesMissingDtypeAndQuantization() {
    EngineSpec spec = new EngineSpec("m", Fixtures.ENGINE_IMAGE, "hf://x/y", "abc", "m", 8192, 64, 16, 0.9, 1,
        null, null, false, "gpu", 1, 1, "4", "16Gi", "20Gi", 600, 5);
    assertThat(spec.dtype()).isEqualTo("auto");
    assertThat(spec.quantization()).isEqualTo("none");
    assertThat(ModelEngine.engineArgs(spec)).noneMatch(a -> a.startsWith("--quantization"));
  }

  @Test
  void gatewaySpec_whenSingleReplica_explainsWhyTwoAreNeeded() {
    assertThatThrownBy(() -> new GatewaySpec(Fixtures.GATEWAY_IMAGE, 1, 4, "1", "1Gi", "mk", "db", 60, 1000, null))
        .hasMessageContaining("gateway.replicas: 1 must be >= 2 so a rollout or a node drain never takes the only gateway away");
  }

  @Test
  void gatewaySpec_whenRoutingStrategyUnknown_listsKnownOnes() {
    assertThatThrownBy(() -> new GatewaySpec(Fixtures.GATEWAY_IMAGE, 2, 4, "1", "1Gi", "mk", "db", 60, 1000, "random"))
        .hasMessageContaining("gateway.routingStrategy: 'random' is not known; use simple-shuffle, least-busy or engine-aware");
  }

  @Test
  void gatewaySpec_whenMasterKeySecretMissing_isRefused() {
    assertThatThrownBy(() -> new GatewaySpec(Fixtures.GATEWAY_IMAGE, 2, 4, "1", "1Gi", "", "db", 60, 1000, null))
        .hasMessageContaining("gateway.masterKeySecretName is missing");
  }

  @Test
  void ingressSpec_whenHostIsNotFullyQualified_showsAnExample() {
    assertThatThrownBy(() -> new IngressSpec("localhost", "a@example.com", null, 10, 5, 10, 600, null))
        .hasMessageContaining("ingress.host: 'localhost' is not a fully qualified DNS host name; use e.g. 'llm.example.com'");
  }

  @Test
  void ingressSpec_whenEmailInvalid_saysWhyItIsNeeded() {
    assertThatThrownBy(() -> new IngressSpec("llm.example.com", "nobody", null, 10, 5, 10, 600, null))
        .hasMessageContaining("ingress.acmeEmail: 'nobody' is not an e-mail address");
  }

  @Test
  void ingressSpec_whenAcmeServerNotHttps_isRefused() {
    assertThatThrownBy(() -> new IngressSpec("llm.example.com", "a@example.com", "http://acme.local/dir", 10, 5, 10,
        600, null)).hasMessageContaining("ingress.acmeServer: 'http://acme.local/dir' must be an https://");
  }

  @Test
  void monitoringSpec_whenRetentionNotADuration_isRefused() {
    assertThatThrownBy(() -> new MonitoringSpec("15 days", "100Gi", 30, 2, 20, 1, "grafana-admin"))
        .hasMessageContaining("monitoring.retention: '15 days' is not a Prometheus duration; use e.g. '15d'");
  }

  @Test
  void namespaceNames_whenReservedOrDuplicated_isRefused() {
    assertThatThrownBy(() -> new NamespaceNames("default", "gantry-system", "monitoring", "ingress-nginx"))
        .hasMessageContaining("namespaces: 'default' is reserved by Kubernetes");
    assertThatThrownBy(() -> new NamespaceNames("gantry", "gantry", "monitoring", "ingress-nginx"))
        .hasMessageContaining("namespaces: 'gantry' is used twice");
  }

  @Test
  void servingArgs_whenBucketUriHasUnknownScheme_listsTheSupportedForms() {
    assertThatThrownBy(() -> Fixtures.args("ftp://models", List.of(Fixtures.qwen7b())))
        .hasMessageContaining("modelBucketUri: 'ftp://models' is not a bucket URI; use s3://bucket[/prefix], "
            + "gs://bucket[/prefix] or az://account/container[/prefix]");
  }

  @Test
  void servingArgs_whenNoEngines_asksForAModel() {
    assertThatThrownBy(() -> Fixtures.args("s3://bucket", List.of()))
        .hasMessageContaining("engines: no model to serve");
  }

  @Test
  void servingArgs_whenTwoEnginesShareAName_isRefused() {
    EngineSpec a = engine("same", 1, 1, 1, "16Gi", "abc");
    EngineSpec b = served("same", "other");
    assertThatThrownBy(() -> Fixtures.args("s3://bucket", List.of(a, b)))
        .hasMessageContaining("engines: model name 'same' appears twice");
  }

  @Test
  void servingArgs_whenTwoEnginesShareAServedName_saysTheGatewayCouldNotRoute() {
    EngineSpec a = engine("a", 1, 1, 1, "16Gi", "abc");
    EngineSpec b = served("b", "served-a");
    assertThatThrownBy(() -> Fixtures.args("s3://bucket", List.of(a, b)))
        .hasMessageContaining("servedModelName 'served-a' is used by two models");
  }

  @Test
  void servingArgs_defaultsOptionalSectionsAndTrimsTrailingSlash() {
    ServingWorkloadsArgs args = new ServingWorkloadsArgs(null, "gs://models/prod/", Fixtures.RCLONE_IMAGE, null,
        List.of(Fixtures.qwen7b()), Fixtures.gateway(), Fixtures.ingress(), null,
        new SecretStoreSpec.GcpSecretManager("my-project", null), null);
    assertThat(args.namespaces()).isEqualTo(NamespaceNames.defaults());
    assertThat(args.modelBucketUri()).isEqualTo("gs://models/prod");
    assertThat(args.monitoring()).isEqualTo(MonitoringSpec.defaults());
    assertThat(args.charts()).isEqualTo(HelmCharts.defaults());
    assertThat(args.gpuPools()).containsExactly("gpu-l4");
  }

  @Test
  void azureKeyVault_whenUrlIsNotHttps_showsTheExpectedForm() {
    assertThatThrownBy(() -> new SecretStoreSpec.AzureKeyVault("my-vault", null))
        .hasMessageContaining("secretStore.vaultUrl: 'my-vault' must be the vault's https:// URL");
  }

  @Test
  void workloadIdentity_isSortedAndResolvedAsOneMap() {
    WorkloadIdentity identity = new WorkloadIdentity(Map.of(
        "b", com.pulumi.core.Output.of("2"), "a", com.pulumi.core.Output.of("1")));
    assertThat(identity.annotations()).containsOnlyKeys("a", "b");
  }
}
