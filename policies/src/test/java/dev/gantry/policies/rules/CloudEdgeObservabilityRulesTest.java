package dev.gantry.policies.rules;

import static dev.gantry.policies.rules.Stacks.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.policies.rules.cloud.*;
import dev.gantry.policies.rules.cost.GpuBudget;
import dev.gantry.policies.rules.edge.*;
import dev.gantry.policies.rules.obs.*;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Positive cases of the edge, cloud, observability and cost rules. */
class CloudEdgeObservabilityRulesTest {
  private static List<String> messages(Stacks s, Rule rule) {
    List<Finding> findings = s.run(rule);
    findings.forEach(f -> assertThat(f.ruleId()).isEqualTo(rule.id()));
    return findings.stream().map(Finding::message).toList();
  }

  @Test
  void edge001_whenTlsRemoved_reportsIt() {
    Stacks s = Stacks.compliant();
    s.obj("Ingress", "gateway", "spec").remove("tls");
    assertThat(messages(s, new IngressTls())).containsExactly("Ingress 'gateway' has no TLS section");
  }

  @Test
  void edge001_whenRuleHostNotInTlsHosts_namesHost() {
    Stacks s = Stacks.compliant();
    ((ObjectNode) s.resource("Ingress", "gateway").input("spec.rules[0]")).put("host", "api.example.org");
    assertThat(messages(s, new IngressTls())).singleElement().asString().contains("'api.example.org'").contains("[llm.example.com]");
  }

  @Test
  void edge001_wildcardTlsHost_coversOneLabelOnly() {
    Stacks s = Stacks.compliant();
    ((ArrayNode) s.resource("Ingress", "gateway").input("spec.tls[0].hosts")).removeAll().add("*.example.com");
    assertThat(messages(s, new IngressTls())).isEmpty();
    ((ObjectNode) s.resource("Ingress", "gateway").input("spec.rules[0]")).put("host", "a.llm.example.com");
    assertThat(messages(s, new IngressTls())).hasSize(1);
  }

  @Test
  void edge002_whenNoIngressLimitAndNoGatewayLimits_reportsIt() {
    Stacks s = Stacks.compliant();
    s.obj("Ingress", "gateway", "metadata.annotations").remove("nginx.ingress.kubernetes.io/limit-rps");
    assertThat(messages(s, new RateLimited())).isEmpty(); // the gateway config still has rpm/tpm
    s.obj("ConfigMap", "gateway-config", "data").put("config.yaml", "model_list: []\n");
    assertThat(messages(s, new RateLimited())).singleElement().asString().startsWith("no rate limit");
  }

  @Test
  void edge003_whenGatewayServiceIsPublicLoadBalancer_reportsIt() {
    Stacks s = Stacks.compliant();
    s.obj("Service", "gateway", "spec").put("type", "LoadBalancer");
    assertThat(messages(s, new NoPublicServices())).containsExactly(
        "Service 'gateway' is of type LoadBalancer and is not the ingress controller");
  }

  @Test
  void edge003_whenLoadBalancerIsInternal_passes() {
    Stacks s = Stacks.compliant();
    s.obj("Service", "gateway", "spec").put("type", "LoadBalancer");
    s.obj("Service", "gateway", "metadata").set("annotations",
        json("{'service.beta.kubernetes.io/aws-load-balancer-scheme':'internal'}"));
    assertThat(messages(s, new NoPublicServices())).isEmpty();
  }

  @Test
  void cloud001_whenEncryptionConfigMissing_reportsBucket() {
    Stacks s = Stacks.compliant().without("BucketServerSideEncryptionConfigurationV2", null);
    assertThat(messages(s, new BucketEncrypted())).containsExactly("S3 bucket 'models' has no server-side encryption configuration");
  }

  @Test
  void cloud002_whenVersioningSuspended_reportsBucket() {
    Stacks s = Stacks.compliant();
    s.obj("BucketVersioningV2", "models-versioning", "versioningConfiguration").put("status", "Suspended");
    assertThat(messages(s, new BucketVersioned())).singleElement().asString().contains("is not versioned");
  }

