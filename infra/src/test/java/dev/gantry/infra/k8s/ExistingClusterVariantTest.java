package dev.gantry.infra.k8s;

import static dev.gantry.infra.k8s.PlanRecorder.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pulumi.core.Output;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The same workloads on an existing cluster without GPUs or a cloud: a CPU engine pulling its
 * weights from Hugging Face, Secrets from Pulumi secrets, an in-cluster PostgreSQL and a
 * self-signed certificate.
 */
class ExistingClusterVariantTest {
  static final String CURL_IMAGE = "quay.io/curl/curl@sha256:" + "d".repeat(64);

  static EngineSpec qwen05bOnCpu() {
    return new EngineSpec("qwen2.5-0.5b-instruct", Fixtures.ENGINE_IMAGE, "hf://Qwen/Qwen2.5-0.5B-Instruct",
        "7ae557604adf67be50417f59c2c2f167def9a775", "qwen2.5-0.5b-instruct", 4096, 4, 16, 0.9, 1,
        "bfloat16", "none", true, null, 1, 2, "2", "4Gi", "3Gi", 420, 5, new EngineSpec.Cpu(402_653_184L, 2));
  }

  static ServingWorkloadsArgs args() {
    return new ServingWorkloadsArgs(null, null, CURL_IMAGE, null, List.of(qwen05bOnCpu()),
        new GatewaySpec(Fixtures.GATEWAY_IMAGE, 2, 4, "500m", "512Mi", SecretSync.GATEWAY_SECRET, SecretSync.GATEWAY_SECRET,
            60, 100000, "least-busy"),
        new IngressSpec("gantry.localtest.me", null, null, 20, 5, 20, 600, Map.of(), true),
        MonitoringSpec.defaults(),
        new SecretStoreSpec.PulumiSecrets(Output.ofSecret("mk"), Output.ofSecret("postgresql://x"), Output.ofSecret("pw"),
            Optional.empty()),
        HelmCharts.defaults(), new DatabaseSpec(2, "5Gi", Output.ofSecret("db-password")));
  }

  @Test
  void cpuEngine_requestsNoGpu_hasNoGpuPlacement_andRunsTheEngineOnCpu() {
    PlanRecorder plan = PlanRecorder.run(args());
    Map<String, Object> pod = at(plan.one("kubernetes:apps/v1:Deployment", "gantry-engine-qwen2-5-0-5b-instruct").inputs(),
        "spec", "template", "spec");
    assertThat(pod).doesNotContainKeys("nodeSelector", "tolerations");
    Map<String, Object> resources = at(pod, "containers", 0, "resources");
    assertThat((Map<String, Object>) resources.get("limits")).containsOnlyKeys("cpu", "memory").containsEntry("memory", "4Gi");
    assertThat((Map<String, Object>) resources.get("requests")).doesNotContainKey("nvidia.com/gpu");
    List<Object> args = at(pod, "containers", 0, "args");
    assertThat(args).startsWith("serve", "/models/qwen2.5-0.5b-instruct")
        .contains("--device=cpu", "--dtype=auto", "--threads=2", "--gpu-memory-utilization=402653184");
    assertThat(plan.ofType("kubernetes:helm.sh/v3:Release")).extracting(PlanRecorder.Registered::name)
        .doesNotContain("nvidia-device-plugin", "external-secrets")
        .contains("cloudnative-pg", "kube-prometheus-stack", "ingress-nginx", "cert-manager");
  }

