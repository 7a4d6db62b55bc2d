package dev.gantry.infra.azure;

import static dev.gantry.infra.CloudMocks.list;
import static dev.gantry.infra.CloudMocks.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pulumi.azurenative.containerservice.outputs.CredentialResultResponse;
import com.pulumi.azurenative.containerservice.outputs.ListManagedClusterUserCredentialsResult;
import com.pulumi.core.Output;
import dev.gantry.infra.CloudMocks;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The Azure components under Pulumi's mock monitor: the properties production readiness hangs on. */
class AzureComponentsTest {
  private static final Map<String, String> TAGS = Map.of("gantry.dev/stack", "azure-test");
  private static final Output<String> RG = Output.of("gantry-rg");

  static GpuCluster.Args clusterArgs(boolean endpointPublic, List<String> ranges, List<GpuCluster.NodePool> gpuPools) {
    return new GpuCluster.Args(RG, "eastus", "gantry-az", "1.31", List.of("1", "2", "3"), Output.of("/subnets/nodes"),
        "192.168.0.0/16", "10.0.0.0/16", endpointPublic, ranges,
        new GpuCluster.NodePool("system", "Standard_D4s_v5", 2, 4, 3, false, 64, Map.of()), gpuPools, TAGS);
  }

  static GpuCluster.NodePool gpuPool(String name, String vmSize, boolean spot) {
    return new GpuCluster.NodePool(name, vmSize, 1, 4, 2, spot, 256, Map.of("gantry.dev/gpu", "A100-80GB"));
  }

  @Test
  void gpuCluster_gpuPoolsAreTaintedLabelledAutoscaledAcrossZones() {
    CloudMocks mocks = CloudMocks.run(ctx -> new GpuCluster("c", clusterArgs(false, List.of(), List.of(
        gpuPool("a100", "Standard_NC24ads_A100_v4", false), gpuPool("t4", "Standard_NC4as_T4_v3", true))), null));
    var a100 = mocks.one("azure-native:containerservice:AgentPool", "c-pool-a100").inputs();
    assertThat(a100).containsEntry("vmSize", "Standard_NC24ads_A100_v4").containsEntry("mode", "User")
        .containsEntry("enableAutoScaling", true).containsEntry("minCount", 1.0).containsEntry("maxCount", 4.0)
        .doesNotContainKey("scaleSetPriority");
    assertThat(list(a100.get("nodeTaints"))).containsExactly("nvidia.com/gpu=present:NoSchedule");
    assertThat(map(a100.get("nodeLabels"))).containsEntry("gantry.dev/pool", "a100");
    assertThat(list(a100.get("availabilityZones"))).containsExactly("1", "2", "3");
    var t4 = mocks.one("azure-native:containerservice:AgentPool", "c-pool-t4").inputs();
    assertThat(t4).containsEntry("scaleSetPriority", "Spot").containsEntry("scaleSetEvictionPolicy", "Delete");
  }

  @Test
  void gpuCluster_hasManagedIdentityOverlayCniWorkloadIdentityCsiDriverAndPrivateApi() {
    CloudMocks mocks = CloudMocks.run(ctx -> new GpuCluster("c", clusterArgs(false, List.of(),
        List.of(gpuPool("a100", "Standard_NC24ads_A100_v4", false))), null));
    var aks = mocks.one("azure-native:containerservice:ManagedCluster", "c-aks").inputs();
    assertThat(map(aks.get("identity"))).containsEntry("type", "SystemAssigned");
    assertThat(map(aks.get("networkProfile"))).containsEntry("networkPlugin", "azure").containsEntry("networkPluginMode", "overlay")
        .containsEntry("networkPolicy", "cilium").containsEntry("dnsServiceIP", "10.0.0.10");
    assertThat(map(aks.get("oidcIssuerProfile"))).containsEntry("enabled", true);
    assertThat(map(map(aks.get("securityProfile")).get("workloadIdentity"))).containsEntry("enabled", true);
    assertThat(map(map(aks.get("addonProfiles")).get("azureKeyvaultSecretsProvider"))).containsEntry("enabled", true);
    assertThat(map(aks.get("apiServerAccessProfile"))).containsEntry("enablePrivateCluster", true);
    assertThat(aks).containsEntry("disableLocalAccounts", true);
    var system = map(list(aks.get("agentPoolProfiles")).get(0));
    assertThat(system).containsEntry("mode", "System").doesNotContainKey("nodeTaints");
    assertThat(map(system.get("nodeLabels"))).containsEntry("gantry.dev/pool", "system");
  }

