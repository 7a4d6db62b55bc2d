package dev.gantry.policies.rules.llm;

import static dev.gantry.policies.rules.Category.LLM;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.catalog.GpuInstanceType;
import dev.gantry.policies.graph.ServingSpec;
import dev.gantry.policies.graph.ServingSpec.GpuPool;
import dev.gantry.policies.graph.ServingSpec.Model;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-LLM-002: tensor-parallel size fits on one node and engines request that many GPUs. */
public final class TensorParallelFits extends StackRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-LLM-002", "Tensor-parallel size ≤ GPUs per node, and engines request TP GPUs",
      LLM, Severity.CRITICAL, Enforcement.MANDATORY, List.of("PRE-02"),
      "Tensor parallelism shards every layer over GPUs that talk over NVLink/PCIe on one node; a TP size larger than the"
          + " node's GPU count leaves the pod Pending forever, and an engine pod requesting fewer GPUs than its TP size"
          + " fails at start.",
      "Set `tensorParallelSize` ≤ the pool's GPUs per node and `resources.limits[\"nvidia.com/gpu\"]` = `tensorParallelSize`"
          + " on the engine container (the infra component does this from the model config).");

  public TensorParallelFits() {
    super(INFO);
  }

  @Override
  public void check(RuleContext ctx, Findings out) {
    if (ctx.spec().isEmpty()) {
      return;
    }
    for (Model m : ctx.spec().get().models()) {
      ctx.pool(m.pool()).ifPresent(p -> {
        if (m.tensorParallelSize() > p.gpusPerNode()) {
          out.reportStack("model " + m.name(), "model '" + m.name() + "' has tensorParallelSize " + m.tensorParallelSize()
              + " but pool '" + p.name() + "' (" + p.instanceType() + ") has " + p.gpusPerNode() + " GPU(s) per node",
              "set tensorParallelSize ≤ " + p.gpusPerNode() + " or move the model to a pool with ≥ "
                  + m.tensorParallelSize() + " GPUs per node");
        }
      });
      if (m.onCpu()) {
        if (m.tensorParallelSize() != 1) {
          out.reportStack("model " + m.name(), "CPU model '" + m.name() + "' has tensorParallelSize "
              + m.tensorParallelSize() + "; a CPU engine runs one replica in one process", "set tensorParallelSize 1");
        }
        for (Workload w : ctx.enginesFor(m.name())) {
          if (w.gpus() != 0) {
            out.report(w.resource(), "CPU engine '" + w.name() + "' for model '" + m.name() + "' requests " + w.gpus()
                + " nvidia.com/gpu", "remove the nvidia.com/gpu request: a CPU engine never uses it");
          }
        }
        continue;
      }
      for (Workload w : ctx.enginesFor(m.name())) {
        int gpus = w.gpus();
        if (gpus != m.tensorParallelSize()) {
          out.report(w.resource(), "engine '" + w.name() + "' for model '" + m.name() + "' requests " + gpus
              + " nvidia.com/gpu but tensorParallelSize is " + m.tensorParallelSize(),
              "set the engine container's nvidia.com/gpu limit to " + m.tensorParallelSize());
        }
      }
    }
  }
}
