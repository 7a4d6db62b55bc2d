package dev.gantry.infra.k8s;

import com.google.gson.GsonBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Grafana dashboards as JSON, provisioned through ConfigMaps that Grafana's sidecar picks up
 * (label {@code grafana_dashboard: "1"}). The engine dashboard reads vLLM's metrics per model
 * (template variable {@code model}); the gateway dashboard reads ingress-nginx,
 * kube-state-metrics and cAdvisor series, which exist whatever the gateway exports itself,
 * plus the engine queue the router balances against.
 */
final class Dashboards {
  private static final int WIDTH = 12;
  private static final int HEIGHT = 8;

  private Dashboards() {}

  /** Dashboard file name to JSON. */
  static Map<String, String> all(String servingNamespace) {
    return Map.of(
        "gantry-engines.json", engines(servingNamespace),
        "gantry-gateway.json", gateway(servingNamespace));
  }

  static String engines(String ns) {
    String sel = "namespace=\"" + ns + "\",model=~\"$model\"";
    List<Object> panels = new ArrayList<>();
    panels.add(panel(panels.size(), "Requests / s", "reqps",
        target("sum by (model) (rate(vllm:request_success_total{" + sel + "}[5m]))", "{{model}}")));
    panels.add(panel(panels.size(), "End-to-end latency", "s",
        target(quantile(0.5, "vllm:e2e_request_latency_seconds_bucket", sel), "p50 {{model}}"),
        target(quantile(0.99, "vllm:e2e_request_latency_seconds_bucket", sel), "p99 {{model}}")));
    panels.add(panel(panels.size(), "Time to first token", "s",
        target(quantile(0.5, "vllm:time_to_first_token_seconds_bucket", sel), "p50 {{model}}"),
        target(quantile(0.99, "vllm:time_to_first_token_seconds_bucket", sel), "p99 {{model}}")));
    panels.add(panel(panels.size(), "Time per output token", "s",
        target(quantile(0.5, "vllm:time_per_output_token_seconds_bucket", sel), "p50 {{model}}"),
        target(quantile(0.99, "vllm:time_per_output_token_seconds_bucket", sel), "p99 {{model}}")));
    panels.add(panel(panels.size(), "Running and waiting requests", "short",
        target("sum by (model) (vllm:num_requests_running{" + sel + "})", "running {{model}}"),
        target("sum by (model) (vllm:num_requests_waiting{" + sel + "})", "waiting {{model}}")));
    panels.add(panel(panels.size(), "KV cache usage", "percentunit",
        target("max by (model, pod) (vllm:kv_cache_usage_perc{" + sel + "} or vllm:gpu_cache_usage_perc{" + sel + "})",
            "{{model}} {{pod}}")));
    panels.add(panel(panels.size(), "Preemptions / s", "short",
        target("sum by (model) (rate(vllm:num_preemptions_total{" + sel + "}[5m]))", "{{model}}")));
    panels.add(panel(panels.size(), "Tokens / s", "short",
        target("sum by (model) (rate(vllm:prompt_tokens_total{" + sel + "}[5m]))", "prompt {{model}}"),
        target("sum by (model) (rate(vllm:generation_tokens_total{" + sel + "}[5m]))", "generated {{model}}")));
    panels.add(panel(panels.size(), "Available replicas", "short",
        target("kube_deployment_status_replicas_available{namespace=\"" + ns + "\",deployment=~\""
            + Labels.ENGINE_NAME + "-.+\"}", "{{deployment}}")));
    Map<String, Object> templating = Charts.map("list", List.of(Charts.map(
        "name", "model",
        "label", "Model",
        "type", "query",
        "datasource", Charts.map("type", "prometheus", "uid", "${datasource}"),
        "query", "label_values(vllm:num_requests_running{namespace=\"" + ns + "\"}, model)",
        "refresh", 2,
        "includeAll", true,
        "multi", true,
        "current", Charts.map("text", "All", "value", "$__all")), datasourceVariable()));
    return dashboard("gantry-engines", "Gantry / Engines", panels, templating);
  }

