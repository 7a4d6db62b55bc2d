package dev.gantry.policies.rules.obs;

import static dev.gantry.policies.rules.Category.OBSERVABILITY;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-OBS-001: engine and gateway metrics are scraped. */
public final class MetricsScraped extends StackRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-OBS-001", "Engine and gateway are scraped by a ServiceMonitor",
      OBSERVABILITY, Severity.HIGH, Enforcement.MANDATORY, List.of("PRE-08", "DEP-06"),
      "Queue depth, KV cache usage, TTFT and token throughput exist only as the engines' `/metrics`; unscraped, the"
          + " alerts and dashboards are empty and autoscaling on queue depth has no input.",
      "Add a `monitoring.coreos.com/v1` ServiceMonitor whose selector matches the labels of the Service in front of"
          + " the engine (and one for the gateway), or a PodMonitor selecting the pods.");

  public MetricsScraped() {
    super(INFO);
  }

  @Override
  public void check(RuleContext ctx, Findings out) {
    for (String component : List.of(K8s.ENGINE, K8s.GATEWAY)) {
      List<Workload> workloads = ctx.component(component);
      if (workloads.isEmpty()) {
        continue;
      }
      for (Workload w : workloads) {
        if (!scraped(ctx, w)) {
          out.report(w.resource(), component + " " + w.kind() + " '" + w.name()
              + "' is not scraped: no ServiceMonitor selects a Service in front of it and no PodMonitor selects its pods");
        }
      }
    }
  }

  static boolean scraped(RuleContext ctx, Workload w) {
    boolean podMonitor = ctx.ofType(K8s.POD_MONITOR).stream()
        .anyMatch(pm -> K8s.selects(pm.input("spec.selector"), w.podLabels()));
    if (podMonitor) {
      return true;
    }
    for (Resource svc : ctx.ofType(K8s.SERVICE)) {
      Map<String, String> selector = K8s.labels(svc.input("spec.selector"));
      boolean fronts = !selector.isEmpty() && K8s.namespace(svc).equals(K8s.namespace(w.resource()))
          && w.podLabels().entrySet().containsAll(selector.entrySet());
      if (!fronts) {
        continue;
      }
      Map<String, String> svcLabels = K8s.labels(svc.input("metadata.labels"));
      if (ctx.ofType(K8s.SERVICE_MONITOR).stream().anyMatch(sm -> K8s.selects(sm.input("spec.selector"), svcLabels))) {
        return true;
      }
    }
    return false;
  }
}
