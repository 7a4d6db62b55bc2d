package dev.gantry.policies.rules.llm;

import static dev.gantry.policies.rules.Category.LLM;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.ServingSpec;
import dev.gantry.policies.graph.ServingSpec.GpuPool;
import dev.gantry.policies.graph.ServingSpec.Model;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-LLM-007: engines autoscale on queue depth or KV cache usage, not CPU. */
public final class AutoscaleOnQueue extends StackRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-LLM-007", "Engines autoscale on queue depth or KV cache usage, not CPU",
      LLM, Severity.MEDIUM, Enforcement.MANDATORY, List.of("POST-03"),
      "An engine's CPU is busy feeding the GPU whether the queue is empty or a thousand deep; CPU-based autoscaling"
          + " never scales on load and sometimes scales down under it. Waiting requests and KV cache usage measure"
          + " what users wait for.",
      "Use an `autoscaling/v2` metric of type Pods or External on `vllm:num_requests_waiting` (e.g. average 5 per"
          + " pod) or `vllm:kv_cache_usage_perc` (e.g. 0.8), served by prometheus-adapter; remove cpu/memory metrics.");
  private static final List<String> GOOD = List.of("num_requests_waiting", "kv_cache_usage", "gpu_cache_usage", "queue");

  public AutoscaleOnQueue() {
    super(INFO);
  }

  @Override
  public void check(RuleContext ctx, Findings out) {
    for (Workload w : ctx.component(K8s.ENGINE)) {
      for (Resource hpa : ctx.hpasFor(w)) {
        List<String> resourceMetrics = new ArrayList<>();
        boolean good = false;
        for (JsonNode metric : K8s.list(hpa.input("spec.metrics"))) {
          String type = metric.path("type").asText();
          if (type.equals("Resource") || type.equals("ContainerResource")) {
            String key = type.equals("Resource") ? "resource" : "containerResource";
            resourceMetrics.add(metric.path(key).path("name").asText());
            continue;
          }
          String name = metric.path(type.isEmpty() ? "" : Character.toLowerCase(type.charAt(0)) + type.substring(1))
              .path("metric").path("name").asText("");
          good |= GOOD.stream().anyMatch(name::contains);
        }
        if (!resourceMetrics.isEmpty() || !good) {
          out.report(hpa, "HPA '" + K8s.objectName(hpa) + "' of engine '" + w.name() + "' scales on "
              + (resourceMetrics.isEmpty() ? "no queue or KV cache metric" : "resource metrics " + resourceMetrics
              + (good ? "" : " and no queue or KV cache metric")));
        }
      }
    }
  }
}
