package dev.gantry.stacks.plan;

import com.pulumi.test.Mocks;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32;

/**
 * Plausible outputs for the resources a Gantry stack creates, so that values computed from
 * them (ARNs in IAM policies, the EKS endpoint and OIDC issuer in the kubeconfig and IRSA
 * trust policies, bucket and database names) resolve during an offline plan. Ids are
 * derived from the resource's type and name, never random, so plans are reproducible.
 * Outputs not listed here stay unknown, as in a real {@code pulumi preview}.
 */
final class PlanMocks implements Mocks {
  static final String ACCOUNT = "123456789012";
  static final String SUBSCRIPTION = "00000000-0000-4000-8000-000000000000";
  private static final String TENANT = "gantry-plan-tenant";
  private final String region;

  PlanMocks(String region) {
    this.region = region == null ? "us-east-1" : region;
  }

  @Override
  public CompletableFuture<ResourceResult> newResourceAsync(ResourceArgs args) {
    Map<String, Object> state = new HashMap<>(args.inputs);
    String type = args.type;
    String hash = hash(type + "/" + args.name);
    if (type.startsWith("pulumi:providers:")) {
      return CompletableFuture.completedFuture(ResourceResult.of(Optional.of(hash), state));
    }
    String id = args.name + "-" + hash;
    String name = (String) args.inputs.getOrDefault("name", args.name);
    switch (type) {
      case "aws:ec2/vpc:Vpc" -> id = "vpc-" + hash;
      case "aws:ec2/subnet:Subnet" -> id = "subnet-" + hash;
      case "aws:ec2/internetGateway:InternetGateway" -> id = "igw-" + hash;
      case "aws:ec2/natGateway:NatGateway" -> id = "nat-" + hash;
      case "aws:ec2/eip:Eip" -> id = "eipalloc-" + hash;
      case "aws:ec2/routeTable:RouteTable" -> id = "rtb-" + hash;
      case "aws:ec2/securityGroup:SecurityGroup" -> id = "sg-" + hash;
      case "aws:kms/key:Key" -> {
        id = uuid(hash);
        state.put("arn", "arn:aws:kms:" + region + ":" + ACCOUNT + ":key/" + id);
        state.put("keyId", id);
      }
      case "aws:iam/role:Role" -> {
        String roleName = (String) args.inputs.getOrDefault("name", args.name + "-" + hash);
        id = roleName;
        state.put("name", roleName);
        state.put("arn", "arn:aws:iam::" + ACCOUNT + ":role/" + roleName);
      }
      case "aws:iam/openIdConnectProvider:OpenIdConnectProvider" -> {
        String url = String.valueOf(args.inputs.getOrDefault("url", "https://oidc.eks." + region + ".amazonaws.com/id/" + hash));
        state.put("arn", "arn:aws:iam::" + ACCOUNT + ":oidc-provider/" + url.replaceFirst("^https://", ""));
      }
      case "aws:eks/cluster:Cluster" -> {
        String issuerId = hash(name + "oidc").toUpperCase() + hash(name + "issuer").toUpperCase();
        id = name;
        state.put("name", name);
        state.put("arn", "arn:aws:eks:" + region + ":" + ACCOUNT + ":cluster/" + name);
        state.put("endpoint", "https://" + issuerId + ".gr7." + region + ".eks.amazonaws.com");
        state.put("certificateAuthority", Map.of("data",
            Base64.getEncoder().encodeToString(("plan-only CA of " + name).getBytes(StandardCharsets.UTF_8))));
        state.put("identities", List.of(Map.of("oidcs", List.of(Map.of("issuer",
            "https://oidc.eks." + region + ".amazonaws.com/id/" + issuerId)))));
        Map<String, Object> vpc = new HashMap<>(asMap(args.inputs.get("vpcConfig")));
        vpc.put("clusterSecurityGroupId", "sg-" + hash(name + "cluster-sg"));
        state.put("vpcConfig", vpc);
      }
      case "aws:s3/bucketV2:BucketV2" -> {
        String bucket = (String) args.inputs.getOrDefault("bucket",
            args.inputs.getOrDefault("bucketPrefix", args.name + "-") + "20260101000000" + hash);
        id = bucket;
        state.put("bucket", bucket);
        state.put("arn", "arn:aws:s3:::" + bucket);
      }
      case "aws:secretsmanager/secret:Secret" -> {
        String arn = "arn:aws:secretsmanager:" + region + ":" + ACCOUNT + ":secret:" + name + "-" + hash.substring(0, 6);
        id = arn;
        state.put("arn", arn);
      }
      case "aws:rds/instance:Instance" -> {
        String identifier = (String) args.inputs.getOrDefault("identifier", args.name);
        id = identifier;
        state.put("address", identifier + ".c" + hash + "." + region + ".rds.amazonaws.com");
        state.put("port", 5432);
        state.put("arn", "arn:aws:rds:" + region + ":" + ACCOUNT + ":db:" + identifier);
        state.put("masterUserSecrets", List.of(Map.of("secretArn",
            "arn:aws:secretsmanager:" + region + ":" + ACCOUNT + ":secret:rds!db-" + uuid(hash) + "-" + hash.substring(0, 6))));
      }
      case "aws:rds/subnetGroup:SubnetGroup" -> id = name;
      case "aws:ecr/repository:Repository" -> {
        id = name;
        state.put("arn", "arn:aws:ecr:" + region + ":" + ACCOUNT + ":repository/" + name);
        state.put("repositoryUrl", ACCOUNT + ".dkr.ecr." + region + ".amazonaws.com/" + name);
      }
      case "aws:eks/nodeGroup:NodeGroup" -> state.put("arn", "arn:aws:eks:" + region + ":" + ACCOUNT + ":nodegroup/"
          + args.inputs.getOrDefault("clusterName", "cluster") + "/" + args.inputs.getOrDefault("nodeGroupName", args.name) + "/" + hash);
      case "gcp:serviceaccount/account:Account" -> {
        String email = args.inputs.get("accountId") + "@" + project(args) + ".iam.gserviceaccount.com";
        id = "projects/" + project(args) + "/serviceAccounts/" + email;
        state.put("email", email);
        state.put("name", id);
      }
      case "gcp:container/cluster:Cluster" -> {
        id = "projects/" + project(args) + "/locations/" + args.inputs.get("location") + "/clusters/" + name;
        state.put("endpoint", ip("34", hash));
        state.put("masterAuth", Map.of("clusterCaCertificate",
            Base64.getEncoder().encodeToString(("plan-only CA of " + name).getBytes(StandardCharsets.UTF_8))));
        state.put("selfLink", "https://container.googleapis.com/v1/" + id);
      }
      case "gcp:container/nodePool:NodePool" -> id = args.inputs.get("cluster") + "/nodePools/" + name;
      case "gcp:compute/network:Network" -> {
        id = "projects/" + project(args) + "/global/networks/" + name;
        state.put("selfLink", "https://www.googleapis.com/compute/v1/" + id);
      }
      case "gcp:compute/subnetwork:Subnetwork" -> {
        id = "projects/" + project(args) + "/regions/" + args.inputs.get("region") + "/subnetworks/" + name;
        state.put("selfLink", "https://www.googleapis.com/compute/v1/" + id);
      }
      case "gcp:compute/globalAddress:GlobalAddress" -> {
        id = "projects/" + project(args) + "/global/addresses/" + name;
        state.put("address", "10.200.0.0");
      }
      case "gcp:sql/databaseInstance:DatabaseInstance" -> {
        id = name;
        state.put("privateIpAddress", ip("10", hash));
        state.put("connectionName", project(args) + ":" + region + ":" + name);
        state.put("selfLink", "https://sqladmin.googleapis.com/sql/v1beta4/projects/" + project(args) + "/instances/" + name);
      }
      case "gcp:secretmanager/secret:Secret" -> {
        id = "projects/" + project(args) + "/secrets/" + args.inputs.get("secretId");
        state.put("name", id);
      }
      case "gcp:storage/bucket:Bucket" -> {
        id = name;
        state.put("url", "gs://" + name);
        state.put("selfLink", "https://www.googleapis.com/storage/v1/b/" + name);
      }
      case "gcp:artifactregistry/repository:Repository" -> {
        id = "projects/" + project(args) + "/locations/" + args.inputs.get("location") + "/repositories/" + args.inputs.get("repositoryId");
        state.put("name", args.inputs.get("repositoryId"));
      }
      case "azure-native:containerservice:ManagedCluster" -> {
        state.put("name", args.inputs.get("resourceName"));
        state.put("fqdn", args.inputs.get("dnsPrefix") + "-" + hash + ".hcp." + region + ".azmk8s.io");
        state.put("oidcIssuerProfile", Map.of("enabled", true,
            "issuerURL", "https://" + region + ".oic.prod-aks.azure.com/" + uuid(hash(TENANT)) + "/" + uuid(hash) + "/"));
        state.put("identityProfile", Map.of("kubeletidentity", Map.of("objectId", uuid(hash(name + "kubelet")),
            "clientId", uuid(hash(name + "kubelet-client")), "resourceId", azureId(args, "Microsoft.ManagedIdentity/userAssignedIdentities",
                args.inputs.get("resourceName") + "-agentpool"))));
      }
      case "azure-native:managedidentity:UserAssignedIdentity" -> {
        state.put("name", args.inputs.get("resourceName"));
        state.put("clientId", uuid(hash(args.name + "client")));
        state.put("principalId", uuid(hash(args.name + "principal")));
      }
      case "azure-native:dbforpostgresql:Server" -> {
        state.put("name", args.inputs.get("serverName"));
        state.put("fullyQualifiedDomainName", args.inputs.get("serverName") + ".postgres.database.azure.com");
      }
      case "azure-native:keyvault:Vault" -> {
        state.put("name", args.inputs.get("vaultName"));
        Map<String, Object> props = new HashMap<>(asMap(args.inputs.get("properties")));
        props.put("vaultUri", "https://" + args.inputs.get("vaultName") + ".vault.azure.net/");
        state.put("properties", props);
      }
      case "azure-native:resources:ResourceGroup" -> state.put("name", args.inputs.get("resourceGroupName"));
      case "azure-native:storage:StorageAccount" -> state.put("name", args.inputs.get("accountName"));
      case "azure-native:network:VirtualNetwork" -> state.put("name", args.inputs.get("virtualNetworkName"));
      case "azure-native:network:PrivateZone" -> state.put("name", args.inputs.get("privateZoneName"));
      case "azure-native:containerregistry:Registry" -> {
        state.put("name", args.inputs.get("registryName"));
        state.put("loginServer", String.valueOf(args.inputs.get("registryName")).toLowerCase() + ".azurecr.io");
      }
      default -> {
        if (type.startsWith("aws:") && !state.containsKey("arn")) {
          state.put("arn", "arn:aws:" + type.substring(4, type.indexOf('/') < 0 ? type.length() : type.indexOf('/'))
              + ":" + region + ":" + ACCOUNT + ":" + args.name + "/" + hash);
        }
        if (type.startsWith("kubernetes:")) {
          id = args.name;
        }
      }
    }
    if (type.startsWith("azure-native:")) {
      id = azureId(args, type.substring("azure-native:".length()).replace(':', '/'), String.valueOf(state.getOrDefault("name", args.name)));
    }
    return CompletableFuture.completedFuture(ResourceResult.of(Optional.of(id), state));
  }

