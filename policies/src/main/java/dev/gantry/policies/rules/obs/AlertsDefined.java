package dev.gantry.policies.rules.obs;

import static dev.gantry.policies.rules.Category.OBSERVABILITY;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-OBS-002: the alerts an LLM service needs exist. */
public final class AlertsDefined extends StackRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-OBS-002", "PrometheusRules alert on latency, TTFT, KV cache, queue, preemptions, replicas",
      OBSERVABILITY, Severity.HIGH, Enforcement.MANDATORY, List.of("PRE-08", "DEP-07"),
      "These are the failure modes of LLM serving that users feel before any pod restarts: p99 end-to-end latency,"
          + " p99 time to first token, a KV cache that stays above 95 % for 5 minutes (preemptions follow), a growing"
          + " queue, a preemption rate, replicas down.",
      "Add a PrometheusRule with one alert per signal over the engine metrics (`vllm:e2e_request_latency_seconds`,"
          + " `vllm:time_to_first_token_seconds`, `vllm:kv_cache_usage_perc` > 0.95 `for: 5m`,"
          + " `vllm:num_requests_waiting`, `vllm:num_preemptions_total`) and `kube_deployment_status_replicas_available`.");

  /** One required alert: a name for messages and a test on (expr, for). */
  record Required(String name, java.util.function.BiPredicate<String, String> matches) {}

  static final List<Required> REQUIRED = List.of(
      new Required("p99 end-to-end latency (e2e_request_latency_seconds, 0.99)",
          (e, f) -> e.contains("e2e_request_latency_seconds") && e.contains("0.99")),
      new Required("p99 time to first token (time_to_first_token_seconds, 0.99)",
          (e, f) -> e.contains("time_to_first_token_seconds") && e.contains("0.99")),
      new Required("KV cache > 95 % for 5 min (kv_cache_usage_perc > 0.95, for ≥ 5m)",
          (e, f) -> (e.contains("kv_cache_usage_perc") || e.contains("gpu_cache_usage_perc"))
              && (e.contains("0.95") || e.contains("95")) && minutes(f) >= 5),
      new Required("queue depth (num_requests_waiting)", (e, f) -> e.contains("num_requests_waiting")),
      new Required("preemption rate (num_preemptions)", (e, f) -> e.contains("num_preemptions")),
      new Required("replicas down (kube_deployment_status_replicas_available/unavailable)",
          (e, f) -> e.contains("kube_deployment_status_replicas_available") || e.contains("kube_deployment_status_replicas_unavailable")));

  public AlertsDefined() {
    super(INFO);
  }

  static double minutes(String duration) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)([smh])").matcher(duration);
    double total = 0;
    while (m.find()) {
      double n = Double.parseDouble(m.group(1));
      total += switch (m.group(2)) {
        case "s" -> n / 60;
        case "h" -> n * 60;
        default -> n;
      };
    }
    return total;
  }

  @Override
  public void check(RuleContext ctx, Findings out) {
    if (ctx.component(K8s.ENGINE).isEmpty() && ctx.component(K8s.GATEWAY).isEmpty()) {
      return;
    }
    List<String[]> alerts = new ArrayList<>();
    for (Resource rule : ctx.ofType(K8s.PROMETHEUS_RULE)) {
      for (JsonNode group : K8s.list(rule.input("spec.groups"))) {
        for (JsonNode r : K8s.list(group.path("rules"))) {
          if (r.has("alert")) {
            alerts.add(new String[] {r.path("expr").asText(""), r.path("for").asText("")});
          }
        }
      }
    }
    List<String> missing = REQUIRED.stream()
        .filter(req -> alerts.stream().noneMatch(a -> req.matches().test(a[0], a[1])))
        .map(Required::name).toList();
    if (!missing.isEmpty()) {
      out.reportStack("stack " + ctx.graph().stack(), "missing alert(s): " + String.join("; ", missing)
          + " (" + alerts.size() + " alert rule(s) found in " + ctx.ofType(K8s.PROMETHEUS_RULE).size() + " PrometheusRule(s))", null);
    }
  }
}
