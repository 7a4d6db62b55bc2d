package dev.gantry.infra.aws;

import static dev.gantry.infra.aws.AwsMocks.list;
import static dev.gantry.infra.aws.AwsMocks.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pulumi.core.Output;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The AWS components under Pulumi's mock monitor: the properties production readiness hangs on. */
class AwsComponentsTest {
  private static final Map<String, String> TAGS = Map.of("team", "ml");

  static GpuCluster.NodePool gpuPool(String name, boolean spot) {
    return new GpuCluster.NodePool(name, "g6.xlarge", GpuCluster.DEFAULT_GPU_AMI_TYPE, 1, 4, 2, spot, 200, Map.of());
  }

  static GpuCluster.Args clusterArgs(boolean endpointPublic, List<String> cidrs, List<GpuCluster.NodePool> gpuPools) {
    return new GpuCluster.Args("gantry-test", "us-east-1", "1.31", Output.of("vpc-1"), AwsMocks.subnets(),
        endpointPublic, cidrs, 30,
        new GpuCluster.NodePool("system", "m6i.xlarge", "AL2023_x86_64_STANDARD", 2, 4, 2, false, 50, Map.of()),
        gpuPools, TAGS);
  }

  @Test
  void gpuCluster_gpuPools_haveNvidiaAmiTaintPoolLabelAndCapacityType() {
    AwsMocks mocks = AwsMocks.run(ctx -> new GpuCluster("c", clusterArgs(false, List.of(),
        List.of(gpuPool("l4", true), gpuPool("l40s", false))), null));

    var l4 = mocks.one("aws:eks/nodeGroup:NodeGroup", "c-pool-l4").inputs();
    assertThat(l4.get("amiType")).isEqualTo("AL2023_x86_64_NVIDIA");
    assertThat(l4.get("capacityType")).isEqualTo("SPOT");
    assertThat(list(l4.get("taints"))).containsExactly(
        Map.of("key", "nvidia.com/gpu", "value", "present", "effect", "NO_SCHEDULE"));
    assertThat(map(l4.get("labels"))).containsEntry("gantry.dev/pool", "l4").containsEntry("gantry.dev/capacity", "spot");
    assertThat(map(l4.get("scalingConfig"))).containsEntry("minSize", 1.0).containsEntry("maxSize", 4.0).containsEntry("desiredSize", 2.0);
    assertThat(mocks.one("aws:eks/nodeGroup:NodeGroup", "c-pool-l40s").inputs().get("capacityType")).isEqualTo("ON_DEMAND");

    var system = mocks.one("aws:eks/nodeGroup:NodeGroup", "c-pool-system").inputs();
    assertThat(system).doesNotContainKey("taints");
    assertThat(map(system.get("labels"))).containsEntry("gantry.dev/pool", "system");
  }

  @Test
  void gpuCluster_controlPlane_encryptsSecretsLogsEverythingAndKeepsEndpointPrivate() {
    AwsMocks mocks = AwsMocks.run(ctx -> new GpuCluster("c", clusterArgs(false, List.of(), List.of(gpuPool("l4", false))), null));
    var cluster = mocks.one("aws:eks/cluster:Cluster", "c-eks").inputs();
    assertThat(list(cluster.get("enabledClusterLogTypes"))).containsExactlyElementsOf(GpuCluster.LOG_TYPES);
    var encryption = map(cluster.get("encryptionConfig"));
    assertThat(list(encryption.get("resources"))).containsExactly("secrets");
    assertThat(map(encryption.get("provider")).get("keyArn")).isEqualTo("arn:aws:test:::c-secrets");
    var vpc = map(cluster.get("vpcConfig"));
    assertThat(vpc).containsEntry("endpointPrivateAccess", true).containsEntry("endpointPublicAccess", false);
    assertThat(mocks.one("aws:kms/key:Key", "c-secrets").inputs()).containsEntry("enableKeyRotation", true);
    assertThat(mocks.ofType("aws:iam/openIdConnectProvider:OpenIdConnectProvider")).singleElement()
        .satisfies(oidc -> assertThat(oidc.inputs().get("url")).isEqualTo("https://oidc.eks.us-east-1.amazonaws.com/id/ABC"));
  }

