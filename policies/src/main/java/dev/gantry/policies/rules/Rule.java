package dev.gantry.policies.rules;

/**
 * One production-readiness check. A rule either looks at one resource at a time
 * ({@link ResourceRule}) or at the whole stack ({@link StackRule}, for cross-resource
 * checks such as "every Deployment has a PDB whose selector matches it"). Rules are
 * stateless: the same rule object judges many graphs, possibly concurrently.
 */
public sealed interface Rule permits ResourceRule, StackRule {
  RuleInfo info();

  default String id() {
    return info().id();
  }
}