  @Test
  void withoutBucket_weightsComeFromHuggingFaceAtThePinnedRevision() {
    PlanRecorder plan = PlanRecorder.run(args());
    Map<String, Object> init = at(plan.one("kubernetes:apps/v1:Deployment", "gantry-engine-qwen2-5-0-5b-instruct").inputs(),
        "spec", "template", "spec", "initContainers", 0);
    assertThat(init.get("image")).isEqualTo(CURL_IMAGE);
    List<Object> command = at(init, "command");
    assertThat(command).startsWith("sh", "-c").endsWith("download-weights", "Qwen/Qwen2.5-0.5B-Instruct",
        "7ae557604adf67be50417f59c2c2f167def9a775", "/models/qwen2.5-0.5b-instruct");
    assertThat((String) command.get(2)).contains("https://huggingface.co/api/models/$repo/revision/$rev",
        "https://huggingface.co/$repo/resolve/$rev/$f");
    Map<String, Object> token = at(init, "env", 1);
    assertThat(token.get("name")).isEqualTo("HF_TOKEN");
    assertThat((Object) at(token, "valueFrom", "secretKeyRef", "optional")).isEqualTo(true);
  }

  @Test
  void pulumiSecrets_becomeSecretsWithSecretValues_andNoExternalSecrets() {
    PlanRecorder plan = PlanRecorder.run(args());
    assertThat(plan.ofType("kubernetes:external-secrets.io/v1beta1:ExternalSecret")).isEmpty();
    assertThat(plan.ofType("kubernetes:core/v1:Secret")).extracting(PlanRecorder.Registered::name)
        .containsExactlyInAnyOrder(SecretSync.GATEWAY_SECRET, SecretSync.GRAFANA_SECRET, "gantry-db-credentials");
  }

  @Test
  void inClusterDatabase_isACloudNativePgClusterOfTwo_reachableFromTheGatewayOnly() {
    PlanRecorder plan = PlanRecorder.run(args());
    Map<String, Object> spec = at(plan.one("kubernetes:postgresql.cnpg.io/v1:Cluster", "gantry-db").inputs(), "spec");
    assertThat(spec.get("instances")).isEqualTo(2.0); // untyped custom-resource numbers travel as doubles
    assertThat((Object) at(spec, "bootstrap", "initdb", "secret", "name")).isEqualTo("gantry-db-credentials");
    assertThat(plan.dependsOn("kubernetes:apps/v1:Deployment", "gantry-gateway"))
        .contains("kubernetes:postgresql.cnpg.io/v1:Cluster/gantry-db");
    List<Map<String, Object>> ingress = at(plan.one("kubernetes:networking.k8s.io/v1:NetworkPolicy",
        "gantry-database-ingress").inputs(), "spec", "ingress");
    assertThat((Object) at(ingress.get(0), "ports", 0, "port")).isEqualTo(5432.0);
  }

  @Test
  void selfSignedIngress_usesASelfSignedClusterIssuer() {
    PlanRecorder plan = PlanRecorder.run(args());
    Map<String, Object> issuer = at(plan.one("kubernetes:cert-manager.io/v1:ClusterIssuer", Edge.SELF_SIGNED_ISSUER).inputs(),
        "spec");
    assertThat(issuer).containsOnlyKeys("selfSigned");
    Map<String, Object> annotations = at(plan.one("kubernetes:networking.k8s.io/v1:Ingress", "gantry-gateway").inputs(),
        "metadata", "annotations");
    assertThat(annotations).containsEntry("cert-manager.io/cluster-issuer", Edge.SELF_SIGNED_ISSUER);
  }

  @Test
  void cpuEngine_withTensorParallelismOrAPool_isRejectedWithTheFix() {
    assertThatThrownBy(() -> new EngineSpec("m", Fixtures.ENGINE_IMAGE, "hf://x/y", "abc", "m", 4096, 4, 16, 0.9, 2,
        "auto", "none", true, null, 1, 1, "2", "4Gi", "3Gi", 300, 5, new EngineSpec.Cpu(1L << 28, 2)))
        .hasMessageContaining("tensorParallelSize: 2 on a CPU engine");
    assertThatThrownBy(() -> new EngineSpec("m", Fixtures.ENGINE_IMAGE, "hf://x/y", "abc", "m", 4096, 4, 16, 0.9, 1,
        "auto", "none", true, "gpu-l4", 1, 1, "2", "4Gi", "3Gi", 300, 5, new EngineSpec.Cpu(1L << 28, 2)))
        .hasMessageContaining("pool: 'gpu-l4' on a CPU engine");
  }

