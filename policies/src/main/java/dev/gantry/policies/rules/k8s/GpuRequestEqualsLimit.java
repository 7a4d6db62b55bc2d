package dev.gantry.policies.rules.k8s;

import static dev.gantry.policies.rules.Category.KUBERNETES;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-K8S-005: GPU requests equal GPU limits. */
public final class GpuRequestEqualsLimit extends ContainerRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-K8S-005", "GPU request equals GPU limit",
      KUBERNETES, Severity.HIGH, Enforcement.MANDATORY, List.of("PRE-02"),
      "Extended resources such as `nvidia.com/gpu` cannot be overcommitted: Kubernetes rejects a pod whose GPU"
          + " request differs from its limit, and a request without a limit is refused too.",
      "Set `resources.limits[\"nvidia.com/gpu\"]` and, if you set a request, make it the same number.");

  public GpuRequestEqualsLimit() {
    super(INFO);
  }

  @Override
  protected String violation(Workload w, JsonNode c, RuleContext ctx) {
    JsonNode request = c.path("resources").path("requests").path(K8s.GPU_RESOURCE);
    JsonNode limit = c.path("resources").path("limits").path(K8s.GPU_RESOURCE);
    if (request.isMissingNode()) {
      return null; // a limit alone is fine: the request defaults to it
    }
    if (limit.isMissingNode()) {
      return "requests " + request.asText() + " nvidia.com/gpu but sets no limit";
    }
    double r = K8s.quantity(request);
    double l = K8s.quantity(limit);
    return !Double.isNaN(r) && !Double.isNaN(l) && r != l
        ? "nvidia.com/gpu request " + request.asText() + " differs from limit " + limit.asText() : null;
  }
}