  @Test
  void cloud002_gcsBucketWithoutVersioning_reportsIt() {
    Stacks s = Stacks.compliant().with(CloudTypes.GCS_BUCKET, "weights", json("{'publicAccessPrevention':'enforced'}"));
    assertThat(messages(s, new BucketVersioned())).singleElement().asString().contains("'weights'");
  }

  @Test
  void cloud003_whenPublicAccessBlockIncomplete_reportsIt() {
    Stacks s = Stacks.compliant();
    ((ObjectNode) s.resource("BucketPublicAccessBlock", "models-block").inputs()).put("restrictPublicBuckets", false);
    assertThat(messages(s, new BucketNotPublic())).singleElement().asString().contains("no BucketPublicAccessBlock");
  }

  @Test
  void cloud004_whenRetentionIsThreeDays_reportsDays() {
    Stacks s = Stacks.compliant();
    s.resource("Instance", "ledger").inputs().put("backupRetentionPeriod", 3);
    assertThat(messages(s, new DatabaseBackups())).containsExactly(
        "database 'ledger' keeps backups for 3 day(s); at least 7 required");
  }

  @Test
  void cloud004_whenRetentionUnset_usesProviderDefault() {
    Stacks s = Stacks.compliant();
    s.resource("Instance", "ledger").inputs().remove("backupRetentionPeriod");
    assertThat(messages(s, new DatabaseBackups())).singleElement().asString().contains("(provider default)");
  }

  @Test
  void cloud005_whenDeletionProtectionOff_reportsIt() {
    Stacks s = Stacks.compliant();
    s.resource("Instance", "ledger").inputs().put("deletionProtection", false);
    assertThat(messages(s, new DatabaseDeletionProtection())).containsExactly("database 'ledger' has no deletion protection");
  }

  @Test
  void cloud006_whenPoolInOneZone_reportsPool() {
    Stacks s = Stacks.compliant();
    ((ArrayNode) s.pool("gpu-h100").path("zones")).remove(1);
    assertThat(messages(s, new GpuPoolMultiZone())).singleElement().asString().contains("'gpu-h100'").contains("spans 1 zone");
  }

  @Test
  void cloud007_whenK8sSecretHasLiteral_reportsKey() {
    Stacks s = Stacks.compliant();
    s.obj("v1:Secret", "gateway-master-key", "stringData").put("key", "sk-12345");
    assertThat(messages(s, new SecretsInSecretStore())).singleElement().asString().contains("[stringData.key]");
  }

  @Test
  void cloud007_onExistingClusterStack_acceptsKubernetesSecretsHoldingPulumiSecretsOnly() {
    Stacks s = Stacks.compliant().without("secret:Secret", "gateway-master-key");
    s.spec().put("cloud", "none");
    assertThat(messages(s, new SecretsInSecretStore())).isEmpty();
    s.obj("v1:Secret", "gateway-master-key", "stringData").put("key", "sk-12345");
    assertThat(messages(s, new SecretsInSecretStore())).singleElement().asString().contains("[stringData.key]");
  }

  @Test
  void cloud007_whenNoCloudSecretStore_reportsStack() {
    Stacks s = Stacks.compliant().without("secret:Secret", "gateway-master-key");
    assertThat(messages(s, new SecretsInSecretStore())).singleElement().asString().contains("no cloud secret store");
  }

  @Test
  void cloud008_whenEksEndpointOpenToWorld_reportsIt() {
    Stacks s = Stacks.compliant();
    s.obj("Cluster", "main", "vpcConfig").remove("publicAccessCidrs");
    assertThat(messages(s, new ClusterEndpointRestricted())).singleElement().asString().contains("unset, defaults to 0.0.0.0/0");
  }

  @Test
  void cloud008_whenEksEndpointPrivate_passes() {
    Stacks s = Stacks.compliant();
    s.obj("Cluster", "main", "vpcConfig").put("endpointPublicAccess", false).remove("publicAccessCidrs");
    assertThat(messages(s, new ClusterEndpointRestricted())).isEmpty();
  }

