package dev.gantry.policies.rules.cost;

import static dev.gantry.policies.rules.Category.COST;

import dev.gantry.policies.catalog.GpuInstanceType;
import dev.gantry.policies.graph.ServingSpec.GpuPool;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-COST-001: GPU spend at maximum scale stays within the stack's monthly budget. */
public final class GpuBudget extends StackRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-COST-001", "GPU spend at max scale is within the monthly budget",
      COST, Severity.MEDIUM, Enforcement.ADVISORY, List.of("POST-04"),
      "GPU pools are the bill; autoscaling to `maxNodes` is what happens on the day traffic spikes. The gate prices"
          + " every pool at its maximum size from the catalog's on-demand prices (× 730 h).",
      "Set `monthlyBudgetUsd` in the stack's policy (`policy:` in `stacks/attestations/STACK.yaml`), and lower `maxNodes`, use smaller or spot instances when over it.");

  public GpuBudget() {
    super(INFO);
  }

  /** Monthly on-demand cost of the pool at max nodes; empty when the instance type is not catalogued. */
  public static OptionalDouble monthlyUsdAtMax(RuleContext ctx, GpuPool p) {
    return ctx.catalog().find(ctx.cloud(), p.instanceType())
        .map(t -> OptionalDouble.of(t.onDemandUsdPerHour() * GpuInstanceType.HOURS_PER_MONTH * p.maxNodes()))
        .orElse(OptionalDouble.empty());
  }

  @Override
  public void check(RuleContext ctx, Findings out) {
    if (ctx.spec().isEmpty() || ctx.spec().get().gpuPools().isEmpty()) {
      return;
    }
    double total = 0;
    List<String> parts = new ArrayList<>();
    for (GpuPool p : ctx.spec().get().gpuPools()) {
      OptionalDouble cost = monthlyUsdAtMax(ctx, p);
      if (cost.isPresent()) {
        total += cost.getAsDouble();
        parts.add(String.format(Locale.ROOT, "%s %d × %s = $%,.0f", p.name(), p.maxNodes(), p.instanceType(), cost.getAsDouble()));
      }
    }
    Double budget = ctx.policy().monthlyBudgetUsd();
    if (budget == null) {
      out.reportStack("stack " + ctx.graph().stack(), String.format(Locale.ROOT,
          "no monthly budget set; GPU pools at max scale cost about $%,.0f/month (%s)", total, String.join(", ", parts)), null);
    } else if (total > budget) {
      out.reportStack("stack " + ctx.graph().stack(), String.format(Locale.ROOT,
          "GPU pools at max scale cost about $%,.0f/month (%s), over the budget of $%,.0f", total,
          String.join(", ", parts), budget), null);
    }
  }
}