  @Test
  void gpuCluster_publicEndpoint_isLimitedToTheAllowList() {
    AwsMocks mocks = AwsMocks.run(ctx -> new GpuCluster("c", clusterArgs(true, List.of("203.0.113.0/24"),
        List.of(gpuPool("l4", false))), null));
    var vpc = map(mocks.one("aws:eks/cluster:Cluster", "c-eks").inputs().get("vpcConfig"));
    assertThat(vpc).containsEntry("endpointPublicAccess", true);
    assertThat(list(vpc.get("publicAccessCidrs"))).containsExactly("203.0.113.0/24");
  }

  @Test
  void gpuClusterArgs_whenPublicEndpointOpenToTheInternet_isRejected() {
    assertThatThrownBy(() -> clusterArgs(true, List.of("0.0.0.0/0"), List.of(gpuPool("l4", false))))
        .hasMessageContaining("allow-list without 0.0.0.0/0");
    assertThatThrownBy(() -> clusterArgs(true, List.of(), List.of(gpuPool("l4", false))))
        .hasMessageContaining("allow-list");
  }

  @Test
  void gpuClusterArgs_whenGpuPoolHasNoNvidiaAmi_isRejected() {
    var cpuAmi = new GpuCluster.NodePool("l4", "g6.xlarge", "AL2023_x86_64_STANDARD", 1, 2, 1, false, 100, Map.of());
    assertThatThrownBy(() -> clusterArgs(false, List.of(), List.of(cpuAmi)))
        .hasMessageContaining("'AL2023_x86_64_STANDARD' has no NVIDIA driver");
  }

  @Test
  void nodePool_whenSizesOutOfOrder_namesThePool() {
    assertThatThrownBy(() -> new GpuCluster.NodePool("l4", "g6.xlarge", GpuCluster.DEFAULT_GPU_AMI_TYPE, 3, 2, 2, false, 100, Map.of()))
        .hasMessageContaining("Node pool 'l4' needs 0 <= minNodes <= desiredNodes <= maxNodes");
  }

  @Test
  void gpuCluster_kubeconfig_authenticatesThroughTheAwsCliWithoutCredentials() {
    String kubeconfig = GpuCluster.kubeconfig("gantry-test", "https://x.eks.amazonaws.com",
        new com.pulumi.aws.eks.outputs.ClusterCertificateAuthority.Builder().data("Q0E=").build(), "eu-west-1");
    assertThat(kubeconfig).startsWith("{\"apiVersion\":\"v1\",\"kind\":\"Config\",\"clusters\"")
        .contains("\"command\":\"aws\"", "\"get-token\"", "\"eu-west-1\"", "\"certificate-authority-data\":\"Q0E=\"")
        .doesNotContain("token\":", "password");
  }