  @Test
  void withoutBucket_anS3ModelSource_isRejected() {
    EngineSpec s3 = new EngineSpec("m", Fixtures.ENGINE_IMAGE, "s3://models/m", "abc", "m", 4096, 4, 16, 0.9, 1,
        "auto", "none", true, null, 1, 1, "2", "4Gi", "3Gi", 300, 5, new EngineSpec.Cpu(1L << 28, 2));
    assertThatThrownBy(() -> new ServingWorkloadsArgs(null, null, CURL_IMAGE, null, List.of(s3), args().gateway(),
        args().ingress(), null, args().secretStore(), null))
        .hasMessageContaining("comes from 's3://models/m' but the stack has no model bucket");
  }

  @Test
  void spotTaint_isToleratedByGpuEnginesThatDeclareIt() {
    EngineSpec base = Fixtures.qwen7b();
    EngineSpec spot = new EngineSpec(base.name(), base.image(), base.modelSource(), base.modelRevision(),
        base.servedModelName(), base.maxModelLen(), base.maxNumSeqs(), base.blockSize(), base.gpuMemoryUtilization(),
        base.tensorParallelSize(), base.dtype(), base.quantization(), base.enablePrefixCaching(), base.pool(),
        base.minReplicas(), base.maxReplicas(), base.cpu(), base.memory(), base.modelCacheSize(),
        base.startupBudgetSeconds(), base.targetWaitingPerReplica(), new EngineSpec.Gpu(List.of(
            new EngineSpec.Toleration("kubernetes.azure.com/scalesetpriority", "spot", "NoSchedule"))));
    PlanRecorder plan = PlanRecorder.run(Fixtures.args("s3://gantry-models-prod/models", List.of(spot)));
    List<Map<String, Object>> tolerations = at(plan.one("kubernetes:apps/v1:Deployment", "gantry-engine-qwen25-7b").inputs(),
        "spec", "template", "spec", "tolerations");
    assertThat(tolerations).extracting(t -> t.get("key")).containsExactly("nvidia.com/gpu", "kubernetes.azure.com/scalesetpriority");
    assertThat(tolerations.get(1)).containsEntry("value", "spot").containsEntry("effect", "NoSchedule");
  }

  @Test
  void monitoringOff_installsNoPrometheusAndNoMonitorsThatWouldNeedItsCrds() {
    ServingWorkloadsArgs on = args();
    ServingWorkloadsArgs off = new ServingWorkloadsArgs(on.namespaces(), on.modelBucketUri(), on.modelDownloaderImage(),
        on.modelReaderIdentity(), on.engines(), on.gateway(), on.ingress(),
        new MonitoringSpec("3d", "10Gi", 60, 10, 8, 1, "grafana-admin", false), on.secretStore(), on.charts(), on.database());
    PlanRecorder plan = PlanRecorder.run(off);
    assertThat(plan.ofType("kubernetes:helm.sh/v3:Release")).extracting(PlanRecorder.Registered::name)
        .doesNotContain("kube-prometheus-stack", "prometheus-adapter").contains("ingress-nginx", "cert-manager", "cloudnative-pg");
    assertThat(plan.ofType("kubernetes:monitoring.coreos.com/v1:ServiceMonitor")).isEmpty();
    assertThat(plan.ofType("kubernetes:monitoring.coreos.com/v1:PrometheusRule")).isEmpty();
    assertThat((Object) at(plan.one("kubernetes:helm.sh/v3:Release", "ingress-nginx").inputs(),
        "values", "controller", "metrics", "serviceMonitor", "enabled")).isEqualTo(false);
    assertThat((Object) at(plan.one("kubernetes:postgresql.cnpg.io/v1:Cluster", "gantry-db").inputs(),
        "spec", "monitoring", "enablePodMonitor")).isEqualTo(false);
  }
}
