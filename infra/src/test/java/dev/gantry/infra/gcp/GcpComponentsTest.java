package dev.gantry.infra.gcp;

import static dev.gantry.infra.CloudMocks.list;
import static dev.gantry.infra.CloudMocks.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pulumi.core.Output;
import dev.gantry.infra.CloudMocks;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The GCP components under Pulumi's mock monitor: the properties production readiness hangs on. */
class GcpComponentsTest {
  private static final Map<String, String> TAGS = Map.of("gantry.dev/stack", "gcp-test");

  static GpuCluster.NodePool gpuPool(String name, String machine, String accelerator, int count, boolean spot) {
    return new GpuCluster.NodePool(name, machine, accelerator, count, 0, 3, 1, spot, 200, Map.of("gantry.dev/gpu", "L4"));
  }

  static GpuCluster.Args clusterArgs(boolean endpointPublic, List<String> cidrs, List<GpuCluster.NodePool> gpuPools) {
    return new GpuCluster.Args("proj", "gantry-gcp", "us-central1", List.of("us-central1-a", "us-central1-b"), "REGULAR",
        Output.of("projects/proj/global/networks/vpc"), Output.of("projects/proj/regions/us-central1/subnetworks/nodes"),
        "172.16.0.0/28", endpointPublic, cidrs, true,
        new GpuCluster.NodePool("system", "e2-standard-4", null, 0, 1, 3, 1, false, 50, Map.of()), gpuPools, TAGS);
  }

  @Test
  void gpuCluster_gpuPools_haveAcceleratorsDriverTaintPoolLabelAndSpot() {
    CloudMocks mocks = CloudMocks.run(ctx -> new GpuCluster("c", clusterArgs(false, List.of(), List.of(
        gpuPool("l4", "g2-standard-8", "nvidia-l4", 1, true),
        gpuPool("a100", "a2-highgpu-1g", "nvidia-tesla-a100", 1, false))), null));

    var l4 = map(mocks.one("gcp:container/nodePool:NodePool", "c-pool-l4").inputs().get("nodeConfig"));
    assertThat(l4).containsEntry("machineType", "g2-standard-8").containsEntry("spot", true);
    var accelerator = map(list(l4.get("guestAccelerators")).get(0));
    assertThat(accelerator).containsEntry("type", "nvidia-l4").containsEntry("count", 1.0);
    assertThat(map(accelerator.get("gpuDriverInstallationConfig"))).containsEntry("gpuDriverVersion", "LATEST");
    assertThat(list(l4.get("taints"))).containsExactly(
        Map.of("key", "nvidia.com/gpu", "value", "present", "effect", "NO_SCHEDULE"));
    assertThat(map(l4.get("labels"))).containsEntry("gantry.dev/pool", "l4").containsEntry("gantry.dev/capacity", "spot");
    assertThat(map(l4.get("workloadMetadataConfig"))).containsEntry("mode", "GKE_METADATA");
    assertThat(map(mocks.one("gcp:container/nodePool:NodePool", "c-pool-l4").inputs().get("autoscaling")))
        .containsEntry("totalMinNodeCount", 0.0).containsEntry("totalMaxNodeCount", 3.0);

    var a100 = map(mocks.one("gcp:container/nodePool:NodePool", "c-pool-a100").inputs().get("nodeConfig"));
    assertThat(map(list(a100.get("guestAccelerators")).get(0))).containsEntry("type", "nvidia-tesla-a100");
    assertThat(a100).containsEntry("spot", false);

    var system = map(mocks.one("gcp:container/nodePool:NodePool", "c-pool-system").inputs().get("nodeConfig"));
    assertThat(system).doesNotContainKeys("taints", "guestAccelerators");
    assertThat(map(system.get("labels"))).containsEntry("gantry.dev/pool", "system");
    assertThat(system.get("serviceAccount")).isEqualTo("gantry-gcp-nodes@proj.iam.gserviceaccount.com");
  }