  @Test
  void modelStorage_bucket_isVersionedKmsEncryptedAndNotPublic() {
    AwsMocks mocks = AwsMocks.run(ctx -> new ModelStorage("m", new ModelStorage.Args("gantry-models-x", "gantry", false, TAGS), null));
    assertThat(mocks.one("aws:s3/bucketV2:BucketV2", "m-bucket").inputs()).containsEntry("bucket", "gantry-models-x")
        .containsEntry("forceDestroy", false);
    assertThat(map(mocks.one("aws:s3/bucketVersioningV2:BucketVersioningV2", "m-versioning").inputs()
        .get("versioningConfiguration"))).containsEntry("status", "Enabled");
    var rule = map(list(mocks.one("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
        "m-encryption").inputs().get("rules")).get(0));
    assertThat(map(rule.get("applyServerSideEncryptionByDefault")))
        .containsEntry("sseAlgorithm", "aws:kms").containsEntry("kmsMasterKeyId", "arn:aws:test:::m-key");
    assertThat(mocks.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "m-public-access").inputs())
        .containsEntry("blockPublicAcls", true).containsEntry("blockPublicPolicy", true)
        .containsEntry("ignorePublicAcls", true).containsEntry("restrictPublicBuckets", true);
  }

  @Test
  void modelStorageArgs_whenBucketNameInvalid_quotesIt() {
    assertThatThrownBy(() -> new ModelStorage.Args("Bad_Bucket", "gantry", false, TAGS))
        .hasMessageContaining("Bucket name 'Bad_Bucket'");
  }

  static Database.Args dbArgs(int backupDays) {
    return new Database.Args("gantry-db", "16.4", "db.t4g.medium", 50, 200, backupDays, true, true,
        Output.of("vpc-1"), AwsMocks.subnets(), Output.of("sg-cluster"), Output.ofSecret("p@ss/word"), TAGS);
  }

  @Test
  void database_isPrivateEncryptedBackedUpAndProtected() {
    AwsMocks mocks = AwsMocks.run(ctx -> new Database("d", dbArgs(14), null));
    var db = mocks.one("aws:rds/instance:Instance", "d-postgres").inputs();
    assertThat(db).containsEntry("engine", "postgres").containsEntry("backupRetentionPeriod", 14.0)
        .containsEntry("deletionProtection", true).containsEntry("storageEncrypted", true)
        .containsEntry("publiclyAccessible", false).containsEntry("multiAz", true)
        .containsEntry("skipFinalSnapshot", false).containsEntry("kmsKeyId", "arn:aws:test:::d-key");
    var ingress = map(list(mocks.one("aws:ec2/securityGroup:SecurityGroup", "d-sg").inputs().get("ingress")).get(0));
    assertThat(list(ingress.get("securityGroups"))).containsExactly("sg-cluster");
    assertThat(ingress).doesNotContainKey("cidrBlocks");
    assertThat(list(mocks.one("aws:rds/subnetGroup:SubnetGroup", "d-subnets").inputs().get("subnetIds")))
        .containsExactly("subnet-a", "subnet-b");
  }

  @Test
  void database_connectionUrl_escapesThePasswordAndRequiresTls() {
    String[] url = new String[1];
    AwsMocks.run(ctx -> new Database("d", dbArgs(7), null).connectionUrl().applyValue(u -> url[0] = u));
    assertThat(url[0]).isEqualTo("postgresql://gantry:p%40ss%2Fword@db.example.rds.amazonaws.com:5432/gantry?sslmode=require");
  }

  @Test
  void databaseArgs_whenBackupsShorterThanAWeek_isRejected() {
    assertThatThrownBy(() -> dbArgs(3)).hasMessageContaining("Backup retention of 3 days must be within [7, 35]");
  }

  @Test
  void network_spansEveryZoneWithPrivateSubnetsBehindPerZoneNat() {
    AwsMocks mocks = AwsMocks.run(ctx -> new Network("n", new Network.Args("gantry", "10.40.0.0/16",
        List.of("us-east-1a", "us-east-1b"), "gantry-test", TAGS), null));
    assertThat(mocks.ofType("aws:ec2/subnet:Subnet")).hasSize(4);
    var privateA = mocks.one("aws:ec2/subnet:Subnet", "n-private-us-east-1a").inputs();
    assertThat(privateA).containsEntry("cidrBlock", "10.40.0.0/19").containsEntry("availabilityZone", "us-east-1a");
    assertThat(map(privateA.get("tags"))).containsEntry("kubernetes.io/role/internal-elb", "1");
    assertThat(mocks.ofType("aws:ec2/natGateway:NatGateway")).hasSize(2);
    assertThat(mocks.one("aws:ec2/subnet:Subnet", "n-public-us-east-1b").inputs())
        .containsEntry("cidrBlock", "10.40.228.0/22").containsEntry("mapPublicIpOnLaunch", false);
  }

  @Test
  void networkArgs_whenOneZone_isRejected() {
    assertThatThrownBy(() -> new Network.Args("g", "10.0.0.0/16", List.of("us-east-1a"), "c", TAGS))
        .hasMessageContaining("at least 2 availability zones");
  }

  @Test
  void imageRegistry_repositoriesAreImmutableScannedAndEncrypted() {
    AwsMocks mocks = AwsMocks.run(ctx -> new ImageRegistry("i", new ImageRegistry.Args("gantry", List.of("engine", "gateway"), TAGS), null));
    var engine = mocks.one("aws:ecr/repository:Repository", "i-engine").inputs();
    assertThat(engine).containsEntry("name", "gantry/engine").containsEntry("imageTagMutability", "IMMUTABLE");
    assertThat(map(engine.get("imageScanningConfiguration"))).containsEntry("scanOnPush", true);
    assertThat(mocks.ofType("aws:ecr/lifecyclePolicy:LifecyclePolicy")).hasSize(2);
  }

  @Test
  void secretStore_createsEverySecretEncryptedAndVersionsOnlyThoseWithValues() {
    AwsMocks mocks = AwsMocks.run(ctx -> new SecretStore("s", new SecretStore.Args("gantry/test",
        Optional.of(Output.ofSecret("k")), Optional.empty(), Optional.of(Output.ofSecret("postgresql://x")),
        "gantry-test-grafana-admin", Optional.empty(), 7, TAGS), null));
    assertThat(mocks.ofType("aws:secretsmanager/secret:Secret")).extracting(r -> r.inputs().get("name"))
        .containsExactlyInAnyOrder("gantry/test/gateway-master-key", "gantry/test/hf-token",
            "gantry/test/gateway-database-url", "gantry-test-grafana-admin");
    assertThat(mocks.ofType("aws:secretsmanager/secret:Secret"))
        .allSatisfy(r -> assertThat(r.inputs().get("kmsKeyId")).isEqualTo("arn:aws:test:::s-key"));
    assertThat(mocks.ofType("aws:secretsmanager/secretVersion:SecretVersion")).extracting(AwsMocks.Registered::name)
        .containsExactlyInAnyOrder("s-gateway-master-key-value", "s-gateway-database-url-value");
  }

  @Test
  void serviceAccountRole_trustsOnlyTheNamedServiceAccountAndGrantsListedActions() {
    AwsMocks mocks = AwsMocks.run(ctx -> new ServiceAccountRole("r", new ServiceAccountRole.Args("engine",
        Output.of("arn:aws:iam::1:oidc-provider/oidc.example/id/X"), Output.of("oidc.example/id/X"), "gantry-serving",
        "gantry-engine", List.of(new ServiceAccountRole.Grant(List.of("s3:GetObject"), List.of(Output.of("arn:aws:s3:::b/*")))),
        TAGS), null));
    String trust = (String) mocks.one("aws:iam/role:Role", "r-role").inputs().get("assumeRolePolicy");
    assertThat(trust).contains("\"oidc.example/id/X:sub\":\"system:serviceaccount:gantry-serving:gantry-engine\"",
        "\"oidc.example/id/X:aud\":\"sts.amazonaws.com\"", "sts:AssumeRoleWithWebIdentity");
    String policy = (String) mocks.one("aws:iam/rolePolicy:RolePolicy", "r-policy").inputs().get("policy");
    assertThat(policy).isEqualTo("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
        + "\"Action\":[\"s3:GetObject\"],\"Resource\":[\"arn:aws:s3:::b/*\"]}]}");
  }

  @Test
  void typeToken_rejectsBadAreaOrKind() {
    assertThat(dev.gantry.infra.GantryComponent.typeToken("aws", "GpuCluster")).isEqualTo("gantry:aws:GpuCluster");
    assertThatThrownBy(() -> dev.gantry.infra.GantryComponent.typeToken("AWS", "GpuCluster")).hasMessageContaining("area 'AWS'");
    assertThatThrownBy(() -> dev.gantry.infra.GantryComponent.typeToken("aws", "gpu")).hasMessageContaining("kind 'gpu'");
  }
}
