package dev.gantry.policies.rules.llm;

import static dev.gantry.policies.rules.Category.LLM;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.ServingSpec;
import dev.gantry.policies.graph.ServingSpec.GpuPool;
import dev.gantry.policies.graph.ServingSpec.Model;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-LLM-005: the engine's startup probe waits long enough to load the weights. */
public final class StartupProbeBudget extends StackRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-LLM-005", "Engine startup probe budget covers the model load time",
      LLM, Severity.HIGH, Enforcement.MANDATORY, List.of("DEP-02"),
      "Loading weights takes (weight bytes / storage throughput) plus engine initialisation. A startup probe that gives"
          + " up earlier makes the kubelet kill the engine just before it is ready, forever (CrashLoopBackOff with no"
          + " error in the logs). The throughput is an assumption, `modelLoadMiBps` in the stack's policy (default "
          + (int) PolicyConfig.DEFAULT_LOAD_MIBPS + " MiB/s), plus `modelLoadOverheadSeconds` (default "
          + (int) PolicyConfig.DEFAULT_LOAD_OVERHEAD_SECONDS + " s).",
      "Raise the engine's `startupProbe.failureThreshold` so that `initialDelaySeconds + failureThreshold ×"
          + " periodSeconds` ≥ the estimated load time.");

  public StartupProbeBudget() {
    super(INFO);
  }

  /** Estimated seconds to load the model's weights and start the engine. */
  public static double loadSeconds(Model m, PolicyConfig policy) {
    double bytes = m.parameters() * ModelMemory.bytesPerParam(m.dtype(), m.quantization());
    return bytes / (policy.modelLoadMiBps() * 1024 * 1024) + policy.modelLoadOverheadSeconds();
  }

  @Override
  public void check(RuleContext ctx, Findings out) {
    if (ctx.spec().isEmpty()) {
      return;
    }
    for (Model m : ctx.spec().get().models()) {
      double needed;
      try {
        needed = loadSeconds(m, ctx.policy());
      } catch (IllegalArgumentException e) {
        continue; // GNT-LLM-001 reports the bad dtype/quantization
      }
      for (Workload w : ctx.enginesFor(m.name())) {
        JsonNode probe = w.mainContainer().path("startupProbe");
        if (!probe.isObject()) {
          out.report(w.resource(), String.format(Locale.ROOT,
              "engine '%s' for model '%s' has no startup probe; loading takes about %.0f s", w.name(), m.name(), needed),
              String.format(Locale.ROOT, "add a startupProbe with periodSeconds 10 and failureThreshold %d",
                  (int) Math.ceil(needed / 10)));
          continue;
        }
        int delay = probe.path("initialDelaySeconds").asInt(0);
        int period = probe.path("periodSeconds").asInt(10);
        int failures = probe.path("failureThreshold").asInt(3);
        int budget = delay + period * failures;
        if (budget < needed) {
          int threshold = (int) Math.ceil((needed - delay) / period);
          out.report(w.resource(), String.format(Locale.ROOT,
              "engine '%s' startup probe gives up after %d s (%d + %d × %d s) but loading model '%s' takes about %.0f s"
                  + " (%.1f GiB at %.0f MiB/s + %.0f s start-up)",
              w.name(), budget, delay, failures, period, m.name(), needed,
              m.parameters() * ModelMemory.bytesPerParam(m.dtype(), m.quantization()) / ModelMemory.GIB,
              ctx.policy().modelLoadMiBps(), ctx.policy().modelLoadOverheadSeconds()),
              "set startupProbe.failureThreshold to at least " + threshold + " (periodSeconds " + period + ")");
        }
      }
    }
  }
}