  @Test
  void gpuCluster_isVpcNativePrivateWithReleaseChannelAndWorkloadIdentity() {
    CloudMocks mocks = CloudMocks.run(ctx -> new GpuCluster("c", clusterArgs(true, List.of("203.0.113.0/24"),
        List.of(gpuPool("l4", "g2-standard-8", "nvidia-l4", 1, false))), null));
    var cluster = mocks.one("gcp:container/cluster:Cluster", "c-gke").inputs();
    assertThat(cluster).containsEntry("networkingMode", "VPC_NATIVE").containsEntry("removeDefaultNodePool", true)
        .containsEntry("deletionProtection", true).containsEntry("location", "us-central1");
    assertThat(map(cluster.get("ipAllocationPolicy"))).containsEntry("clusterSecondaryRangeName", "pods")
        .containsEntry("servicesSecondaryRangeName", "services");
    assertThat(map(cluster.get("privateClusterConfig"))).containsEntry("enablePrivateNodes", true)
        .containsEntry("enablePrivateEndpoint", false);
    assertThat(list(map(cluster.get("masterAuthorizedNetworksConfig")).get("cidrBlocks")))
        .extracting(b -> map(b).get("cidrBlock")).containsExactly("203.0.113.0/24");
    assertThat(map(cluster.get("releaseChannel"))).containsEntry("channel", "REGULAR");
    assertThat(map(cluster.get("workloadIdentityConfig"))).containsEntry("workloadPool", "proj.svc.id.goog");
    assertThat(map(cluster.get("resourceLabels"))).containsEntry("gantry_dev_stack", "gcp-test");
    assertThat(mocks.ofType("gcp:projects/iAMMember:IAMMember")).extracting(r -> r.inputs().get("role"))
        .containsExactlyInAnyOrderElementsOf(GpuCluster.NODE_ROLES);
  }

  @Test
  void gpuCluster_kubeconfig_usesTheGcloudPluginAndHoldsNoCredentials() {
    String kubeconfig = GpuCluster.kubeconfig("proj", "us-central1", "gantry-gcp", "34.1.2.3",
        com.pulumi.gcp.container.outputs.ClusterMasterAuth.builder().clusterCaCertificate("Q0E=")
            .clientCertificateConfig(com.pulumi.gcp.container.outputs.ClusterMasterAuthClientCertificateConfig.builder()
                .issueClientCertificate(false).build()).build());
    assertThat(kubeconfig).contains("\"server\":\"https://34.1.2.3\"", "gke-gcloud-auth-plugin",
        "\"current-context\":\"gke_proj_us-central1_gantry-gcp\"").doesNotContain("token", "client-key");
  }

  @Test
  void gpuClusterArgs_rejectOpenEndpointsOnePoolZoneAndGpuPoolsWithoutAccelerators() {
    assertThatThrownBy(() -> clusterArgs(true, List.of("0.0.0.0/0"), List.of(gpuPool("l4", "g2-standard-8", "nvidia-l4", 1, false))))
        .hasMessageContaining("allow-list without 0.0.0.0/0");
    assertThatThrownBy(() -> clusterArgs(false, List.of(), List.of(
        new GpuCluster.NodePool("cpu", "n2-standard-8", null, 0, 0, 2, 1, false, 100, Map.of()))))
        .hasMessageContaining("GPU pool 'cpu' has no accelerator");
    assertThatThrownBy(() -> gpuPool("l4", "g2-standard-8", "nvidia-l5", 1, false))
        .hasMessageContaining("accelerator 'nvidia-l5' is not a GKE GPU type");
    assertThatThrownBy(() -> GpuCluster.NodePool.acceleratorFor("B200")).hasMessageContaining("GPU model 'B200'");
    assertThat(GpuCluster.NodePool.acceleratorFor("A100")).isEqualTo("nvidia-tesla-a100");
  }

  @Test
  void accountId_isShortenedStablyToThirtyCharacters() {
    String id = GpuCluster.accountId("gantry-gcp-prod-cluster-with-a-long-name-engine");
    assertThat(id).hasSizeLessThanOrEqualTo(30).matches("[a-z][-a-z0-9]{5,29}")
        .isEqualTo(GpuCluster.accountId("gantry-gcp-prod-cluster-with-a-long-name-engine"));
    assertThat(GpuCluster.accountId("gantry-nodes")).isEqualTo("gantry-nodes");
  }

