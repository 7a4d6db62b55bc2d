package dev.gantry.policies.rules.llm;

import static dev.gantry.policies.rules.Category.LLM;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.catalog.GpuInstanceType;
import dev.gantry.policies.graph.ServingSpec;
import dev.gantry.policies.graph.ServingSpec.GpuPool;
import dev.gantry.policies.graph.ServingSpec.Model;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-LLM-001: the model, its KV cache and headroom fit the pool's GPU memory. */
public final class GpuMemoryFit extends StackRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-LLM-001", "Model weights + KV cache fit the GPU memory",
      LLM, Severity.CRITICAL, Enforcement.MANDATORY, List.of("PRE-01", "PRE-02"),
      "An engine whose weights do not fit crashes with CUDA out-of-memory at start; one whose KV cache for"
          + " `maxModelLen × maxNumSeqs` does not fit starts, then preempts and recomputes under load, and latency"
          + " collapses exactly when traffic peaks. Gantry computes: weights (parameters × bytes per dtype/quantization)"
          + " / tensor-parallel size + KV cache (2 × layers × KV heads × head dim × bytes × maxModelLen × maxNumSeqs, per"
          + " TP rank) + activation headroom, against GPU memory × gpuMemoryUtilization of the pool's GPU type.",
      "Lower `maxModelLen` or `maxNumSeqs`, quantize (q8_0 or q4_0, which the engine applies at load),"
          + " raise `tensorParallelSize`, or use a larger GPU;"
          + " the finding names the values that would fit.");
  private static final int[] TP_SIZES = {1, 2, 4, 8};

  public GpuMemoryFit() {
    super(INFO);
  }

  @Override
  public void check(RuleContext ctx, Findings out) {
    if (ctx.spec().isEmpty()) {
      return;
    }
    double headroom = ctx.policy().activationHeadroomGiB();
    for (Model m : ctx.spec().get().models()) {
      if (m.onCpu()) {
        continue; // GNT-LLM-011 sizes CPU engines against their memory limit
      }
      Optional<GpuPool> pool = ctx.pool(m.pool());
      if (pool.isEmpty()) {
        continue; // GNT-LLM-009 reports the missing pool
      }
      GpuPool p = pool.get();
      double gpuGiB = gpuMemory(ctx, p);
      ModelMemory mem;
      try {
        mem = ModelMemory.estimate(m, gpuGiB, headroom);
      } catch (IllegalArgumentException e) {
        out.reportStack("model " + m.name(), "model '" + m.name() + "': " + e.getMessage(), null);
        continue;
      }
      if (mem.fits()) {
        continue;
      }
      String message = String.format(Locale.ROOT,
          "model '%s' does not fit pool '%s' (%s, %s × %.2f = %s usable per GPU): needs %s per GPU = weights %s"
              + " (%s params, %s%s, TP %d) + KV cache %s (%d tokens × %d seqs) + headroom %s;"
              + " KV room for %d sequence(s) of %d tokens",
          m.name(), p.name(), p.gpuModel(), ModelMemory.gib(gpuGiB), m.gpuMemoryUtilization(),
          ModelMemory.gib(mem.availableGiB()), ModelMemory.gib(mem.neededGiB()), ModelMemory.gib(mem.weightsGiB()),
          billions(m.parameters()), m.dtype(), quantSuffix(m.quantization()), m.tensorParallelSize(),
          ModelMemory.gib(mem.kvGiB()), m.maxModelLen(), m.maxNumSeqs(), ModelMemory.gib(mem.headroomGiB()),
          mem.sequencesThatFit(m.maxModelLen()), m.maxModelLen());
      out.reportStack("model " + m.name(), message, suggestions(ctx, m, p, gpuGiB, mem));
    }
  }

  /** The pool's per-GPU memory: the catalog's when it knows the instance type, else the spec's. */
  static double gpuMemory(RuleContext ctx, GpuPool p) {
    return ctx.catalog().find(ctx.cloud(), p.instanceType()).map(GpuInstanceType::gpuMemoryGiB).orElse(p.gpuMemoryGiB());
  }

  private static String suggestions(RuleContext ctx, Model m, GpuPool p, double gpuGiB, ModelMemory mem) {
    double headroom = ctx.policy().activationHeadroomGiB();
    List<String> fixes = new ArrayList<>();
    int step = m.blockSize() > 0 ? Math.max(m.blockSize(), 256) : 256;
    int len = mem.maxModelLenThatFits(m.maxNumSeqs(), step);
    if (len >= step) {
      fixes.add("set maxModelLen ≤ " + len + " (keeps maxNumSeqs " + m.maxNumSeqs() + ")");
    }
    int seqs = mem.sequencesThatFit(m.maxModelLen());
    if (seqs >= 1) {
      fixes.add("set maxNumSeqs ≤ " + seqs + " (keeps maxModelLen " + m.maxModelLen() + ")");
    }
    for (String q : List.of("q8_0", "q4_0")) { // what the Gantry engine quantizes to at load
      if (ModelMemory.bytesPerParam(m.dtype(), q) < ModelMemory.bytesPerParam(m.dtype(), m.quantization())
          && ModelMemory.estimate(m, q, m.tensorParallelSize(), m.maxModelLen(), m.maxNumSeqs(), gpuGiB,
              m.gpuMemoryUtilization(), headroom).fits()) {
        fixes.add("quantize to " + q);
        break;
      }
    }
    for (int tp : TP_SIZES) {
      if (tp > m.tensorParallelSize() && tp <= p.gpusPerNode()
          && ModelMemory.estimate(m, m.quantization(), tp, m.maxModelLen(), m.maxNumSeqs(), gpuGiB,
              m.gpuMemoryUtilization(), headroom).fits()) {
        fixes.add("set tensorParallelSize " + tp + " (pool has " + p.gpusPerNode() + " GPUs per node)");
        break;
      }
    }
    ctx.catalog().instanceTypes(ctx.cloud()).stream()
        .filter(t -> t.gpuCount() >= m.tensorParallelSize() && t.gpuMemoryGiB() > gpuGiB)
        .filter(t -> ModelMemory.estimate(m, t.gpuMemoryGiB(), headroom).fits())
        .min(Comparator.comparingDouble(GpuInstanceType::onDemandUsdPerHour))
        .ifPresent(t -> fixes.add(String.format(Locale.ROOT, "use a larger GPU: %s (%d × %s %s, $%.2f/h)",
            t.name(), t.gpuCount(), t.gpuModel(), ModelMemory.gib(t.gpuMemoryGiB()), t.onDemandUsdPerHour())));
    if (fixes.isEmpty()) {
      return "no single change fits: combine quantization, a larger GPU and a higher tensorParallelSize";
    }
    return "any of: " + String.join("; ", fixes);
  }

  static String billions(long params) {
    return String.format(Locale.ROOT, "%.1fB", params / 1e9);
  }

  private static String quantSuffix(String q) {
    return q == null || q.equals("none") ? "" : " " + q;
  }
}
