package dev.gantry.policies.rules.obs;

import static dev.gantry.policies.rules.Category.OBSERVABILITY;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-OBS-003: Grafana dashboards are provisioned. */
public final class DashboardsProvisioned extends StackRule {
  public static final String DASHBOARD_LABEL = "grafana_dashboard";
  public static final RuleInfo INFO = new RuleInfo("GNT-OBS-003", "Grafana dashboards for the engines are provisioned",
      OBSERVABILITY, Severity.MEDIUM, Enforcement.MANDATORY, List.of("PRE-08", "DEP-06"),
      "On call at 3 a.m. nobody writes PromQL; a dashboard shipped with the stack shows TTFT, throughput, KV cache and"
          + " queue per model from the first deployment on.",
      "Add a ConfigMap labelled `" + DASHBOARD_LABEL + ": \"1\"` (picked up by the kube-prometheus-stack Grafana"
          + " sidecar) holding a dashboard JSON that charts the `vllm:` metrics.");

  public DashboardsProvisioned() {
    super(INFO);
  }

  @Override
  public void check(RuleContext ctx, Findings out) {
    if (ctx.component(K8s.ENGINE).isEmpty()) {
      return;
    }
    int dashboards = 0;
    for (Resource cm : ctx.ofType(K8s.CONFIG_MAP)) {
      if (!K8s.labels(cm.input("metadata.labels")).containsKey(DASHBOARD_LABEL)) {
        continue;
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = cm.input("data").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getKey().endsWith(".json")) {
          continue;
        }
        try {
          JsonNode dash = dev.gantry.policies.graph.GraphJson.mapper().readTree(e.getValue().asText());
          // Other dashboards (gateway, cluster) are welcome; the rule asks for one over the engines.
          if (dash.path("panels").size() > 0 && e.getValue().asText().contains("vllm:")) {
            dashboards++;
          }
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
          out.report(cm, "dashboard '" + e.getKey() + "' in ConfigMap '" + K8s.objectName(cm)
              + "' is not valid JSON: " + ex.getOriginalMessage(), null);
        }
      }
    }
    if (dashboards == 0) {
      out.reportStack("stack " + ctx.graph().stack(), "no Grafana dashboard over the engine (vllm:) metrics: no ConfigMap labelled "
          + DASHBOARD_LABEL + " with a *.json dashboard", null);
    }
  }
}
