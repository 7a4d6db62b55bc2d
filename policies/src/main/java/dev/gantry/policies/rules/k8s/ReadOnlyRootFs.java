package dev.gantry.policies.rules.k8s;

import static dev.gantry.policies.rules.Category.KUBERNETES;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-K8S-014: read-only root file system. */
public final class ReadOnlyRootFs extends ContainerRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-K8S-014", "Containers have a read-only root file system",
      KUBERNETES, Severity.MEDIUM, Enforcement.MANDATORY, List.of("PRE-04"),
      "A writable root file system lets an intruder drop tools into the image and lets a bug fill the node's disk.",
      "Set `securityContext.readOnlyRootFilesystem: true`; mount `emptyDir` volumes where the process writes"
          + " (`/tmp`, a model cache, `/dev/shm`).");

  public ReadOnlyRootFs() {
    super(INFO);
  }

  @Override
  protected String violation(Workload w, JsonNode c, RuleContext ctx) {
    return c.path("securityContext").path("readOnlyRootFilesystem").asBoolean(false) ? null
        : "readOnlyRootFilesystem is not true";
  }
}
