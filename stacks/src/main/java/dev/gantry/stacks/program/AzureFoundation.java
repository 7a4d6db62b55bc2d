package dev.gantry.stacks.program;

import com.pulumi.Context;
import com.pulumi.azurenative.authorization.AuthorizationFunctions;
import com.pulumi.azurenative.authorization.outputs.GetClientConfigResult;
import com.pulumi.azurenative.resources.ResourceGroup;
import com.pulumi.azurenative.resources.ResourceGroupArgs;
import com.pulumi.core.Output;
import dev.gantry.infra.azure.Database;
import dev.gantry.infra.azure.GpuCluster;
import dev.gantry.infra.azure.ImageRegistry;
import dev.gantry.infra.azure.ModelStorage;
import dev.gantry.infra.azure.Network;
import dev.gantry.infra.azure.SecretStore;
import dev.gantry.infra.azure.WorkloadIdentity;
import dev.gantry.infra.k8s.NamespaceNames;
import dev.gantry.infra.k8s.SecretStoreSpec;
import dev.gantry.infra.k8s.ServingWorkloads;
import dev.gantry.stacks.config.StackConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The Azure foundation of a stack: a resource group, a VNet with a subnet delegated to
 * PostgreSQL, an AKS cluster with GPU agent pools, a storage account and Blob container for
 * the weights, Key Vault, PostgreSQL Flexible Server on a private address, Azure Container
 * Registry, and two workload identities (engines read the container; External Secrets reads
 * the vault). Same roles and names as the AWS and GCP foundations.
 */
final class AzureFoundation {
  /** Overlay pod addresses: outside the VNet, so the node subnet stays small. */
  static final String POD_CIDR = "192.168.0.0/16";
  /** Service addresses: outside the VNet and the pod overlay. */
  static final String SERVICE_CIDR = "172.20.0.0/16";

  private AzureFoundation() {}

  static Foundation define(Context ctx, StackConfig c, StackConfig.Azure azure, Map<String, String> tags,
      NamespaceNames namespaces) {
    String prefix = c.namePrefix();
    String location = c.region();
    var group = new ResourceGroup("resource-group", ResourceGroupArgs.builder()
        .resourceGroupName(azure.resourceGroup())
        .location(location)
        .tags(tags)
        .build());
    Output<String> rg = group.name();
    Output<GetClientConfigResult> client = AuthorizationFunctions.getClientConfig();
    Output<String> subscription = client.applyValue(GetClientConfigResult::subscriptionId);

    var network = new Network("network", new Network.Args(rg, location, prefix, c.network().vpcCidr(), tags), null);
    var sys = c.cluster().systemPool();
    var cluster = new GpuCluster("cluster", new GpuCluster.Args(rg, location, c.cluster().name(),
        c.cluster().kubernetesVersion(), c.zones(), network.nodeSubnetId(), POD_CIDR, SERVICE_CIDR,
        c.cluster().endpointPublic(), c.cluster().publicAccessCidrs(),
        new GpuCluster.NodePool(GpuCluster.SYSTEM_POOL, sys.instanceType(), sys.minNodes(), sys.maxNodes(), sys.desiredNodes(),
            false, sys.diskSizeGiB(), Map.of()),
        c.cluster().gpuPools().stream().map(p -> new GpuCluster.NodePool(p.name(), p.instanceType().name(), p.minNodes(),
            p.maxNodes(), p.desiredNodes(), p.spot(), p.diskSizeGiB(), Map.of("gantry.dev/gpu", p.instanceType().gpuModel())))
            .toList(),
        tags), null);

    var storage = new ModelStorage("models", new ModelStorage.Args(rg, location, azure.storageAccount(),
        c.storage().bucketName(), tags), null);

    var gantryConfig = ctx.config("gantry");
    var db = c.database();
    var database = new Database("gateway-db", new Database.Args(rg, location, prefix + "-gateway", db.engineVersion(),
        db.instanceClass(), db.allocatedStorageGiB(), db.backupRetentionDays(), azure.geoRedundantBackup(), db.multiAz(),
        db.deletionProtection(), network.databaseSubnetId(), network.databaseDnsZoneId(),
        gantryConfig.requireSecret("databasePassword"), tags), null);

    var secrets = new SecretStore("secrets", new SecretStore.Args(rg, location,
        client.applyValue(GetClientConfigResult::tenantId), azure.keyVault(), prefix,
        secret(gantryConfig, "gatewayMasterKey", c.secrets().gatewayMasterKey()),
        secret(gantryConfig, "hfToken", c.secrets().hfToken()),
        Optional.of(database.connectionUrl()),
        GantryProgram.grafanaAdminSecretName(c), secret(gantryConfig, "grafanaAdminPassword", c.secrets().grafanaAdminPassword()),
        Math.max(7, c.secrets().recoveryWindowDays()), tags), null);

    ImageRegistry registry = c.images().createRepositories()
        ? new ImageRegistry("images", new ImageRegistry.Args(rg, location, subscription, azure.registry(),
            cluster.kubeletObjectId(), tags), null)
        : null;

    var engine = new WorkloadIdentity("engine-identity", new WorkloadIdentity.Args(rg, location, subscription,
        prefix + "-engine", cluster.oidcIssuerUrl(), namespaces.serving(), ServingWorkloads.ENGINE_SERVICE_ACCOUNT,
        List.of(new WorkloadIdentity.Grant(WorkloadIdentity.BLOB_READER_ROLE, storage.accountId())), tags), null);
    var secretSync = new WorkloadIdentity("secret-sync-identity", new WorkloadIdentity.Args(rg, location, subscription,
        prefix + "-secret-sync", cluster.oidcIssuerUrl(), namespaces.system(), GantryProgram.SECRET_SYNC_SERVICE_ACCOUNT,
        List.of(new WorkloadIdentity.Grant(WorkloadIdentity.KEY_VAULT_SECRETS_USER_ROLE, secrets.vaultId())), tags), null);

    Map<String, Output<?>> exports = new LinkedHashMap<>();
    exports.put("resourceGroup", rg);
    exports.put("engineIdentityClientId", engine.clientId());
    if (registry != null) {
      exports.put("engineRepository", registry.repositoryUrl("engine"));
      exports.put("gatewayRepository", registry.repositoryUrl("gateway"));
    }
    Map<String, String> loadBalancer = new TreeMap<>();
    // The Azure load balancer probes over HTTP; ingress-nginx answers on /healthz, not on "/".
    loadBalancer.put("service.beta.kubernetes.io/azure-load-balancer-health-probe-request-path", "/healthz");
    var wiring = new Workloads.Wiring(storage.uri(), secrets.secretName(SecretStore.GATEWAY_MASTER_KEY),
        secrets.secretName(SecretStore.GATEWAY_DATABASE_URL), loadBalancer,
        new SecretStoreSpec.AzureKeyVault("https://" + azure.keyVault() + ".vault.azure.net",
            dev.gantry.infra.k8s.WorkloadIdentity.of(WorkloadIdentity.ANNOTATION, secretSync.clientId())),
        dev.gantry.infra.k8s.WorkloadIdentity.of(WorkloadIdentity.ANNOTATION, engine.clientId()));
    return new Foundation(cluster.clusterName(), cluster.kubeconfig(), List.copyOf(cluster.gpuAgentPools()),
        database.address(), List.of(secrets, database, secretSync), wiring, exports);
  }

  private static Optional<Output<String>> secret(com.pulumi.Config config, String key, boolean present) {
    return present ? Optional.of(config.requireSecret(key)) : Optional.empty();
  }
}
