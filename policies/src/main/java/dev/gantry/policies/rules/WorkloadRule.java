package dev.gantry.policies.rules;

import dev.gantry.policies.graph.Resource;

/** A resource rule over Deployments, StatefulSets and DaemonSets, seen as {@link Workload}s. */
public abstract class WorkloadRule extends ResourceRule {
  protected WorkloadRule(RuleInfo info) {
    super(info);
  }

  @Override
  public boolean appliesTo(Resource resource) {
    return K8s.WORKLOAD_TYPES.contains(resource.type());
  }

  @Override
  public final void check(Resource resource, RuleContext context, Findings out) {
    check(Workload.of(resource), context, out);
  }

  protected abstract void check(Workload workload, RuleContext context, Findings out);
}