  @Test
  void gpuClusterArgs_rejectOpenApiServerAndLongPoolNames() {
    assertThatThrownBy(() -> clusterArgs(true, List.of("0.0.0.0/0"), List.of(gpuPool("a100", "Standard_NC24ads_A100_v4", false))))
        .hasMessageContaining("allow-list without 0.0.0.0/0");
    assertThatThrownBy(() -> gpuPool("a100-pool-east", "Standard_NC24ads_A100_v4", false))
        .hasMessageContaining("AKS node pool name 'a100-pool-east' must be 1-12 lower-case letters and digits");
  }

  @Test
  void kubeconfig_keepsServerAndCaAndAuthenticatesWithKubelogin() {
    String source = "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: Q0E=\n    server: https://aks.hcp.eastus.azmk8s.io:443\n  name: c\n";
    var creds = ListManagedClusterUserCredentialsResult.builder().kubeconfigs(List.of(CredentialResultResponse.builder()
        .name("clusterUser").value(Base64.getEncoder().encodeToString(source.getBytes(StandardCharsets.UTF_8))).build())).build();
    assertThat(GpuCluster.kubeconfig("gantry-az", creds)).contains("\"server\":\"https://aks.hcp.eastus.azmk8s.io:443\"",
        "\"certificate-authority-data\":\"Q0E=\"", "kubelogin", "azurecli", GpuCluster.AKS_SERVER_ID).doesNotContain("token\":");
  }

  @Test
  void modelStorage_isVersionedSoftDeletedAndNeverPublic() {
    CloudMocks mocks = CloudMocks.run(ctx -> new ModelStorage("m", new ModelStorage.Args(RG, "eastus", "gantryaztest", "models", TAGS), null));
    var account = mocks.one("azure-native:storage:StorageAccount", "m-account").inputs();
    assertThat(account).containsEntry("allowBlobPublicAccess", false).containsEntry("allowSharedKeyAccess", false)
        .containsEntry("enableHttpsTrafficOnly", true).containsEntry("minimumTlsVersion", "TLS1_2");
    var blob = mocks.one("azure-native:storage:BlobServiceProperties", "m-blob-service").inputs();
    assertThat(blob).containsEntry("isVersioningEnabled", true);
    assertThat(map(blob.get("deleteRetentionPolicy"))).containsEntry("enabled", true).containsEntry("days", 30.0);
    assertThat(mocks.one("azure-native:storage:BlobContainer", "m-container").inputs()).containsEntry("publicAccess", "None");
    assertThatThrownBy(() -> new ModelStorage.Args(RG, "eastus", "Gantry-Models", "models", TAGS))
        .hasMessageContaining("Storage account name 'Gantry-Models'");
  }

  @Test
  void secretStore_usesRbacPurgeProtectionAndStoresOnlySetValues() {
    CloudMocks mocks = CloudMocks.run(ctx -> new SecretStore("s", new SecretStore.Args(RG, "eastus", Output.of("tenant"),
        "gantry-az-kv", "gantry-az", Optional.of(Output.of("mk")), Optional.empty(), Optional.of(Output.of("postgresql://x")),
        "gantry-az-grafana-admin", Optional.empty(), 30, TAGS), null));
    var props = map(mocks.one("azure-native:keyvault:Vault", "s-vault").inputs().get("properties"));
    assertThat(props).containsEntry("enableRbacAuthorization", true).containsEntry("enablePurgeProtection", true)
        .containsEntry("enableSoftDelete", true).containsEntry("tenantId", "tenant");
    assertThat(mocks.ofType("azure-native:keyvault:Secret")).extracting(r -> r.inputs().get("secretName"))
        .containsExactlyInAnyOrder("gantry-az-gateway-master-key", "gantry-az-gateway-database-url");
  }

