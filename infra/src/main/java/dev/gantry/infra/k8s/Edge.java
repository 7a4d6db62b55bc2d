package dev.gantry.infra.k8s;

import com.pulumi.core.Output;
import com.pulumi.kubernetes.helm.v3.Release;
import com.pulumi.kubernetes.meta.v1.inputs.ObjectMetaArgs;
import com.pulumi.kubernetes.networking.v1.Ingress;
import com.pulumi.kubernetes.networking.v1.IngressArgs;
import com.pulumi.kubernetes.networking.v1.inputs.HTTPIngressPathArgs;
import com.pulumi.kubernetes.networking.v1.inputs.HTTPIngressRuleValueArgs;
import com.pulumi.kubernetes.networking.v1.inputs.IngressBackendArgs;
import com.pulumi.kubernetes.networking.v1.inputs.IngressRuleArgs;
import com.pulumi.kubernetes.networking.v1.inputs.IngressServiceBackendArgs;
import com.pulumi.kubernetes.networking.v1.inputs.IngressSpecArgs;
import com.pulumi.kubernetes.networking.v1.inputs.IngressTLSArgs;
import com.pulumi.kubernetes.networking.v1.inputs.ServiceBackendPortArgs;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The public edge: ingress-nginx (the only Service of type LoadBalancer Gantry creates),
 * cert-manager with an ACME ClusterIssuer, and the TLS Ingress of the gateway host with
 * per-client rate limits and streaming-friendly proxy settings. Type token {@code gantry:k8s:Edge}.
 */
public final class Edge extends ComponentResource {
  public static final String INGRESS_CLASS = "nginx";
  public static final String CLUSTER_ISSUER = "gantry-acme";
  /** The issuer of a self-signed stack (no ACME account, nothing reachable from the internet). */
  public static final String SELF_SIGNED_ISSUER = "gantry-selfsigned";
  public static final String TLS_SECRET = "gantry-gateway-tls";
  static final String NGINX = "nginx.ingress.kubernetes.io/";

  private final Ingress ingress;
  private final Release controller;

