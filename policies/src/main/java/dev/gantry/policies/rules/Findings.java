package dev.gantry.policies.rules;

import dev.gantry.policies.graph.Resource;
import java.util.ArrayList;
import java.util.List;

/** Where a rule reports violations; the engine adds the rule and its effective enforcement. */
public final class Findings {
  private final RuleInfo rule;
  private final Enforcement enforcement;
  private final List<Finding> sink;

  Findings(RuleInfo rule, Enforcement enforcement, List<Finding> sink) {
    this.rule = rule;
    this.enforcement = enforcement;
    this.sink = sink;
  }

  /** A sink collecting into a fresh list; for tests and tools. */
  public static Findings collecting(RuleInfo rule, List<Finding> sink) {
    return new Findings(rule, rule.enforcement(), sink);
  }

  /** A violation by {@code resource}, with the rule's generic fix. */
  public void report(Resource resource, String message) {
    report(resource, message, null);
  }

  /** A violation by {@code resource} with a specific fix. */
  public void report(Resource resource, String message, String fix) {
    sink.add(new Finding(rule, enforcement, resource.urn(), resource.name(), message, fix));
  }

  /** A stack-wide violation about {@code subject} (e.g. {@code model llama-8b}). */
  public void reportStack(String subject, String message, String fix) {
    sink.add(new Finding(rule, enforcement, null, subject, message, fix));
  }

  static List<Finding> newList() {
    return new ArrayList<>();
  }
}
