package dev.gantry.stacks.program;

import com.pulumi.core.Output;
import com.pulumi.resources.Resource;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What one cloud's foundation hands the rest of the program: the cluster to deploy onto, the
 * resources that must exist first, and the {@link Workloads.Wiring} of bucket, secret store
 * and identities. AWS, GCP and Azure each build one from the same stack config, so
 * everything after it (provider, workloads, exports) is one code path.
 *
 * @param clusterName           Kubernetes cluster name
 * @param kubeconfig            kubeconfig of the cluster (no credentials: the cloud CLI's exec plugin)
 * @param clusterReady          node pools the Kubernetes provider waits for
 * @param databaseAddress       host of the gateway database
 * @param workloadDependencies  resources the workloads wait for (secrets, database)
 * @param wiring                bucket, secret store and identities for the workloads
 * @param exports               cloud-specific stack outputs (identities, image repositories)
 * @param kubeContext           kubeconfig context to use, or null for the kubeconfig's current one
 * @param inClusterDatabase     the gateway's PostgreSQL inside the cluster, or null when it is a cloud service
 */
record Foundation(Output<String> clusterName, Output<String> kubeconfig, List<Resource> clusterReady,
    Output<String> databaseAddress, List<Resource> workloadDependencies, Workloads.Wiring wiring,
    Map<String, Output<?>> exports, String kubeContext, dev.gantry.infra.k8s.DatabaseSpec inClusterDatabase) {

  /** A cloud foundation: the cluster it created, its own kubeconfig, a managed database. */
  Foundation(Output<String> clusterName, Output<String> kubeconfig, List<Resource> clusterReady,
      Output<String> databaseAddress, List<Resource> workloadDependencies, Workloads.Wiring wiring,
      Map<String, Output<?>> exports) {
    this(clusterName, kubeconfig, clusterReady, databaseAddress, workloadDependencies, wiring, exports, null, null);
  }

  Foundation {
    Objects.requireNonNull(kubeconfig, "kubeconfig");
    clusterReady = List.copyOf(clusterReady);
    workloadDependencies = List.copyOf(workloadDependencies);
    exports = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(exports));
  }
}