  /** An Azure resource id in the plan's subscription and the resource's group. */
  private static String azureId(ResourceArgs args, String provider, String name) {
    Object group = args.inputs.getOrDefault("resourceGroupName", args.inputs.get("resourceGroupName"));
    return "/subscriptions/" + SUBSCRIPTION + "/resourceGroups/" + (group == null ? name : group) + "/providers/" + provider + "/" + name;
  }

  @Override
  public CompletableFuture<Map<String, Object>> callAsync(CallArgs args) {
    if (args.token.equals("aws:index/getCallerIdentity:getCallerIdentity")) {
      return CompletableFuture.completedFuture(Map.of("accountId", ACCOUNT, "arn", "arn:aws:iam::" + ACCOUNT + ":root",
          "userId", ACCOUNT));
    }
    if (args.token.equals("aws:index/getRegion:getRegion")) {
      return CompletableFuture.completedFuture(Map.of("name", region, "id", region));
    }
    if (args.token.equals("azure-native:authorization:getClientConfig")) {
      return CompletableFuture.completedFuture(Map.of("tenantId", uuid(hash(TENANT)), "subscriptionId", SUBSCRIPTION,
          "objectId", uuid(hash("deployer")), "clientId", uuid(hash("deployer-client"))));
    }
    if (args.token.equals("azure-native:containerservice:listManagedClusterUserCredentials")) {
      String cluster = String.valueOf(args.args.get("resourceName"));
      String kubeconfig = "apiVersion: v1\nkind: Config\nclusters:\n- name: " + cluster + "\n  cluster:\n"
          + "    certificate-authority-data: " + Base64.getEncoder().encodeToString(("plan-only CA of " + cluster)
              .getBytes(StandardCharsets.UTF_8)) + "\n"
          + "    server: https://" + cluster + "-" + hash(cluster) + ".hcp." + region + ".azmk8s.io:443\n";
      return CompletableFuture.completedFuture(Map.of("kubeconfigs", List.of(Map.of("name", "clusterUser",
          "value", Base64.getEncoder().encodeToString(kubeconfig.getBytes(StandardCharsets.UTF_8))))));
    }
    return CompletableFuture.completedFuture(Map.of());
  }

  private static String project(ResourceArgs args) {
    return String.valueOf(args.inputs.getOrDefault("project", "gantry-project"));
  }

  /** A plausible IPv4 address in the /8 {@code firstOctet}, from the hash. */
  private static String ip(String firstOctet, String hash) {
    int v = Integer.parseUnsignedInt(hash, 16);
    return firstOctet + "." + ((v >>> 16) & 0xff) + "." + ((v >>> 8) & 0xff) + "." + (v & 0xff);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object o) {
    return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  /** Eight hex digits derived from the text: stable across runs and JVMs. */
  static String hash(String text) {
    CRC32 crc = new CRC32();
    crc.update(text.getBytes(StandardCharsets.UTF_8));
    return String.format("%08x", crc.getValue());
  }

  private static String uuid(String hash) {
    String h = (hash + hash + hash + hash);
    return h.substring(0, 8) + "-" + h.substring(8, 12) + "-" + h.substring(12, 16) + "-" + h.substring(16, 20) + "-" + h.substring(20, 32);
  }
}
