package dev.gantry.infra.k8s;

import com.pulumi.core.Output;
import com.pulumi.kubernetes.core.v1.Secret;
import com.pulumi.kubernetes.core.v1.SecretArgs;
import com.pulumi.kubernetes.helm.v3.Release;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import java.util.List;
import java.util.Map;

/**
 * The gateway's PostgreSQL on a cluster without a cloud database: the CloudNativePG operator
 * (Helm chart {@code cloudnative-pg}), the owner's credentials as a {@code basic-auth} Secret
 * made from a Pulumi secret, and a {@code postgresql.cnpg.io/v1} Cluster of
 * {@link DatabaseSpec#instances()} instances in the serving namespace, scraped by Prometheus
 * through a PodMonitor. Type token {@code gantry:k8s:InClusterDatabase}.
 *
 * <p>Why an operator rather than one StatefulSet: a single PostgreSQL pod is an outage on
 * every node drain (the gate's GNT-K8S-006 rightly says so), and a second replica only helps
 * with streaming replication and failover, which is the operator's job.
 */
public final class InClusterDatabase extends ComponentResource {
  static final String API_VERSION = "postgresql.cnpg.io/v1";
  static final String CREDENTIALS_SECRET = DatabaseSpec.NAME + "-credentials";
  /** Label CloudNativePG puts on every instance pod of a Cluster. */
  static final String CLUSTER_LABEL = "cnpg.io/cluster";
  /** Port of an instance's status endpoint, which the operator polls. */
  static final int STATUS_PORT = 8000;
  static final int METRICS_PORT = 9187;

  private final KubeObject cluster;

  public InClusterDatabase(String name, DatabaseSpec spec, NamespaceNames ns, String chartVersion,
      Map<String, Resource> namespaces, Resource monitoringStack, ComponentResourceOptions options) {
    super("gantry:k8s:InClusterDatabase", name, options);
    Release operator = Charts.release("cloudnative-pg", "cloudnative-pg", Charts.CLOUDNATIVE_PG_REPO, chartVersion,
        ns.system(), Charts.map("replicaCount", 1, "monitoring", Charts.map("podMonitorEnabled", false)),
        CustomResourceOptions.builder().parent(this).dependsOn(namespaces.get(ns.system())).build());

    Secret credentials = new Secret(CREDENTIALS_SECRET, SecretArgs.builder()
        .metadata(Pods.meta(CREDENTIALS_SECRET, ns.serving(), Labels.withCommon(Map.of())))
        .type("kubernetes.io/basic-auth")
        .stringData(spec.password().applyValue(p -> Map.of("username", DatabaseSpec.OWNER, "password", p)).asSecret())
        .build(), CustomResourceOptions.builder().parent(this).dependsOn(namespaces.get(ns.serving())).build());

    this.cluster = new KubeObject(DatabaseSpec.NAME, new KubeObject.Args(API_VERSION, "Cluster",
        Pods.meta(DatabaseSpec.NAME, ns.serving(), Labels.withCommon(Map.of(Labels.COMPONENT, "database"))),
        Charts.map(
            "instances", spec.instances(),
            "storage", Charts.map("size", spec.storageSize()),
            "bootstrap", Charts.map("initdb", Charts.map(
                "database", DatabaseSpec.DATABASE, "owner", DatabaseSpec.OWNER,
                "secret", Charts.map("name", CREDENTIALS_SECRET))),
            // Instances on different nodes when the cluster has several; a one-node laptop cluster still schedules.
            "affinity", Charts.map("enablePodAntiAffinity", true, "podAntiAffinityType", "preferred",
                "topologyKey", "kubernetes.io/hostname"),
            "resources", Charts.map("requests", Charts.map("cpu", "250m", "memory", "256Mi"),
                "limits", Charts.map("cpu", "1", "memory", "512Mi")),
            // A PodMonitor needs kube-prometheus-stack's CRDs: only with monitoring on.
            "monitoring", Charts.map("enablePodMonitor", monitoringStack != null))),
        CustomResourceOptions.builder().parent(this).dependsOn(monitoringStack == null ? List.of(operator, credentials)
            : List.of(operator, credentials, monitoringStack)).build());

    registerOutputs(Map.of(
        "host", Output.of(DatabaseSpec.host(ns.serving())),
        "instances", Output.of(spec.instances())));
  }

  /** The Cluster resource; the gateway waits on it. */
  public KubeObject cluster() {
    return cluster;
  }
}
