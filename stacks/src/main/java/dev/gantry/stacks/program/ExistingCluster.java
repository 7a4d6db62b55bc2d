package dev.gantry.stacks.program;

import com.pulumi.Context;
import com.pulumi.core.Output;
import dev.gantry.infra.k8s.DatabaseSpec;
import dev.gantry.infra.k8s.NamespaceNames;
import dev.gantry.infra.k8s.SecretStoreSpec;
import dev.gantry.infra.k8s.SecretSync;
import dev.gantry.infra.k8s.WorkloadIdentity;
import dev.gantry.stacks.config.StackConfig;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The "foundation" of a stack on an existing cluster ({@code gantry:cloud: none}: kind, k3s,
 * minikube): no cloud resource at all. The cluster is the one of a kubeconfig; secrets are the
 * stack's Pulumi secrets written as Kubernetes Secrets; weights come from Hugging Face at the
 * pinned revision (no bucket); the gateway's PostgreSQL runs in the cluster (CloudNativePG).
 * Everything after it (provider, workloads, exports) is the same code as on the clouds.
 */
final class ExistingCluster {
  private ExistingCluster() {}

  static Foundation define(Context ctx, StackConfig c, StackConfig.Existing existing, NamespaceNames namespaces) {
    var gantryConfig = ctx.config("gantry");
    var database = new DatabaseSpec(existing.databaseInstances(), existing.databaseStorageGiB() + "Gi",
        gantryConfig.requireSecret("databasePassword"));
    var store = new SecretStoreSpec.PulumiSecrets(gantryConfig.requireSecret("gatewayMasterKey"),
        database.url(namespaces.serving()), gantryConfig.requireSecret("grafanaAdminPassword"),
        c.secrets().hfToken() ? Optional.of(gantryConfig.requireSecret("hfToken")) : Optional.empty());
    // The master key and database URL live in the gateway's Kubernetes Secret itself: that Secret is the store.
    var wiring = new Workloads.Wiring(null, SecretSync.GATEWAY_SECRET, SecretSync.GATEWAY_SECRET, Map.of(), store,
        WorkloadIdentity.none());
    return new Foundation(Output.of(c.cluster().name()), Output.of(existing.kubeconfig()), List.of(),
        Output.of(DatabaseSpec.host(namespaces.serving())), List.of(), wiring, Map.of(), existing.context(), database);
  }
}
