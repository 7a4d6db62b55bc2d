package dev.gantry.infra.k8s;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The serving alerts, as the {@code spec.groups} of a PrometheusRule. Engine series carry a
 * {@code model} label (copied from the Service's {@code gantry.dev/model} label by the engine
 * ServiceMonitor), so every alert names the model it is about. Metric names are vLLM's:
 * {@code vllm:e2e_request_latency_seconds_bucket}, {@code vllm:time_to_first_token_seconds_bucket},
 * {@code vllm:kv_cache_usage_perc} (older vLLM: {@code vllm:gpu_cache_usage_perc}, fraction 0..1),
 * {@code vllm:num_requests_waiting}, {@code vllm:num_preemptions_total}.
 */
final class ServingAlerts {
  static final String P99_LATENCY = "GantryEngineP99LatencyHigh";
  static final String P99_TTFT = "GantryEngineP99TimeToFirstTokenHigh";
  static final String KV_CACHE = "GantryEngineKvCacheSaturated";
  static final String QUEUE_DEPTH = "GantryEngineQueueDepthHigh";
  static final String PREEMPTIONS = "GantryEnginePreemptionRateHigh";
  static final String ENGINE_REPLICAS_DOWN = "GantryEngineReplicasDown";
  static final String ENGINE_UNAVAILABLE = "GantryEngineUnavailable";
  static final String ENGINE_SCRAPE = "GantryEngineMetricsDown";
  static final String GATEWAY_REPLICAS_DOWN = "GantryGatewayReplicasDown";
  static final String GATEWAY_UNAVAILABLE = "GantryGatewayUnavailable";

  private ServingAlerts() {}

  static List<Object> groups(MonitoringSpec spec, String servingNamespace) {
    String ns = "namespace=\"" + servingNamespace + "\"";
    String engineDeployments = ns + ",deployment=~\"" + Labels.ENGINE_NAME + "-.+\"";
    String gatewayDeployment = ns + ",deployment=\"" + Labels.GATEWAY_NAME + "\"";

    List<Object> engine = new ArrayList<>();
    engine.add(rule(P99_LATENCY, "warning", "10m",
        "histogram_quantile(0.99, sum by (le, model) (rate(vllm:e2e_request_latency_seconds_bucket{" + ns + "}[5m]))) > "
            + number(spec.p99E2eLatencySeconds()),
        "p99 end-to-end latency of {{ $labels.model }} is {{ $value | humanizeDuration }}",
        "Requests are slower than the " + number(spec.p99E2eLatencySeconds()) + " s SLO. Check queue depth and KV cache "
            + "usage; scale out or lower max-num-seqs."));
    engine.add(rule(P99_TTFT, "warning", "10m",
        "histogram_quantile(0.99, sum by (le, model) (rate(vllm:time_to_first_token_seconds_bucket{" + ns + "}[5m]))) > "
            + number(spec.p99TtftSeconds()),
        "p99 time to first token of {{ $labels.model }} is {{ $value | humanizeDuration }}",
        "Prefill is queueing. Above " + number(spec.p99TtftSeconds()) + " s users notice; check waiting requests and "
            + "chunked-prefill budget, or add replicas."));
    engine.add(rule(KV_CACHE, "warning", "5m",
        "max by (model, pod) (vllm:kv_cache_usage_perc{" + ns + "} or vllm:gpu_cache_usage_perc{" + ns + "}) > 0.95",
        "KV cache of {{ $labels.pod }} ({{ $labels.model }}) is {{ $value | humanizePercentage }} full",
        "Above 95 % the scheduler preempts running sequences. Lower max-num-seqs or max-model-len, or add replicas."));
    engine.add(rule(QUEUE_DEPTH, "warning", "10m",
        "sum by (model) (vllm:num_requests_waiting{" + ns + "}) > " + spec.queueDepthThreshold(),
        "{{ $value }} requests of {{ $labels.model }} are waiting",
        "The autoscaler has not caught up (max replicas reached or GPU nodes unavailable)."));
    engine.add(rule(PREEMPTIONS, "warning", "10m",
        "sum by (model) (rate(vllm:num_preemptions_total{" + ns + "}[5m])) > " + number(spec.preemptionsPerSecond()),
        "{{ $labels.model }} preempts {{ $value | humanize }} sequences/s",
        "Preempted sequences are recomputed, wasting GPU time; the KV cache is too small for the load."));
    engine.add(rule(ENGINE_REPLICAS_DOWN, "warning", "15m",
        "kube_deployment_status_replicas_available{" + engineDeployments + "} < kube_deployment_spec_replicas{"
            + engineDeployments + "}",
        "{{ $labels.deployment }} has fewer available replicas than desired",
        "Replicas are not ready after 15 minutes: check pending pods (GPU capacity), the weight download and the startup probe."));
    engine.add(rule(ENGINE_UNAVAILABLE, "critical", "5m",
        "kube_deployment_status_replicas_available{" + engineDeployments + "} == 0",
        "{{ $labels.deployment }} has no available replica",
        "The model is down; the gateway answers its requests with errors or fallbacks."));
    engine.add(rule(ENGINE_SCRAPE, "warning", "5m",
        "up{" + ns + ",job=~\"" + Labels.ENGINE_NAME + "-.+\"} == 0",
        "Prometheus cannot scrape {{ $labels.pod }}",
        "Metrics-based alerts and autoscaling for this engine are blind."));

    List<Object> gateway = new ArrayList<>();
    gateway.add(rule(GATEWAY_REPLICAS_DOWN, "warning", "10m",
        "kube_deployment_status_replicas_available{" + gatewayDeployment + "} < kube_deployment_spec_replicas{"
            + gatewayDeployment + "}",
        "The gateway has fewer available replicas than desired",
        "A gateway replica is not ready; check its readiness (database, config) and events."));
    gateway.add(rule(GATEWAY_UNAVAILABLE, "critical", "2m",
        "kube_deployment_status_replicas_available{" + gatewayDeployment + "} == 0",
        "The gateway has no available replica",
        "All API traffic fails."));

    return List.of(
        Charts.map("name", "gantry-engine", "rules", engine),
        Charts.map("name", "gantry-gateway", "rules", gateway));
  }

  /** Alert names in the order they are defined. */
  @SuppressWarnings("unchecked")
  static List<String> alertNames(List<Object> groups) {
    List<String> names = new ArrayList<>();
    for (Object group : groups) {
      for (Object rule : (List<Object>) ((Map<String, Object>) group).get("rules")) {
        names.add((String) ((Map<String, Object>) rule).get("alert"));
      }
    }
    return names;
  }

  private static Map<String, Object> rule(String alert, String severity, String forDuration, String expr,
      String summary, String description) {
    return Charts.map(
        "alert", alert,
        "expr", expr,
        "for", forDuration,
        "labels", Charts.map("severity", severity, "team", "gantry"),
        "annotations", Charts.map("summary", summary, "description", description));
  }

  private static String number(double value) {
    return value == Math.rint(value) ? Long.toString((long) value) : String.format(Locale.ROOT, "%s", value);
  }
}
