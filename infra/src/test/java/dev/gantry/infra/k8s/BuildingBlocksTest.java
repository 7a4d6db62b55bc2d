package dev.gantry.infra.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** The pure pieces the components are built from: download paths, gateway config, alerts, dashboards. */
class BuildingBlocksTest {

  @Test
  void weightDownload_mapsEachCloudBucketToAnRcloneRemote() {
    assertThat(WeightDownload.remote("s3://bucket/models", "m", "abc"))
        .isEqualTo(":s3,provider=AWS,env_auth=true:bucket/models/m/abc");
    assertThat(WeightDownload.remote("gs://bucket", "m", "abc"))
        .isEqualTo(":gcs,env_auth=true,bucket_policy_only=true:bucket/m/abc");
    assertThat(WeightDownload.remote("az://account1/weights/prod", "m", "abc"))
        .isEqualTo(":azureblob,env_auth=true,account=account1:weights/prod/m/abc");
  }

  @Test
  @SuppressWarnings("unchecked")
  void gatewayConfig_isLiteLlmShapedYamlWithoutSecretValues() {
    String yaml = GatewayConfig.yaml(List.of(Fixtures.qwen7b(), Fixtures.llama70b()), Fixtures.gateway(),
        "gantry-serving", 600);
    Map<String, Object> root = new Yaml().load(yaml);
    assertThat(root).containsOnlyKeys("model_list", "router_settings", "litellm_settings", "general_settings");
    assertThat((Map<String, Object>) root.get("litellm_settings")).containsEntry("request_timeout", 600);
    assertThat((Map<String, Object>) root.get("router_settings")).doesNotContainKey("timeout");
    assertThat((Map<String, Object>) ((List<Map<String, Object>>) root.get("model_list")).get(0).get("model_info"))
        .containsOnlyKeys("id");
    List<Map<String, Object>> models = (List<Map<String, Object>>) root.get("model_list");
    assertThat(models).extracting(m -> m.get("model_name"))
        .containsExactly("qwen2.5-7b-instruct", "llama-3.1-70b-instruct");
    Map<String, Object> params = (Map<String, Object>) models.get(1).get("litellm_params");
    assertThat(params).containsEntry("api_base",
        "http://gantry-engine-llama31-70b.gantry-serving.svc.cluster.local:8000/v1")
        .containsEntry("rpm", 600).containsEntry("tpm", 200000);
    assertThat((Map<String, Object>) root.get("router_settings")).containsEntry("routing_strategy", "engine-aware");
    assertThat((Map<String, Object>) root.get("general_settings"))
        .containsEntry("master_key", "os.environ/LITELLM_MASTER_KEY")
        .containsEntry("database_url", "os.environ/DATABASE_URL");
  }

  @Test
  void gatewayConfigChecksum_changesWithTheConfig() {
    String one = GatewayConfig.yaml(List.of(Fixtures.qwen7b()), Fixtures.gateway(), "ns", 600);
    String two = GatewayConfig.yaml(List.of(Fixtures.qwen7b(), Fixtures.llama70b()), Fixtures.gateway(), "ns", 600);
    assertThat(GatewayConfig.checksum(one)).hasSize(64).isEqualTo(GatewayConfig.checksum(one))
        .isNotEqualTo(GatewayConfig.checksum(two));
  }

  @Test
  @SuppressWarnings("unchecked")
  void servingAlerts_useTheConfiguredThresholds() {
    MonitoringSpec spec = new MonitoringSpec("15d", "100Gi", 45.5, 3, 50, 0.25, "grafana-admin");
    List<Object> groups = ServingAlerts.groups(spec, "serving-ns");
    Map<String, String> exprs = new java.util.HashMap<>();
    for (Object group : groups) {
      for (Object rule : (List<Object>) ((Map<String, Object>) group).get("rules")) {
        Map<String, Object> r = (Map<String, Object>) rule;
        exprs.put((String) r.get("alert"), (String) r.get("expr"));
        assertThat((Map<String, Object>) r.get("labels")).containsKey("severity");
        assertThat((Map<String, Object>) r.get("annotations")).containsKeys("summary", "description");
      }
    }
    assertThat(exprs.get(ServingAlerts.P99_LATENCY)).startsWith("histogram_quantile(0.99,").endsWith("> 45.5")
        .contains("namespace=\"serving-ns\"");
    assertThat(exprs.get(ServingAlerts.P99_TTFT)).endsWith("> 3");
    assertThat(exprs.get(ServingAlerts.QUEUE_DEPTH)).isEqualTo(
        "sum by (model) (vllm:num_requests_waiting{namespace=\"serving-ns\"}) > 50");
    assertThat(exprs.get(ServingAlerts.PREEMPTIONS)).contains("rate(vllm:num_preemptions_total").endsWith("> 0.25");
    assertThat(ServingAlerts.alertNames(groups)).doesNotHaveDuplicates().hasSize(10);
  }

  @Test
  void dashboards_areValidGrafanaJsonWithPanelsOverVllmMetrics() {
    Map<String, String> all = Dashboards.all("gantry-serving");
    assertThat(all).containsOnlyKeys("gantry-engines.json", "gantry-gateway.json");
    JsonObject engines = JsonParser.parseString(all.get("gantry-engines.json")).getAsJsonObject();
    assertThat(engines.get("uid").getAsString()).isEqualTo("gantry-engines");
    var panels = engines.getAsJsonArray("panels");
    assertThat(panels.size()).isGreaterThanOrEqualTo(8);
    StringBuilder exprs = new StringBuilder();
    panels.forEach(p -> p.getAsJsonObject().getAsJsonArray("targets")
        .forEach(t -> exprs.append(t.getAsJsonObject().get("expr").getAsString()).append('\n')));
    assertThat(exprs.toString()).contains("vllm:e2e_request_latency_seconds_bucket",
        "vllm:time_to_first_token_seconds_bucket", "vllm:num_requests_waiting", "vllm:num_preemptions_total",
        "vllm:kv_cache_usage_perc", "vllm:generation_tokens_total");
    // Panels tile a two-column grid without overlapping.
    java.util.Set<String> cells = new java.util.HashSet<>();
    panels.forEach(p -> {
      JsonObject pos = p.getAsJsonObject().getAsJsonObject("gridPos");
      assertThat(cells.add(pos.get("x").getAsInt() + "," + pos.get("y").getAsInt())).isTrue();
    });
    JsonObject gateway = JsonParser.parseString(all.get("gantry-gateway.json")).getAsJsonObject();
    assertThat(gateway.getAsJsonArray("panels").toString())
        .contains("nginx_ingress_controller_requests", "vllm:num_requests_waiting");
  }

  @Test
  void secretStoreProvider_matchesTheCloud() {
    assertThat(SecretSync.provider(new SecretStoreSpec.GcpSecretManager("proj", null), "sys"))
        .isEqualTo(Map.of("gcpsm", Map.of("projectID", "proj")));
    assertThat(SecretSync.provider(new SecretStoreSpec.AzureKeyVault("https://v.vault.azure.net", null), "sys"))
        .containsKey("azurekv");
    assertThat(SecretSync.provider(new SecretStoreSpec.AwsSecretsManager("eu-west-1", null), "sys"))
        .isEqualTo(Map.of("aws", Map.of("service", "SecretsManager", "region", "eu-west-1")));
  }
}
