package dev.gantry.stacks.program;

import com.pulumi.Context;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResourceOptions;
import dev.gantry.infra.gcp.Database;
import dev.gantry.infra.gcp.GpuCluster;
import dev.gantry.infra.gcp.ImageRegistry;
import dev.gantry.infra.gcp.ModelStorage;
import dev.gantry.infra.gcp.Network;
import dev.gantry.infra.gcp.SecretStore;
import dev.gantry.infra.gcp.ServiceAccountIdentity;
import dev.gantry.infra.k8s.NamespaceNames;
import dev.gantry.infra.k8s.SecretStoreSpec;
import dev.gantry.infra.k8s.ServingWorkloads;
import dev.gantry.infra.k8s.WorkloadIdentity;
import dev.gantry.stacks.config.StackConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The GCP foundation of a stack: VPC with Cloud NAT and a private services connection,
 * a private VPC-native GKE cluster with GPU node pools, a GCS model bucket, Secret Manager
 * secrets, Cloud SQL for PostgreSQL on a private IP, Artifact Registry, and two Workload
 * Identity service accounts (engines read the bucket; External Secrets reads the gateway
 * secrets). Same roles and names as the AWS foundation in {@link GantryProgram}.
 */
final class GcpFoundation {
  private GcpFoundation() {}

  static Foundation define(Context ctx, StackConfig c, StackConfig.Gcp gcp, Map<String, String> tags,
      NamespaceNames namespaces) {
    String prefix = c.namePrefix();
    String project = gcp.project();
    var network = new Network("network", new Network.Args(project, c.region(), prefix, c.network().vpcCidr()), null);

    var sys = c.cluster().systemPool();
    var cluster = new GpuCluster("cluster", new GpuCluster.Args(project, c.cluster().name(), c.region(), c.zones(),
        gcp.releaseChannel(), network.networkId(), network.subnetworkId(), gcp.masterCidr(), c.cluster().endpointPublic(),
        c.cluster().publicAccessCidrs(), true,
        new GpuCluster.NodePool(GpuCluster.SYSTEM_POOL, sys.instanceType(), null, 0, sys.minNodes(), sys.maxNodes(),
            sys.desiredNodes(), false, sys.diskSizeGiB(), Map.of()),
        c.cluster().gpuPools().stream().map(p -> new GpuCluster.NodePool(p.name(), p.instanceType().name(),
            GpuCluster.NodePool.acceleratorFor(p.instanceType().gpuModel()), p.instanceType().gpuCount(), p.minNodes(),
            p.maxNodes(), p.desiredNodes(), p.spot(), p.diskSizeGiB(), Map.of("gantry.dev/gpu", p.instanceType().gpuModel())))
            .toList(),
        tags), null);

    var storage = new ModelStorage("models", new ModelStorage.Args(project, c.storage().bucketName(), c.region(),
        gcp.modelsKmsKey(), c.storage().forceDestroy(), tags), null);

    var gantryConfig = ctx.config("gantry");
    var db = c.database();
    var database = new Database("gateway-db", new Database.Args(project, prefix + "-gateway", c.region(),
        Integer.parseInt(db.engineVersion().split("\\.")[0]), db.instanceClass(), db.allocatedStorageGiB(),
        db.maxAllocatedStorageGiB(), db.backupRetentionDays(), db.multiAz(), db.deletionProtection(), network.networkId(),
        network.privateServices(), gantryConfig.requireSecret("databasePassword"), tags), null);

    var secrets = new SecretStore("secrets", new SecretStore.Args(project, prefix,
        secret(gantryConfig, "gatewayMasterKey", c.secrets().gatewayMasterKey()),
        secret(gantryConfig, "hfToken", c.secrets().hfToken()),
        Optional.of(database.connectionUrl()),
        GantryProgram.grafanaAdminSecretName(c), secret(gantryConfig, "grafanaAdminPassword", c.secrets().grafanaAdminPassword()),
        tags), null);

    ImageRegistry registry = c.images().createRepositories()
        ? new ImageRegistry("images", new ImageRegistry.Args(project, c.region(), gcp.registryId(), tags), null)
        : null;

    // The Workload Identity pool exists once the project's first GKE cluster does.
    var afterCluster = ComponentResourceOptions.builder().dependsOn(cluster).build();
    var engine = new ServiceAccountIdentity("engine-identity", new ServiceAccountIdentity.Args(project, prefix + "-engine",
        cluster.workloadPool(), namespaces.serving(), ServingWorkloads.ENGINE_SERVICE_ACCOUNT, storage.bucketName(), List.of()),
        afterCluster);
    var secretSync = new ServiceAccountIdentity("secret-sync-identity", new ServiceAccountIdentity.Args(project,
        prefix + "-secret-sync", cluster.workloadPool(), namespaces.system(), GantryProgram.SECRET_SYNC_SERVICE_ACCOUNT, null,
        List.of(secrets.id(SecretStore.GATEWAY_MASTER_KEY), secrets.id(SecretStore.GATEWAY_DATABASE_URL),
            secrets.id(SecretStore.GRAFANA_ADMIN))),
        afterCluster);

    Map<String, Output<?>> exports = new LinkedHashMap<>();
    exports.put("engineServiceAccount", engine.email());
    exports.put("databaseConnectionName", database.connectionName());
    if (registry != null) {
      exports.put("engineRepository", registry.repositoryUrl("engine"));
      exports.put("gatewayRepository", registry.repositoryUrl("gateway"));
    }
    // GKE's external passthrough Network Load Balancer is the default for a LoadBalancer
    // Service: TLS reaches ingress-nginx untouched, as with the NLB on AWS.
    var wiring = new Workloads.Wiring("gs://" + c.storage().bucketName(),
        secrets.secretId(SecretStore.GATEWAY_MASTER_KEY), secrets.secretId(SecretStore.GATEWAY_DATABASE_URL), Map.of(),
        new SecretStoreSpec.GcpSecretManager(project, WorkloadIdentity.of(ServiceAccountIdentity.ANNOTATION, secretSync.email())),
        WorkloadIdentity.of(ServiceAccountIdentity.ANNOTATION, engine.email()));
    return new Foundation(cluster.clusterName(), cluster.kubeconfig(), List.copyOf(cluster.nodePools()), database.address(),
        List.of(secrets, database, secretSync), wiring, exports);
  }

  private static Optional<Output<String>> secret(com.pulumi.Config config, String key, boolean present) {
    return present ? Optional.of(config.requireSecret(key)) : Optional.empty();
  }
}