  @Test
  void database_isPrivateBackedUpZoneRedundantAndProtected() {
    CloudMocks mocks = CloudMocks.run(ctx -> new Database("db", new Database.Args(RG, "eastus", "gantry-az-gateway", "14",
        "Standard_D2ds_v5", 128, 14, true, true, true, Output.of("/subnets/postgres"), Output.of("/zones/pg"),
        Output.of("pw"), TAGS), null));
    var server = mocks.one("azure-native:dbforpostgresql:Server", "db-server").inputs();
    assertThat(map(server.get("sku"))).containsEntry("tier", "GeneralPurpose");
    assertThat(map(server.get("backup"))).containsEntry("backupRetentionDays", 14.0).containsEntry("geoRedundantBackup", "Enabled");
    assertThat(map(server.get("highAvailability"))).containsEntry("mode", "ZoneRedundant");
    assertThat(map(server.get("network"))).containsEntry("delegatedSubnetResourceId", "/subnets/postgres");
    assertThatThrownBy(() -> new Database.Args(RG, "eastus", "s", "16", "Standard_D2ds_v5", 128, 14, false, false, true,
        Output.of("x"), Output.of("y"), Output.of("pw"), TAGS)).hasMessageContaining("server name 's'");
    assertThatThrownBy(() -> new Database.Args(RG, "eastus", "srv", "16", "Standard_D2ds_v5", 128, 14, false, false, true,
        Output.of("x"), Output.of("y"), Output.of("pw"), TAGS)).hasMessageContaining("PostgreSQL 16 is not offered");
    assertThat(new Database.Args(RG, "eastus", "srv", "14", "Standard_B2s", 32, 7, false, false, true,
        Output.of("x"), Output.of("y"), Output.of("pw"), TAGS).tier()).isEqualTo("Burstable");
  }

  @Test
  void workloadIdentity_federatesExactlyOneServiceAccountAndGrantsItsRoles() {
    CloudMocks mocks = CloudMocks.run(ctx -> new WorkloadIdentity("e", new WorkloadIdentity.Args(RG, "eastus", Output.of("sub"),
        "gantry-az-engine", Output.of("https://issuer/"), "gantry-serving", "gantry-engine",
        List.of(new WorkloadIdentity.Grant(WorkloadIdentity.BLOB_READER_ROLE, Output.of("/storage/acct"))), TAGS), null));
    assertThat(mocks.one("azure-native:managedidentity:FederatedIdentityCredential", "e-federation").inputs())
        .containsEntry("subject", "system:serviceaccount:gantry-serving:gantry-engine").containsEntry("issuer", "https://issuer/");
    assertThat(mocks.one("azure-native:authorization:RoleAssignment", "e-grant-0").inputs())
        .containsEntry("scope", "/storage/acct")
        .containsEntry("roleDefinitionId", "/subscriptions/sub/providers/Microsoft.Authorization/roleDefinitions/"
            + WorkloadIdentity.BLOB_READER_ROLE);
  }

  @Test
  void imageRegistry_hasNoAdminUserAndLetsKubeletPull() {
    CloudMocks mocks = CloudMocks.run(ctx -> new ImageRegistry("i", new ImageRegistry.Args(RG, "eastus", Output.of("sub"),
        "gantryazacr", Output.of("kubelet"), TAGS), null));
    assertThat(mocks.one("azure-native:containerregistry:Registry", "i-acr").inputs()).containsEntry("adminUserEnabled", false);
    assertThat(mocks.one("azure-native:authorization:RoleAssignment", "i-kubelet-pull").inputs())
        .containsEntry("principalId", "kubelet");
  }
}