  @Test
  void network_carvesNodePodAndServiceRangesAndPeersForPrivateServices() {
    CloudMocks mocks = CloudMocks.run(ctx -> new Network("n", new Network.Args("proj", "us-central1", "gantry-t", "10.50.0.0/16"), null));
    var subnet = mocks.one("gcp:compute/subnetwork:Subnetwork", "n-nodes").inputs();
    assertThat(subnet).containsEntry("ipCidrRange", "10.50.0.0/20").containsEntry("privateIpGoogleAccess", true);
    assertThat(list(subnet.get("secondaryIpRanges"))).containsExactly(
        Map.of("rangeName", "pods", "ipCidrRange", "10.50.128.0/17"),
        Map.of("rangeName", "services", "ipCidrRange", "10.50.16.0/20"));
    assertThat(mocks.one("gcp:compute/network:Network", "n-vpc").inputs()).containsEntry("autoCreateSubnetworks", false);
    assertThat(mocks.ofType("gcp:compute/routerNat:RouterNat")).hasSize(1);
    assertThat(mocks.one("gcp:servicenetworking/connection:Connection", "n-private-services").inputs())
        .containsEntry("service", "servicenetworking.googleapis.com");
  }

  @Test
  void modelStorage_isVersionedUniformAndNeverPublic() {
    CloudMocks mocks = CloudMocks.run(ctx -> new ModelStorage("m", new ModelStorage.Args("proj", "gantry-models-t",
        "us-central1", null, false, TAGS), null));
    var bucket = mocks.one("gcp:storage/bucket:Bucket", "m-bucket").inputs();
    assertThat(bucket).containsEntry("uniformBucketLevelAccess", true).containsEntry("publicAccessPrevention", "enforced")
        .containsEntry("forceDestroy", false).doesNotContainKey("encryption");
    assertThat(map(bucket.get("versioning"))).containsEntry("enabled", true);
    assertThatThrownBy(() -> new ModelStorage.Args("proj", "Bad_Bucket", "us-central1", null, false, TAGS))
        .hasMessageContaining("Bucket name 'Bad_Bucket'");
    assertThatThrownBy(() -> new ModelStorage.Args("proj", "ok-bucket", "us-central1", "my-key", false, TAGS))
        .hasMessageContaining("KMS key 'my-key' must be a full key name");
  }

  @Test
  void modelStorage_withCmek_usesTheKey() {
    String key = "projects/proj/locations/us-central1/keyRings/r/cryptoKeys/k";
    CloudMocks mocks = CloudMocks.run(ctx -> new ModelStorage("m", new ModelStorage.Args("proj", "gantry-models-t",
        "us-central1", key, false, TAGS), null));
    assertThat(map(mocks.one("gcp:storage/bucket:Bucket", "m-bucket").inputs().get("encryption")))
        .containsEntry("defaultKmsKeyName", key);
  }

