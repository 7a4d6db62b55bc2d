package dev.gantry.policies.rules.llm;

import static dev.gantry.policies.rules.Category.LLM;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.ServingSpec;
import dev.gantry.policies.graph.ServingSpec.GpuPool;
import dev.gantry.policies.graph.ServingSpec.Model;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-LLM-010: GPU pools agree with the GPU catalog. */
public final class PoolMatchesCatalog extends StackRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-LLM-010", "GPU pools use catalogued instance types with matching GPU facts",
      LLM, Severity.MEDIUM, Enforcement.MANDATORY, List.of("PRE-02"),
      "Memory-fit and cost checks are only as good as the GPU facts behind them; a pool whose declared GPU count or"
          + " memory disagrees with its instance type makes every sizing number wrong.",
      "Use an instance type from the GPU catalog (`policies/.../catalog/gpu-instances.yaml`) and let the stack take"
          + " GPU model, count and memory from it, or add the type to the catalog.");

  public PoolMatchesCatalog() {
    super(INFO);
  }

  @Override
  public void check(RuleContext ctx, Findings out) {
    if (ctx.spec().isEmpty()) {
      return;
    }
    String cloud = ctx.cloud();
    if (!ctx.catalog().clouds().contains(cloud)) {
      return; // plain Kubernetes: no instance types to check
    }
    for (GpuPool p : ctx.spec().get().gpuPools()) {
      var type = ctx.catalog().find(cloud, p.instanceType());
      if (type.isEmpty()) {
        out.reportStack("pool " + p.name(), "pool '" + p.name() + "' uses instance type '" + p.instanceType()
            + "', which is not in the " + cloud + " GPU catalog"
            + ctx.catalog().suggest(cloud, p.instanceType()).map(s -> "; did you mean '" + s + "'?").orElse(""), null);
        continue;
      }
      var t = type.get();
      if (t.gpuCount() != p.gpusPerNode() || Math.abs(t.gpuMemoryGiB() - p.gpuMemoryGiB()) > 0.5) {
        out.reportStack("pool " + p.name(), "pool '" + p.name() + "' declares " + p.gpusPerNode() + " × "
            + p.gpuMemoryGiB() + " GiB but " + t.name() + " has " + t.gpuCount() + " × " + t.gpuMemoryGiB() + " GiB ("
            + t.gpuModel() + ")", null);
      }
    }
  }
}
