package dev.gantry.policies.rules.llm;

import static dev.gantry.policies.rules.Category.LLM;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.ServingSpec;
import dev.gantry.policies.graph.ServingSpec.GpuPool;
import dev.gantry.policies.graph.ServingSpec.Model;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-LLM-004: at most one distributed engine instance per GPU node. */
public final class OneDistributedEnginePerNode extends StackRule {
  public static final String MESSAGE = "each GPU node can host only one distributed engine instance";
  public static final RuleInfo INFO = new RuleInfo("GNT-LLM-004", "At most one distributed (TP > 1) engine per GPU node",
      LLM, Severity.HIGH, Enforcement.MANDATORY, List.of("PRE-02"),
      "Two tensor-parallel engines on one node compete for NVLink/PCIe bandwidth, shared memory and NCCL ports; the"
          + " scheduler happily co-locates them whenever their GPU counts add up to the node's, and both slow down or"
          + " fail to initialise (the worker-allocation lesson GPUStack learnt in production). So " + MESSAGE + ".",
      "Give every distributed engine a required pod anti-affinity on `kubernetes.io/hostname` against the other"
          + " distributed engines (label `gantry.dev/distributed: \"true\"`), or make TP equal to the node's GPU count.");
  public static final String DISTRIBUTED_LABEL = "gantry.dev/distributed";

  public OneDistributedEnginePerNode() {
    super(INFO);
  }

  record Instance(Model model, List<Workload> workloads, int maxReplicas) {}

  @Override
  public void check(RuleContext ctx, Findings out) {
    if (ctx.spec().isEmpty()) {
      return;
    }
    for (GpuPool pool : ctx.spec().get().gpuPools()) {
      List<Instance> distributed = new ArrayList<>();
      for (Model m : ctx.spec().get().models()) {
        if (m.pool().equals(pool.name()) && m.tensorParallelSize() > 1) {
          List<Workload> ws = ctx.enginesFor(m.name());
          int replicas = Math.max(m.maxReplicas(), ws.stream().mapToInt(ctx::maxReplicas).max().orElse(1));
          distributed.add(new Instance(m, ws, replicas));
        }
      }
      Set<String> reported = new HashSet<>();
      for (int i = 0; i < distributed.size(); i++) {
        for (int j = i; j < distributed.size(); j++) {
          Instance a = distributed.get(i);
          Instance b = distributed.get(j);
          if (i == j && a.maxReplicas() < 2) {
            continue; // one replica cannot share a node with itself
          }
          int gpus = a.model().tensorParallelSize() + b.model().tensorParallelSize();
          if (gpus > pool.gpusPerNode() || separated(a, b)) {
            continue;
          }
          String models = i == j ? "model '" + a.model().name() + "' (TP " + a.model().tensorParallelSize() + ", up to "
              + a.maxReplicas() + " replicas)"
              : "models '" + a.model().name() + "' (TP " + a.model().tensorParallelSize() + ") and '" + b.model().name()
                  + "' (TP " + b.model().tensorParallelSize() + ")";
          if (reported.add(models)) {
            out.reportStack("pool " + pool.name(), MESSAGE + ": " + models + " on pool '" + pool.name() + "' ("
                + pool.gpusPerNode() + " GPUs per node) can be scheduled onto the same node, using " + gpus + " GPUs",
                "add a required podAntiAffinity on kubernetes.io/hostname between these engines (label "
                    + DISTRIBUTED_LABEL + "), or set tensorParallelSize to " + pool.gpusPerNode());
          }
        }
      }
    }
  }

  /** True when every workload of a keeps away from every workload of b (or the other way round). */
  private static boolean separated(Instance a, Instance b) {
    if (a.workloads().isEmpty() || b.workloads().isEmpty()) {
      return false;
    }
    for (Workload wa : a.workloads()) {
      for (Workload wb : b.workloads()) {
        if (!repels(wa, wb) && !repels(wb, wa)) {
          return false;
        }
      }
    }
    return true;
  }

  static boolean repels(Workload from, Workload other) {
    JsonNode terms = from.podSpec().path("affinity").path("podAntiAffinity").path("requiredDuringSchedulingIgnoredDuringExecution");
    for (JsonNode term : K8s.list(terms)) {
      if (K8s.HOSTNAME_KEY.equals(term.path("topologyKey").asText())
          && K8s.selects(term.path("labelSelector"), other.podLabels())) {
        return true;
      }
    }
    return false;
  }
}