  @Test
  void obs001_whenServiceMonitorRemoved_reportsEngineAndGateway() {
    Stacks s = Stacks.compliant().without("ServiceMonitor", null);
    assertThat(messages(s, new MetricsScraped())).hasSize(3).anyMatch(m -> m.startsWith("gateway Deployment 'gateway'"));
  }

  @Test
  void obs002_whenKvCacheAlertFiresAfterOneMinute_reportsMissingAlert() {
    Stacks s = Stacks.compliant();
    ((ObjectNode) s.resource("PrometheusRule", "gantry").input("spec.groups[0].rules[2]")).put("for", "1m");
    assertThat(messages(s, new AlertsDefined())).singleElement().asString().contains("KV cache > 95 % for 5 min")
        .doesNotContain("queue depth");
  }

  @Test
  void obs002_whenNoPrometheusRule_listsAllSixAlerts() {
    Stacks s = Stacks.compliant().without("PrometheusRule", null);
    assertThat(messages(s, new AlertsDefined())).singleElement().asString()
        .contains("p99 end-to-end latency", "p99 time to first token", "KV cache", "queue depth", "preemption rate", "replicas down");
  }

  @Test
  void obs003_whenNoDashboard_reportsIt() {
    Stacks s = Stacks.compliant().without("ConfigMap", "dashboard-engines");
    assertThat(messages(s, new DashboardsProvisioned())).singleElement().asString().contains("no Grafana dashboard");
  }

  @Test
  void obs003_whenDashboardJsonBroken_reportsParseError() {
    Stacks s = Stacks.compliant();
    s.obj("ConfigMap", "dashboard-engines", "data").put("engines.json", "{\"panels\": [");
    assertThat(messages(s, new DashboardsProvisioned())).anyMatch(m -> m.contains("is not valid JSON"));
  }

  @Test
  void cost001_whenOverBudget_reportsCostPerPool() {
    Stacks s = Stacks.compliant();
    s.graph().config().set("gantry:policy", json("{'monthlyBudgetUsd': 100000}"));
    assertThat(messages(s, new GpuBudget())).singleElement().asString()
        .contains("gpu-h100 3 × p5.48xlarge = $215,321").contains("over the budget of $100,000");
  }

  @Test
  void cost001_whenNoBudget_reportsAdvisoryEstimate() {
    Stacks s = Stacks.compliant();
    s.graph().config().remove("gantry:policy");
    List<Finding> f = s.run(new GpuBudget());
    assertThat(f).singleElement().satisfies(x -> {
      assertThat(x.message()).startsWith("no monthly budget set");
      assertThat(x.enforcement()).isEqualTo(Enforcement.ADVISORY);
    });
  }

  @Test
  void cloud007_whenSecretsSyncedByExternalSecretsFromCloudStore_passes() {
    Stacks s = Stacks.compliant().without("secret:Secret", "gateway-master-key")
        .with("kubernetes:external-secrets.io/v1beta1:ClusterSecretStore", "aws-secrets", json("{'spec':{}}"));
    assertThat(messages(s, new SecretsInSecretStore())).isEmpty();
  }

  @Test
  void obs003_gatewayDashboardWithoutVllmMetrics_isFine_whenAnEngineDashboardExists() {
    ObjectNode cm = json("{'metadata':{'name':'dashboard-gateway','namespace':'gantry','labels':{'grafana_dashboard':'1'}}}");
    cm.putObject("data").put("gateway.json", "{\"panels\": [{\"title\": \"requests\"}]}");
    Stacks s = Stacks.compliant().with("kubernetes:core/v1:ConfigMap", "dashboard-gateway", cm);
    assertThat(messages(s, new DashboardsProvisioned())).isEmpty();
    assertThat(messages(s.without("ConfigMap", "dashboard-engines"), new DashboardsProvisioned())).singleElement()
        .asString().contains("no Grafana dashboard over the engine");
  }
}