  static String gateway(String ns) {
    String ingress = "exported_namespace=\"" + ns + "\",ingress=\"" + Labels.GATEWAY_NAME + "\"";
    String pods = "namespace=\"" + ns + "\",pod=~\"" + Labels.GATEWAY_NAME + "-.+\"";
    List<Object> panels = new ArrayList<>();
    panels.add(panel(panels.size(), "Requests / s by status", "reqps",
        target("sum by (status) (rate(nginx_ingress_controller_requests{" + ingress + "}[5m]))", "{{status}}")));
    panels.add(panel(panels.size(), "Rate-limited (429) share", "percentunit",
        target("sum(rate(nginx_ingress_controller_requests{" + ingress + ",status=\"429\"}[5m])) / "
            + "sum(rate(nginx_ingress_controller_requests{" + ingress + "}[5m]))", "429 share")));
    panels.add(panel(panels.size(), "Edge latency", "s",
        target("histogram_quantile(0.5, sum by (le) (rate(nginx_ingress_controller_request_duration_seconds_bucket{"
            + ingress + "}[5m])))", "p50"),
        target("histogram_quantile(0.99, sum by (le) (rate(nginx_ingress_controller_request_duration_seconds_bucket{"
            + ingress + "}[5m])))", "p99")));
    // What the engine-aware router sees: queue and KV cache pressure of each model behind the gateway.
    panels.add(panel(panels.size(), "Engine pressure behind the gateway", "short",
        target("sum by (model) (vllm:num_requests_waiting{namespace=\"" + ns + "\"})", "waiting {{model}}"),
        target("sum by (model) (vllm:num_requests_running{namespace=\"" + ns + "\"})", "running {{model}}")));
    panels.add(panel(panels.size(), "Available gateway replicas", "short",
        target("kube_deployment_status_replicas_available{namespace=\"" + ns + "\",deployment=\""
            + Labels.GATEWAY_NAME + "\"}", "available")));
    panels.add(panel(panels.size(), "Gateway CPU", "short",
        target("sum by (pod) (rate(container_cpu_usage_seconds_total{" + pods + ",container=\"gateway\"}[5m]))",
            "{{pod}}")));
    panels.add(panel(panels.size(), "Gateway memory", "bytes",
        target("sum by (pod) (container_memory_working_set_bytes{" + pods + ",container=\"gateway\"})", "{{pod}}")));
    return dashboard("gantry-gateway", "Gantry / Gateway", panels,
        Charts.map("list", List.of(datasourceVariable())));
  }

  private static String quantile(double q, String bucket, String selector) {
    return "histogram_quantile(" + q + ", sum by (le, model) (rate(" + bucket + "{" + selector + "}[5m])))";
  }

  private static Map<String, Object> datasourceVariable() {
    return Charts.map("name", "datasource", "label", "Data source", "type", "datasource", "query", "prometheus");
  }

  private static Map<String, Object> target(String expr, String legend) {
    return Charts.map("expr", expr, "legendFormat", legend,
        "datasource", Charts.map("type", "prometheus", "uid", "${datasource}"));
  }

  @SafeVarargs
  private static Map<String, Object> panel(int index, String title, String unit, Map<String, Object>... targets) {
    List<Object> refs = new ArrayList<>();
    for (int i = 0; i < targets.length; i++) {
      Map<String, Object> t = new java.util.LinkedHashMap<>(targets[i]);
      t.put("refId", String.valueOf((char) ('A' + i)));
      refs.add(t);
    }
    return Charts.map(
        "id", index + 1,
        "type", "timeseries",
        "title", title,
        "datasource", Charts.map("type", "prometheus", "uid", "${datasource}"),
        "gridPos", Charts.map("x", (index % 2) * WIDTH, "y", (index / 2) * HEIGHT, "w", WIDTH, "h", HEIGHT),
        "fieldConfig", Charts.map("defaults", Charts.map("unit", unit), "overrides", List.of()),
        "targets", refs);
  }

  private static String dashboard(String uid, String title, List<Object> panels, Map<String, Object> templating) {
    Map<String, Object> dashboard = Charts.map(
        "uid", uid,
        "title", title,
        "tags", List.of("gantry", "llm"),
        "timezone", "utc",
        "schemaVersion", 39,
        "refresh", "30s",
        "time", Charts.map("from", "now-6h", "to", "now"),
        "templating", templating,
        "panels", panels);
    return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(dashboard);
  }
}
