package dev.gantry.infra.k8s;

import com.pulumi.core.Output;
import com.pulumi.kubernetes.core.v1.ConfigMap;
import com.pulumi.kubernetes.core.v1.ConfigMapArgs;
import com.pulumi.kubernetes.helm.v3.Release;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import java.util.List;
import java.util.Map;

/**
 * Observability for the serving path: kube-prometheus-stack (Prometheus, Alertmanager, Grafana,
 * kube-state-metrics), prometheus-adapter serving {@value ModelEngine#QUEUE_METRIC} to the
 * engine HPAs, ServiceMonitors for engines and gateway, the serving alerts as a PrometheusRule
 * and Grafana dashboards as ConfigMaps. Type token {@code gantry:k8s:Monitoring}.
 */
public final class Monitoring extends ComponentResource {
  /** Fixed chart full name, so the Prometheus Service is {@code kube-prometheus-stack-prometheus}. */
  static final String KPS = "kube-prometheus-stack";
  static final String MONITORING_API = "monitoring.coreos.com/v1";
  static final String DASHBOARD_LABEL = "grafana_dashboard";

  private final Release stack;
  private final List<String> alertNames;

  public Monitoring(String name, ServingWorkloadsArgs args, Map<String, Resource> namespaces,
      Resource grafanaSecret, ComponentResourceOptions options) {
    super("gantry:k8s:Monitoring", name, options);
    NamespaceNames ns = args.namespaces();
    MonitoringSpec spec = args.monitoring();

    this.stack = Charts.release(KPS, KPS, Charts.PROMETHEUS_COMMUNITY_REPO, args.charts().kubePrometheusStack(),
        ns.monitoring(), stackValues(spec),
        CustomResourceOptions.builder().parent(this).dependsOn(namespaces.get(ns.monitoring()), grafanaSecret).build());
    CustomResourceOptions afterCrds = CustomResourceOptions.builder().parent(this)
        .dependsOn(stack, namespaces.get(ns.serving())).build();

    Charts.release("prometheus-adapter", "prometheus-adapter", Charts.PROMETHEUS_COMMUNITY_REPO,
        args.charts().prometheusAdapter(), ns.monitoring(), adapterValues(ns.monitoring()),
        CustomResourceOptions.builder().parent(this).dependsOn(stack).build());

    serviceMonitor("gantry-engine", ns.serving(), Labels.allEngines(), true, afterCrds);
    serviceMonitor("gantry-gateway", ns.serving(), Labels.gatewaySelector(), false, afterCrds);

    List<Object> groups = ServingAlerts.groups(spec, ns.serving());
    this.alertNames = ServingAlerts.alertNames(groups);
    new KubeObject("gantry-serving-alerts", new KubeObject.Args(MONITORING_API, "PrometheusRule",
        Pods.meta("gantry-serving-alerts", ns.monitoring(), releaseLabel()),
        Charts.map("groups", groups)), afterCrds);

    Dashboards.all(ns.serving()).entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(file -> {
      String cmName = file.getKey().replace(".json", "") + "-dashboard";
      Map<String, String> labels = Labels.withCommon(Map.of());
      labels.put(DASHBOARD_LABEL, "1");
      new ConfigMap(cmName, ConfigMapArgs.builder()
          .metadata(Pods.meta(cmName, ns.monitoring(), labels))
          .data(Map.of(file.getKey(), file.getValue()))
          .build(), CustomResourceOptions.builder().parent(this).dependsOn(namespaces.get(ns.monitoring())).build());
    });

    registerOutputs(Map.of(
        "prometheusUrl", Output.of("http://" + KPS + "-prometheus." + ns.monitoring() + ".svc:9090"),
        "alerts", Output.of(alertNames)));
  }

  /** The kube-prometheus-stack release; charts that ship ServiceMonitors depend on its CRDs. */
  public Release stack() {
    return stack;
  }

  public List<String> alertNames() {
    return alertNames;
  }

  private void serviceMonitor(String name, String namespace, Map<String, String> selector, boolean engines,
      CustomResourceOptions options) {
    Map<String, Object> endpoint = Charts.map("port", "http", "path", "/metrics", "interval", "15s",
        "scrapeTimeout", "10s");
    if (engines) {
      // Series get a `model` label from the Service's gantry.dev/model label: alerts, dashboards
      // and the HPA's external metric all select on it.
      endpoint.put("relabelings", List.of(Charts.map(
          "sourceLabels", List.of("__meta_kubernetes_service_label_gantry_dev_model"),
          "targetLabel", "model",
          "action", "replace")));
    }
    new KubeObject(name, new KubeObject.Args(MONITORING_API, "ServiceMonitor",
        Pods.meta(name, namespace, releaseLabel()),
        Charts.map(
            "selector", Charts.map("matchLabels", selector),
            "namespaceSelector", Charts.map("matchNames", List.of(namespace)),
            "endpoints", List.of(endpoint))), options);
  }

  private static Map<String, String> releaseLabel() {
    Map<String, String> labels = Labels.withCommon(Map.of());
    labels.put("release", KPS);
    return labels;
  }

  static Map<String, Object> stackValues(MonitoringSpec spec) {
    return Charts.map(
        "fullnameOverride", KPS,
        "prometheus", Charts.map("prometheusSpec", Charts.map(
            "replicas", 2,
            "retention", spec.retention(),
            // Pick up ServiceMonitors and rules from every namespace, not only the chart's own.
            "serviceMonitorSelectorNilUsesHelmValues", false,
            "podMonitorSelectorNilUsesHelmValues", false,
            "ruleSelectorNilUsesHelmValues", false,
            "storageSpec", Charts.map("volumeClaimTemplate", Charts.map("spec", Charts.map(
                "accessModes", List.of("ReadWriteOnce"),
                "resources", Charts.map("requests", Charts.map("storage", spec.storageSize())))))))
        ,
        "alertmanager", Charts.map("alertmanagerSpec", Charts.map("replicas", 2)),
        "grafana", Charts.map(
            "admin", Charts.map("existingSecret", SecretSync.GRAFANA_SECRET,
                "userKey", "admin-user", "passwordKey", "admin-password"),
            "sidecar", Charts.map("dashboards", Charts.map(
                "enabled", true, "label", DASHBOARD_LABEL, "labelValue", "1", "searchNamespace", "ALL"))));
  }

  /** prometheus-adapter: serve vllm:num_requests_waiting as an external metric, per namespace and model. */
  static Map<String, Object> adapterValues(String monitoringNamespace) {
    return Charts.map(
        "replicas", 2,
        "prometheus", Charts.map("url", "http://" + KPS + "-prometheus." + monitoringNamespace + ".svc", "port", 9090),
        "rules", Charts.map(
            "default", false,
            "external", List.of(Charts.map(
                "seriesQuery", "vllm:num_requests_waiting{namespace!=\"\",model!=\"\"}",
                "resources", Charts.map("overrides", Charts.map("namespace", Charts.map("resource", "namespace"))),
                "name", Charts.map("matches", "^vllm:num_requests_waiting$", "as", ModelEngine.QUEUE_METRIC),
                "metricsQuery", "sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)"))));
  }
}
