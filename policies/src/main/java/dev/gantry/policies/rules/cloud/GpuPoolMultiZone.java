package dev.gantry.policies.rules.cloud;

import static dev.gantry.policies.rules.Category.CLOUD;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-CLOUD-006: GPU pools span at least two zones. */
public final class GpuPoolMultiZone extends StackRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-CLOUD-006", "GPU node pools span at least 2 zones",
      CLOUD, Severity.HIGH, Enforcement.MANDATORY, List.of("PRE-02"),
      "GPU capacity runs out per zone (stock-outs are common for H100/A100); a pool in one zone cannot scale when that"
          + " zone is out, and goes down with it.",
      "List at least two zones for the pool in `gantry:gpuPools` (and run ≥ 2 nodes).");

  public GpuPoolMultiZone() {
    super(INFO);
  }

  @Override
  public void check(RuleContext ctx, Findings out) {
    ctx.spec().ifPresent(spec -> spec.gpuPools().forEach(pool -> {
      long zones = pool.zones().stream().distinct().count();
      if (zones < 2) {
        out.reportStack("pool " + pool.name(), "GPU pool '" + pool.name() + "' (" + pool.instanceType() + ") spans "
            + zones + " zone(s) " + pool.zones(), null);
      }
    }));
  }
}
