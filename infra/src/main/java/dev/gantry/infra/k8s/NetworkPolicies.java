package dev.gantry.infra.k8s;

import com.pulumi.core.Output;
import com.pulumi.kubernetes.meta.v1.inputs.LabelSelectorArgs;
import com.pulumi.kubernetes.networking.v1.NetworkPolicy;
import com.pulumi.kubernetes.networking.v1.NetworkPolicyArgs;
import com.pulumi.kubernetes.networking.v1.inputs.IPBlockArgs;
import com.pulumi.kubernetes.networking.v1.inputs.NetworkPolicyEgressRuleArgs;
import com.pulumi.kubernetes.networking.v1.inputs.NetworkPolicyIngressRuleArgs;
import com.pulumi.kubernetes.networking.v1.inputs.NetworkPolicyPeerArgs;
import com.pulumi.kubernetes.networking.v1.inputs.NetworkPolicyPortArgs;
import com.pulumi.kubernetes.networking.v1.inputs.NetworkPolicySpecArgs;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Zero-trust networking for the serving namespace: deny everything, then allow exactly the
 * paths the serving flow needs — ingress controller to gateway, gateway to engines, Prometheus
 * to both metrics ports, DNS, the engines' weight download and the gateway's database, and
 * the ACME HTTP-01 solver. Cloud metadata endpoints stay unreachable (no stolen node
 * credentials), except the GKE metadata server when weights come from GCS, which Workload
 * Identity needs. Type token {@code gantry:k8s:NetworkPolicies}.
 */
public final class NetworkPolicies extends ComponentResource {
  static final String METADATA_NAME = "kubernetes.io/metadata.name";
  static final String METADATA_IP = "169.254.169.254/32";
  /** Label cert-manager puts on HTTP-01 solver pods, and the port they listen on. */
  static final String ACME_SOLVER_LABEL = "acme.cert-manager.io/http01-solver";
  static final int ACME_SOLVER_PORT = 8089;

  private final List<String> policyNames = new ArrayList<>();
  private final String namespace;
  private final CustomResourceOptions childOptions;

