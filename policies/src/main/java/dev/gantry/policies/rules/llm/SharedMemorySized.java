package dev.gantry.policies.rules.llm;

import static dev.gantry.policies.rules.Category.LLM;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.catalog.GpuInstanceType;
import dev.gantry.policies.graph.ServingSpec;
import dev.gantry.policies.graph.ServingSpec.GpuPool;
import dev.gantry.policies.graph.ServingSpec.Model;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-LLM-003: engines with TP > 1 mount a sized /dev/shm. */
public final class SharedMemorySized extends StackRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-LLM-003", "Distributed engines (TP > 1) mount a sized /dev/shm",
      LLM, Severity.HIGH, Enforcement.MANDATORY, List.of("PRE-02"),
      "Tensor-parallel workers exchange data through NCCL, which uses shared memory; a container's default /dev/shm"
          + " is 64 MiB and NCCL fails or hangs at start-up with TP > 1.",
      "Add a volume `emptyDir: {medium: Memory, sizeLimit: 16Gi}` mounted at `/dev/shm` in the engine container.");
  static final double MIN_GIB = 1.0;

  public SharedMemorySized() {
    super(INFO);
  }

  static double gib(String quantity) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?").matcher(quantity.trim());
    if (!m.matches()) {
      return 0;
    }
    double n = Double.parseDouble(m.group(1));
    String unit = m.group(2) == null ? "" : m.group(2);
    return switch (unit) {
      case "Ki" -> n / (1024 * 1024);
      case "Mi" -> n / 1024;
      case "Gi" -> n;
      case "Ti" -> n * 1024;
      case "K" -> n * 1e3 / ModelMemory.GIB;
      case "M" -> n * 1e6 / ModelMemory.GIB;
      case "G" -> n * 1e9 / ModelMemory.GIB;
      case "T" -> n * 1e12 / ModelMemory.GIB;
      default -> n / ModelMemory.GIB;
    };
  }

  @Override
  public void check(RuleContext ctx, Findings out) {
    if (ctx.spec().isEmpty()) {
      return;
    }
    for (Model m : ctx.spec().get().models()) {
      if (m.tensorParallelSize() <= 1) {
        continue;
      }
      for (Workload w : ctx.enginesFor(m.name())) {
        String problem = problem(w);
        if (problem != null) {
          out.report(w.resource(), "engine '" + w.name() + "' for model '" + m.name() + "' (TP "
              + m.tensorParallelSize() + ") " + problem);
        }
      }
    }
  }

  private static String problem(Workload w) {
    JsonNode container = w.mainContainer();
    String volume = null;
    for (JsonNode mount : K8s.list(container.path("volumeMounts"))) {
      if (mount.path("mountPath").asText().equals("/dev/shm")) {
        volume = mount.path("name").asText();
      }
    }
    if (volume == null) {
      return "does not mount /dev/shm (the container default is 64 MiB)";
    }
    for (JsonNode v : K8s.list(w.podSpec().path("volumes"))) {
      if (v.path("name").asText().equals(volume)) {
        JsonNode emptyDir = v.path("emptyDir");
        if (!emptyDir.path("medium").asText().equals("Memory")) {
          return "mounts /dev/shm from volume '" + volume + "', which is not an emptyDir with medium Memory";
        }
        JsonNode size = emptyDir.path("sizeLimit");
        if (!size.isTextual() && !size.isNumber()) {
          return "mounts /dev/shm without a sizeLimit";
        }
        return gib(size.asText()) < MIN_GIB ? "mounts /dev/shm of only " + size.asText() + " (at least 1Gi)" : null;
      }
    }
    return "mounts /dev/shm from volume '" + volume + "', which the pod does not define";
  }
}
