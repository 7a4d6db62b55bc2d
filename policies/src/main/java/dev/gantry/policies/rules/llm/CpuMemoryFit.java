package dev.gantry.policies.rules.llm;

import static dev.gantry.policies.rules.Category.LLM;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.ServingSpec.Model;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.Enforcement;
import dev.gantry.policies.rules.Findings;
import dev.gantry.policies.rules.K8s;
import dev.gantry.policies.rules.RuleContext;
import dev.gantry.policies.rules.RuleInfo;
import dev.gantry.policies.rules.Severity;
import dev.gantry.policies.rules.StackRule;
import dev.gantry.policies.rules.Workload;
import java.util.List;
import java.util.Locale;

/** GNT-LLM-011: a CPU engine's weights, KV cache and headroom fit its container memory limit. */
public final class CpuMemoryFit extends StackRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-LLM-011", "CPU engines: weights + KV cache fit the memory limit",
      LLM, Severity.CRITICAL, Enforcement.MANDATORY, List.of("PRE-01"),
      "A CPU engine (the `dev` stack on kind, k3s or minikube) has no GPU memory to run out of: it runs out of its"
          + " container's memory limit instead, and the kernel OOM-kills it, at start when the weights do not fit, under"
          + " load when the KV cache grows. Gantry computes: weights as stored (parameters × bytes per dtype) + KV cache"
          + " in float32, which the CPU backend computes in (2 × layers × KV heads × head dim × 4 B × maxModelLen ×"
          + " maxNumSeqs) + headroom (`activationHeadroomGiB` and the logits), against the engine container's"
          + " `resources.limits.memory`.",
      "Raise the engine's memory (the stack entry's `memory`), or lower `maxModelLen` or `maxNumSeqs`; the finding"
          + " names the values that would fit.");

  public CpuMemoryFit() {
    super(INFO);
  }

  @Override
  public void check(RuleContext ctx, Findings out) {
    if (ctx.spec().isEmpty()) {
      return;
    }
    double headroom = ctx.policy().activationHeadroomGiB();
    for (Model m : ctx.spec().get().models()) {
      if (!m.onCpu()) {
        continue;
      }
      for (Workload w : ctx.enginesFor(m.name())) {
        JsonNode limitNode = w.mainContainer().path("resources").path("limits").path("memory");
        double limit = K8s.bytes(limitNode);
        if (Double.isNaN(limit)) {
          if (!Values.isUnknown(limitNode)) { // unknown at plan time: judged where it is computed
            out.report(w.resource(), "CPU engine '" + w.name() + "' for model '" + m.name()
                + "' has no memory limit, so nothing bounds it and the fit cannot be judged",
                "set resources.limits.memory on the engine container");
          }
          continue;
        }
        ModelMemory mem;
        try {
          mem = ModelMemory.estimateCpu(m, limit / ModelMemory.GIB, headroom);
        } catch (IllegalArgumentException e) {
          out.reportStack("model " + m.name(), "model '" + m.name() + "': " + e.getMessage(), null);
          continue;
        }
        if (mem.fits()) {
          continue;
        }
        String message = String.format(Locale.ROOT,
            "CPU engine '%s' for model '%s' does not fit its memory limit %s: needs %s = weights %s (%s params, %s)"
                + " + KV cache %s (float32, %d tokens × %d seqs) + headroom %s; KV room for %d sequence(s) of %d tokens",
            w.name(), m.name(), ModelMemory.gib(mem.availableGiB()), ModelMemory.gib(mem.neededGiB()),
            ModelMemory.gib(mem.weightsGiB()), GpuMemoryFit.billions(m.parameters()), m.dtype(),
            ModelMemory.gib(mem.kvGiB()), m.maxModelLen(), m.maxNumSeqs(), ModelMemory.gib(mem.headroomGiB()),
            mem.sequencesThatFit(m.maxModelLen()), m.maxModelLen());
        int neededGiB = (int) Math.ceil(mem.neededGiB());
        String fix = "set the engine memory to at least " + neededGiB + "Gi";
        int seqs = mem.sequencesThatFit(m.maxModelLen());
        if (seqs >= 1) {
          fix += ", or maxNumSeqs ≤ " + seqs;
        }
        int len = mem.maxModelLenThatFits(m.maxNumSeqs(), 256);
        if (len >= 256) {
          fix += ", or maxModelLen ≤ " + len;
        }
        out.report(w.resource(), message, fix);
      }
    }
  }

}