  public NetworkPolicies(String name, ServingWorkloadsArgs args, Resource servingNamespace,
      ComponentResourceOptions options) {
    super("gantry:k8s:NetworkPolicies", name, options);
    NamespaceNames ns = args.namespaces();
    this.namespace = ns.serving();
    this.childOptions = CustomResourceOptions.builder().parent(this).dependsOn(servingNamespace).build();
    Map<String, String> engines = Labels.allEngines();
    Map<String, String> gateway = Labels.gatewaySelector();

    policy("default-deny", Map.of(), List.of(), List.of(), true);

    policy("allow-dns", Map.of(), List.of(), List.of(NetworkPolicyEgressRuleArgs.builder()
        .to(NetworkPolicyPeerArgs.builder()
            .namespaceSelector(Pods.selector(Map.of(METADATA_NAME, "kube-system")))
            .podSelector(Pods.selector(Map.of("k8s-app", "kube-dns")))
            .build())
        .ports(port("UDP", 53), port("TCP", 53))
        .build()), false);

    NetworkPolicyPeerArgs ingressController = NetworkPolicyPeerArgs.builder()
        .namespaceSelector(Pods.selector(Map.of(METADATA_NAME, ns.ingress())))
        .podSelector(Pods.selector(Map.of(Labels.NAME, "ingress-nginx")))
        .build();
    NetworkPolicyPeerArgs prometheus = NetworkPolicyPeerArgs.builder()
        .namespaceSelector(Pods.selector(Map.of(METADATA_NAME, ns.monitoring())))
        .build();
    NetworkPolicyPeerArgs gatewayPods = NetworkPolicyPeerArgs.builder().podSelector(Pods.selector(gateway)).build();

    policy("gateway-ingress", gateway, List.of(
        ingressRule(List.of(ingressController), GatewayWorkload.PORT),
        ingressRule(List.of(prometheus), GatewayWorkload.PORT)), List.of(), false);

    policy("engine-ingress", engines, List.of(
        ingressRule(List.of(gatewayPods), ModelEngine.PORT),
        ingressRule(List.of(prometheus), ModelEngine.PORT)), List.of(), false);

    List<NetworkPolicyEgressRuleArgs> gatewayEgress = new ArrayList<>();
    if (args.database() != null) {
      // The in-cluster PostgreSQL: instances talk to each other (replication), the gateway and the operator
      // reach them, Prometheus scrapes them, and each instance manager watches the Kubernetes API.
      Map<String, String> db = Map.of(InClusterDatabase.CLUSTER_LABEL, DatabaseSpec.NAME);
      NetworkPolicyPeerArgs dbPods = NetworkPolicyPeerArgs.builder().podSelector(Pods.selector(db)).build();
      NetworkPolicyPeerArgs operator = NetworkPolicyPeerArgs.builder()
          .namespaceSelector(Pods.selector(Map.of(METADATA_NAME, ns.system()))).build();
      policy("database-ingress", db, List.of(
          ingressRule(List.of(gatewayPods, dbPods, operator), DatabaseSpec.PORT),
          ingressRule(List.of(operator), InClusterDatabase.STATUS_PORT),
          ingressRule(List.of(prometheus), InClusterDatabase.METRICS_PORT)), List.of(), false);
      policy("database-egress", db, List.of(), List.of(
          NetworkPolicyEgressRuleArgs.builder().to(dbPods).ports(port("TCP", DatabaseSpec.PORT)).build(),
          NetworkPolicyEgressRuleArgs.builder().to(internetWithoutMetadata())
              .ports(port("TCP", 443), port("TCP", 6443)).build()), false);
      gatewayEgress.add(NetworkPolicyEgressRuleArgs.builder().to(dbPods).ports(port("TCP", DatabaseSpec.PORT)).build());
    }
    gatewayEgress.addAll(List.of(
        NetworkPolicyEgressRuleArgs.builder()
            .to(NetworkPolicyPeerArgs.builder().podSelector(Pods.selector(engines)).build())
            .ports(port("TCP", ModelEngine.PORT))
            .build(),
        // The usage-ledger database (PostgreSQL) and the shared rate-limit store (Redis) are managed services.
        NetworkPolicyEgressRuleArgs.builder()
            .to(internetWithoutMetadata())
            .ports(port("TCP", 5432), port("TCP", 6379))
            .build()));
    policy("gateway-egress", gateway, List.of(), gatewayEgress, false);

    List<NetworkPolicyEgressRuleArgs> engineEgress = new ArrayList<>(List.of(
        // Weight download (bucket or Hugging Face) and token exchange with the cloud's STS, all over HTTPS.
        NetworkPolicyEgressRuleArgs.builder().to(internetWithoutMetadata()).ports(port("TCP", 443)).build()));
    if (args.hasModelBucket() && args.modelBucketUri().startsWith("gs://")) {
      engineEgress.add(NetworkPolicyEgressRuleArgs.builder()
          .to(NetworkPolicyPeerArgs.builder().ipBlock(IPBlockArgs.builder().cidr(METADATA_IP).build()).build())
          .ports(port("TCP", 80), port("TCP", 988))
          .build());
    }
    policy("engine-egress", engines, List.of(), engineEgress, false);

    policy("acme-solver-ingress", Map.of(ACME_SOLVER_LABEL, "true"),
        List.of(ingressRule(List.of(ingressController), ACME_SOLVER_PORT)), List.of(), false);

    registerOutputs(Map.of("policies", Output.of(List.copyOf(policyNames))));
  }

  private void policy(String policyName, Map<String, String> podSelector,
      List<NetworkPolicyIngressRuleArgs> ingress, List<NetworkPolicyEgressRuleArgs> egress, boolean denyBoth) {
    List<String> types = new ArrayList<>();
    if (denyBoth || !ingress.isEmpty()) {
      types.add("Ingress");
    }
    if (denyBoth || !egress.isEmpty()) {
      types.add("Egress");
    }
    NetworkPolicySpecArgs.Builder spec = NetworkPolicySpecArgs.builder()
        // An empty selector ({}) selects every pod of the namespace.
        .podSelector(podSelector.isEmpty() ? LabelSelectorArgs.builder().build() : Pods.selector(podSelector))
        .policyTypes(types);
    if (!ingress.isEmpty()) {
      spec.ingress(ingress);
    }
    if (!egress.isEmpty()) {
      spec.egress(egress);
    }
    String fullName = "gantry-" + policyName;
    new NetworkPolicy(fullName, NetworkPolicyArgs.builder()
        .metadata(Pods.meta(fullName, namespace, Labels.withCommon(Map.of())))
        .spec(spec.build())
        .build(), childOptions);
    policyNames.add(fullName);
  }

  private static NetworkPolicyIngressRuleArgs ingressRule(List<NetworkPolicyPeerArgs> from, int port) {
    return NetworkPolicyIngressRuleArgs.builder().from(from).ports(port("TCP", port)).build();
  }

  private static NetworkPolicyPortArgs port(String protocol, int port) {
    return NetworkPolicyPortArgs.builder().protocol(protocol).port(port).build();
  }

  private static NetworkPolicyPeerArgs internetWithoutMetadata() {
    return NetworkPolicyPeerArgs.builder()
        .ipBlock(IPBlockArgs.builder().cidr("0.0.0.0/0").except(METADATA_IP).build())
        .build();
  }
}
