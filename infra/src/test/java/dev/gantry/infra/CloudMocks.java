package dev.gantry.infra;

import com.pulumi.test.Mocks;
import com.pulumi.test.PulumiTest;
import com.pulumi.test.TestResult;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Runs GCP or Azure components under Pulumi's mock monitor, echoing inputs as outputs plus
 * the few outputs the components read back (service account emails, GKE endpoint and CA,
 * Cloud SQL IP, AKS identity and OIDC issuer, Key Vault URI), and records every custom
 * resource with its inputs and whether Pulumi marked them secret.
 */
public final class CloudMocks implements Mocks {
  /** One registered resource. */
  public record Registered(String type, String name, Map<String, Object> inputs) {}

  private final List<Registered> registered = new CopyOnWriteArrayList<>();

  @Override
  public CompletableFuture<ResourceResult> newResourceAsync(ResourceArgs args) {
    registered.add(new Registered(args.type, args.name, args.inputs));
    Map<String, Object> state = new HashMap<>(args.inputs);
    String name = String.valueOf(args.inputs.getOrDefault("name", args.name));
    state.putIfAbsent("name", name);
    String id = args.name + "-id";
    switch (args.type) {
      case "gcp:serviceaccount/account:Account" -> {
        state.put("email", args.inputs.get("accountId") + "@proj.iam.gserviceaccount.com");
        state.put("name", "projects/proj/serviceAccounts/" + args.inputs.get("accountId") + "@proj.iam.gserviceaccount.com");
      }
      case "gcp:container/cluster:Cluster" -> {
        state.put("endpoint", "34.1.2.3");
        state.put("masterAuth", Map.of("clusterCaCertificate", "Q0E="));
      }
      case "gcp:sql/databaseInstance:DatabaseInstance" -> {
        state.put("privateIpAddress", "10.60.0.3");
        state.put("connectionName", "proj:region:" + name);
      }
      case "gcp:secretmanager/secret:Secret" -> id = "projects/proj/secrets/" + args.inputs.get("secretId");
      case "azure-native:containerservice:ManagedCluster" -> {
        state.put("oidcIssuerProfile", Map.of("enabled", true, "issuerURL", "https://eastus.oic.prod-aks.azure.com/tenant/guid/"));
        state.put("fqdn", "aks.hcp.eastus.azmk8s.io");
        state.put("identityProfile", Map.of("kubeletidentity", Map.of("objectId", "kubelet-object-id",
            "clientId", "kubelet-client-id", "resourceId", "/kubelet")));
      }
      case "azure-native:managedidentity:UserAssignedIdentity" -> {
        state.put("clientId", args.name + "-client-id");
        state.put("principalId", args.name + "-principal-id");
      }
      case "azure-native:keyvault:Vault" -> state.put("properties", withEntry(args.inputs.get("properties"), "vaultUri",
          "https://" + args.inputs.get("vaultName") + ".vault.azure.net/"));
      case "azure-native:dbforpostgresql:Server" -> state.put("fullyQualifiedDomainName", args.inputs.get("serverName")
          + ".postgres.database.azure.com");
      case "azure-native:containerregistry:Registry" -> state.put("loginServer", args.inputs.get("registryName") + ".azurecr.io");
      default -> { }
    }
    if (args.type.startsWith("azure-native:")) {
      id = "/subscriptions/sub/resourceGroups/rg/providers/" + args.type + "/" + args.name;
    }
    return CompletableFuture.completedFuture(ResourceResult.of(Optional.of(id), state));
  }

  @Override
  public CompletableFuture<Map<String, Object>> callAsync(CallArgs args) {
    if (args.token.startsWith("azure-native:authorization:getClientConfig")) {
      return CompletableFuture.completedFuture(Map.of("tenantId", "tenant-id", "subscriptionId", "sub", "objectId", "deployer",
          "clientId", "deployer-client"));
    }
    if (args.token.equals("azure-native:containerservice:listManagedClusterUserCredentials")) {
      String kubeconfig = "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: Q0E=\n"
          + "    server: https://aks.hcp.eastus.azmk8s.io:443\n  name: c\n";
      return CompletableFuture.completedFuture(Map.of("kubeconfigs", List.of(Map.of("name", "clusterUser",
          "value", java.util.Base64.getEncoder().encodeToString(kubeconfig.getBytes(java.nio.charset.StandardCharsets.UTF_8))))));
    }
    return CompletableFuture.completedFuture(Map.of());
  }

  private static Map<String, Object> withEntry(Object map, String key, Object value) {
    Map<String, Object> out = new HashMap<>(map instanceof Map<?, ?> m ? map(m) : Map.of());
    out.put(key, value);
    return out;
  }

  /** Runs {@code program} and fails on any error it reports. */
  public static CloudMocks run(Consumer<com.pulumi.Context> program) {
    CloudMocks mocks = new CloudMocks();
    try {
      TestResult result = PulumiTest.withMocks(mocks).runTest(program);
      if (!result.errors().isEmpty() || !result.exceptions().isEmpty()) {
        throw new AssertionError("program failed: " + result.errors() + " " + result.exceptions());
      }
    } finally {
      PulumiTest.cleanup();
    }
    return mocks;
  }

  public List<Registered> ofType(String type) {
    return registered.stream().filter(r -> r.type().equals(type)).toList();
  }

  public Registered one(String type, String name) {
    return registered.stream().filter(r -> r.type().equals(type) && r.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + type + " named " + name + "; got "
            + registered.stream().map(r -> r.type() + " " + r.name()).toList()));
  }

  @SuppressWarnings("unchecked")
  public static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  public static List<Object> list(Object o) {
    return (List<Object>) o;
  }
}
