package dev.gantry.policies.rules;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A workload rule judged container by container; {@link #violation} returns what is wrong
 * with one container, or null. Init containers are included when {@link #includeInit} says so.
 */
public abstract class ContainerRule extends WorkloadRule {
  protected ContainerRule(RuleInfo info) {
    super(info);
  }

  protected boolean includeInit() {
    return true;
  }

  @Override
  protected final void check(Workload w, RuleContext context, Findings out) {
    for (JsonNode c : includeInit() ? w.allContainers() : w.containers()) {
      String problem = violation(w, c, context);
      if (problem != null) {
        out.report(w.resource(), w.kind() + " '" + w.name() + "', container '" + w.containerName(c) + "': " + problem);
      }
    }
  }

  /** What is wrong with {@code container}, or null when it complies. */
  protected abstract String violation(Workload w, JsonNode container, RuleContext context);
}