  @Test
  void database_hasPrivateIpOnlyTlsBackupsPitrAndDeletionProtection() {
    CloudMocks mocks = CloudMocks.run(ctx -> new Database("db", new Database.Args("proj", "gantry-t-gateway", "us-central1", 16,
        "db-custom-2-7680", 20, 100, 14, true, true, Output.of("projects/proj/global/networks/vpc"), null,
        Output.of("pw"), TAGS), null));
    var db = mocks.one("gcp:sql/databaseInstance:DatabaseInstance", "db-instance").inputs();
    assertThat(db).containsEntry("databaseVersion", "POSTGRES_16").containsEntry("deletionProtection", true);
    var settings = map(db.get("settings"));
    assertThat(settings).containsEntry("availabilityType", "REGIONAL").containsEntry("deletionProtectionEnabled", true);
    assertThat(map(settings.get("ipConfiguration"))).containsEntry("ipv4Enabled", false).containsEntry("requireSsl", true)
        .containsEntry("privateNetwork", "projects/proj/global/networks/vpc");
    var backups = map(settings.get("backupConfiguration"));
    assertThat(backups).containsEntry("enabled", true).containsEntry("pointInTimeRecoveryEnabled", true);
    assertThat(map(backups.get("backupRetentionSettings"))).containsEntry("retainedBackups", 14.0);
    assertThat(mocks.one("gcp:sql/database:Database", "db-database").inputs()).containsEntry("name", "gantry");
    assertThatThrownBy(() -> new Database.Args("proj", "i", "r", 16, "db-custom-2-7680", 20, 100, 3, true, true,
        Output.of("n"), null, Output.of("pw"), TAGS)).hasMessageContaining("Backup retention 3 days");
    assertThatThrownBy(() -> new Database.Args("proj", "i", "r", 16, "db.t4g.medium", 20, 100, 7, true, true,
        Output.of("n"), null, Output.of("pw"), TAGS)).hasMessageContaining("tier 'db.t4g.medium'");
  }

  @Test
  void secretStore_createsEverySecretAndVersionsOnlyThoseWithValues() {
    CloudMocks mocks = CloudMocks.run(ctx -> new SecretStore("s", new SecretStore.Args("proj", "gantry-t",
        Optional.of(Output.of("mk")), Optional.empty(), Optional.of(Output.of("postgresql://x")), "gantry-t-grafana-admin",
        Optional.empty(), TAGS), null));
    assertThat(mocks.ofType("gcp:secretmanager/secret:Secret")).extracting(r -> r.inputs().get("secretId"))
        .containsExactlyInAnyOrder("gantry-t-gateway-master-key", "gantry-t-hf-token", "gantry-t-gateway-database-url",
            "gantry-t-grafana-admin");
    assertThat(mocks.ofType("gcp:secretmanager/secretVersion:SecretVersion")).extracting(r -> r.name())
        .containsExactlyInAnyOrder("s-gateway-master-key-value", "s-gateway-database-url-value");
    assertThatThrownBy(() -> new SecretStore.Args("proj", "gantry/t", Optional.empty(), Optional.empty(), Optional.empty(),
        "g", Optional.empty(), TAGS)).hasMessageContaining("Secret Manager id 'gantry/t'");
  }

  @Test
  void imageRegistry_hasImmutableTags() {
    CloudMocks mocks = CloudMocks.run(ctx -> new ImageRegistry("i", new ImageRegistry.Args("proj", "us-central1", "gantry", TAGS), null));
    var repo = mocks.one("gcp:artifactregistry/repository:Repository", "i-docker").inputs();
    assertThat(repo).containsEntry("format", "DOCKER");
    assertThat(map(repo.get("dockerConfig"))).containsEntry("immutableTags", true);
  }

  @Test
  void serviceAccountIdentity_bindsExactlyOneKubernetesServiceAccountAndGrantsReadOnly() {
    CloudMocks mocks = CloudMocks.run(ctx -> new ServiceAccountIdentity("e", new ServiceAccountIdentity.Args("proj",
        "gantry-t-engine", "proj.svc.id.goog", "gantry-serving", "gantry-engine", Output.of("gantry-models-t"),
        List.of(Output.of("projects/proj/secrets/a"))), null));
    assertThat(mocks.one("gcp:serviceaccount/iAMMember:IAMMember", "e-workload-identity").inputs())
        .containsEntry("role", "roles/iam.workloadIdentityUser")
        .containsEntry("member", "serviceAccount:proj.svc.id.goog[gantry-serving/gantry-engine]");
    assertThat(mocks.one("gcp:storage/bucketIAMMember:BucketIAMMember", "e-bucket-read").inputs())
        .containsEntry("role", "roles/storage.objectViewer")
        .containsEntry("member", "serviceAccount:gantry-t-engine@proj.iam.gserviceaccount.com");
    assertThat(mocks.one("gcp:secretmanager/secretIamMember:SecretIamMember", "e-secret-read-0").inputs())
        .containsEntry("role", "roles/secretmanager.secretAccessor");
  }
}
