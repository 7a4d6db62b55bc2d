package dev.gantry.policies.rules;

import dev.gantry.policies.graph.Resource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Runs rules over a graph: resource rules over every resource they apply to, stack rules
 * once. Disabled rules do not run. A rule that throws is a bug in the rule, so the error
 * names the rule and the resource instead of being reported as a finding.
 */
public final class RuleEngine {
  private final List<Rule> rules;

  public RuleEngine(List<Rule> rules) {
    Set<String> ids = new HashSet<>();
    for (Rule r : rules) {
      if (!ids.add(r.id())) {
        throw new IllegalArgumentException("Duplicate rule id " + r.id());
      }
    }
    this.rules = List.copyOf(rules);
  }

  public List<Rule> rules() {
    return rules;
  }

  /** All findings, sorted by rule id, then subject, then message. */
  public List<Finding> run(RuleContext context) {
    List<Finding> findings = new ArrayList<>();
    for (Rule rule : rules) {
      Enforcement enforcement = context.policy().enforcementOf(rule.info());
      if (enforcement == Enforcement.DISABLED) {
        continue;
      }
      Findings out = new Findings(rule.info(), enforcement, findings);
      switch (rule) {
        case ResourceRule r -> {
          for (Resource resource : context.graph().resources()) {
            if (r.appliesTo(resource)) {
              try {
                r.check(resource, context, out);
              } catch (RuntimeException e) {
                throw new IllegalStateException("Rule " + r.id() + " failed on " + resource.urn() + ": " + e, e);
              }
            }
          }
        }
        case StackRule s -> {
          try {
            s.check(context, out);
          } catch (RuntimeException e) {
            throw new IllegalStateException("Rule " + s.id() + " failed on stack " + context.graph().stack() + ": " + e, e);
          }
        }
      }
    }
    findings.sort(Comparator.comparing(Finding::ruleId).thenComparing(Finding::subject).thenComparing(Finding::message));
    return findings;
  }
}
