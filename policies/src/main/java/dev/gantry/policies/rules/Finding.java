package dev.gantry.policies.rules;

import java.util.Objects;

/**
 * One violation of one rule: which resource (or model/pool), what is wrong, and how to
 * fix it. Enforcement is the effective one for the stack (default or overridden).
 *
 * @param rule        the violated rule
 * @param enforcement effective enforcement in this stack
 * @param resourceUrn the offending resource's URN, or null for a stack-wide finding
 * @param subject     a short readable name of what is wrong: resource name, {@code model llama-8b}, {@code pool gpu-l4}
 * @param message     what is wrong, with the numbers
 * @param fix         what to do about it
 */
public record Finding(
    RuleInfo rule,
    Enforcement enforcement,
    String resourceUrn,
    String subject,
    String message,
    String fix) {
  public Finding {
    Objects.requireNonNull(rule, "rule");
    Objects.requireNonNull(enforcement, "enforcement");
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(message, "message");
    fix = fix == null ? rule.fix() : fix;
  }

  public String ruleId() {
    return rule.id();
  }

  public Severity severity() {
    return rule.severity();
  }

  /** Stable identity across runs, for SARIF fingerprints and waiver matching. */
  public String key() {
    return rule.id() + "|" + (resourceUrn == null ? subject : resourceUrn);
  }
}