  public Edge(String name, ServingWorkloadsArgs args, Map<String, Resource> namespaces, Resource monitoringRelease,
      Resource gatewayService, ComponentResourceOptions options) {
    super("gantry:k8s:Edge", name, options);
    NamespaceNames ns = args.namespaces();
    IngressSpec spec = args.ingress();

    Map<String, Object> service = Charts.map("type", "LoadBalancer",
        // Local keeps the client IP, which the per-IP rate limits below key on.
        "externalTrafficPolicy", "Local",
        "annotations", new LinkedHashMap<>(spec.loadBalancerAnnotations()));
    Map<String, Object> controllerValues = Charts.map(
        "replicaCount", 2,
        "minAvailable", 1,
        "ingressClassResource", Charts.map("name", INGRESS_CLASS, "default", false),
        "service", service,
        "allowSnippetAnnotations", false,
        "config", Charts.map(
            "hsts", "true",
            "ssl-protocols", "TLSv1.2 TLSv1.3",
            "server-tokens", "false",
            "limit-req-status-code", "429",
            "limit-conn-status-code", "429"),
        // ServiceMonitors need kube-prometheus-stack's CRDs: only with monitoring on.
        "metrics", Charts.map("enabled", true, "serviceMonitor", Charts.map("enabled", monitoringRelease != null)),
        "resources", Charts.map("requests", Charts.map("cpu", "200m", "memory", "256Mi"),
            "limits", Charts.map("cpu", "1", "memory", "512Mi")),
        "topologySpreadConstraints", Charts.list(Charts.map("maxSkew", 1,
            "topologyKey", "topology.kubernetes.io/zone", "whenUnsatisfiable", "ScheduleAnyway",
            "labelSelector", Charts.map("matchLabels", Charts.map("app.kubernetes.io/name", "ingress-nginx",
                "app.kubernetes.io/component", "controller")))));
    this.controller = Charts.release("ingress-nginx", "ingress-nginx", Charts.INGRESS_NGINX_REPO,
        args.charts().ingressNginx(), ns.ingress(), Charts.map("controller", controllerValues),
        CustomResourceOptions.builder().parent(this)
            .dependsOn(present(namespaces.get(ns.ingress()), monitoringRelease)).build());

    Release certManager = Charts.release("cert-manager", "cert-manager", Charts.JETSTACK_REPO,
        args.charts().certManager(), ns.system(), Charts.map(
            "crds", Charts.map("enabled", true),
            "replicaCount", 2,
            "podDisruptionBudget", Charts.map("enabled", true, "minAvailable", 1),
            "prometheus", Charts.map("enabled", true, "servicemonitor", Charts.map("enabled", monitoringRelease != null))),
        CustomResourceOptions.builder().parent(this)
            .dependsOn(present(namespaces.get(ns.system()), monitoringRelease)).build());

    String issuerName = issuer(spec);
    Map<String, Object> issuerSpec = spec.selfSigned() ? Charts.map("selfSigned", Charts.map()) : Charts.map("acme", Charts.map(
            "email", spec.acmeEmail(),
            "server", spec.acmeServer(),
            "privateKeySecretRef", Charts.map("name", CLUSTER_ISSUER + "-account-key"),
            "solvers", Charts.list(Charts.map("http01",
                Charts.map("ingress", Charts.map("ingressClassName", INGRESS_CLASS))))));
    KubeObject issuer = new KubeObject(issuerName, new KubeObject.Args("cert-manager.io/v1", "ClusterIssuer",
        ObjectMetaArgs.builder().name(issuerName).labels(Labels.withCommon(Map.of())).build(), issuerSpec),
        CustomResourceOptions.builder().parent(this).dependsOn(certManager).build());

    this.ingress = new Ingress(Labels.GATEWAY_NAME, IngressArgs.builder()
        .metadata(Pods.meta(Labels.GATEWAY_NAME, ns.serving(), Labels.withCommon(Labels.gatewaySelector()),
            annotations(spec)))
        .spec(IngressSpecArgs.builder()
            .ingressClassName(INGRESS_CLASS)
            .tls(IngressTLSArgs.builder().hosts(spec.host()).secretName(TLS_SECRET).build())
            .rules(IngressRuleArgs.builder()
                .host(spec.host())
                .http(HTTPIngressRuleValueArgs.builder()
                    .paths(HTTPIngressPathArgs.builder()
                        .path("/")
                        .pathType("Prefix")
                        .backend(IngressBackendArgs.builder()
                            .service(IngressServiceBackendArgs.builder()
                                .name(Labels.GATEWAY_NAME)
                                .port(ServiceBackendPortArgs.builder().number(GatewayWorkload.PORT).build())
                                .build())
                            .build())
                        .build())
                    .build())
                .build())
            .build())
        .build(), CustomResourceOptions.builder().parent(this)
            .dependsOn(List.of(controller, issuer, gatewayService)).build());

    registerOutputs(Map.of(
        "host", Output.of(spec.host()),
        "url", Output.of("https://" + spec.host())));
  }

  public Ingress ingress() {
    return ingress;
  }

  public Release controller() {
    return controller;
  }

  /** The resources given, without the absent (null) ones. */
  private static List<Resource> present(Resource... resources) {
    return java.util.Arrays.stream(resources).filter(java.util.Objects::nonNull).toList();
  }

  /** The ClusterIssuer of the gateway's certificate. */
  static String issuer(IngressSpec spec) {
    return spec.selfSigned() ? SELF_SIGNED_ISSUER : CLUSTER_ISSUER;
  }

  /** TLS via cert-manager, per-client-IP limits, and no buffering so SSE tokens stream as produced. */
  static Map<String, String> annotations(IngressSpec spec) {
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put("cert-manager.io/cluster-issuer", issuer(spec));
    annotations.put(NGINX + "ssl-redirect", "true");
    annotations.put(NGINX + "force-ssl-redirect", "true");
    annotations.put(NGINX + "limit-rps", Integer.toString(spec.requestsPerSecond()));
    annotations.put(NGINX + "limit-burst-multiplier", Integer.toString(spec.burstMultiplier()));
    annotations.put(NGINX + "limit-connections", Integer.toString(spec.connectionsPerClient()));
    annotations.put(NGINX + "proxy-read-timeout", Integer.toString(spec.requestTimeoutSeconds()));
    annotations.put(NGINX + "proxy-send-timeout", Integer.toString(spec.requestTimeoutSeconds()));
    annotations.put(NGINX + "proxy-buffering", "off");
    annotations.put(NGINX + "proxy-body-size", "16m");
    return annotations;
  }
}
