package dev.gantry.policies.rules;

/** A rule that judges the stack as a whole (cross-resource checks, serving facts). */
public abstract non-sealed class StackRule implements Rule {
  private final RuleInfo info;

  protected StackRule(RuleInfo info) {
    this.info = info;
  }

  @Override
  public final RuleInfo info() {
    return info;
  }

  /** Reports violations of this rule in the stack to {@code out}. */
  public abstract void check(RuleContext context, Findings out);
}
