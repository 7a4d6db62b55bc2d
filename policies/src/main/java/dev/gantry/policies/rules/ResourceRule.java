package dev.gantry.policies.rules;

import dev.gantry.policies.graph.Resource;

/** A rule that judges resources one by one; {@link #appliesTo} picks them. */
public abstract non-sealed class ResourceRule implements Rule {
  private final RuleInfo info;

  protected ResourceRule(RuleInfo info) {
    this.info = info;
  }

  @Override
  public final RuleInfo info() {
    return info;
  }

  /** True when {@link #check} should see this resource. */
  public abstract boolean appliesTo(Resource resource);

  /** Reports violations of this rule by {@code resource} to {@code out}. */
  public abstract void check(Resource resource, RuleContext context, Findings out);
}
