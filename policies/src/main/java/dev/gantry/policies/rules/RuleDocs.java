package dev.gantry.policies.rules;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Generates {@code docs/rules.md}, the doc page of every rule, from the rules' own
 * metadata, so docs cannot drift from code (a test compares the committed page with this
 * output). Run: {@code java -cp policies/target/classes:... dev.gantry.policies.rules.RuleDocs docs/rules.md}.
 */
public final class RuleDocs {
  private RuleDocs() {}

  public static String render(List<Rule> rules) {
    StringBuilder out = new StringBuilder();
    out.append("# Gantry gate rules\n\n")
        .append("Generated from the rule classes by `dev.gantry.policies.rules.RuleDocs`; do not edit by hand.\n\n")
        .append("Enforcement: **mandatory** findings block the release (exit 1), **advisory** ones are reported only.\n")
        .append("Override per stack in the `policy` section of `stacks/attestations/STACK.yaml`, in the stack config key\n")
        .append("`gantry:policy` of a graph from `pulumi preview --json`, or with `gantry gate --policy FILE` (later wins):\n\n")
        .append("```yaml\npolicy:\n  enforcement:\n    GNT-K8S-014: advisory\n    GNT-COST-001: mandatory\n")
        .append("  monthlyBudgetUsd: 60000\n  modelLoadMiBps: 250\n```\n\n")
        .append("| id | title | severity | default | proves |\n|---|---|---|---|---|\n");
    for (Rule r : rules) {
      RuleInfo i = r.info();
      out.append("| [").append(i.id()).append("](#").append(i.id().toLowerCase(Locale.ROOT)).append(") | ")
          .append(i.title()).append(" | ").append(i.severity().label()).append(" | ").append(i.enforcement().label())
          .append(" | ").append(String.join(", ", i.proves())).append(" |\n");
    }
    Category current = null;
    for (Rule r : rules.stream().sorted(java.util.Comparator.comparing((Rule x) -> x.info().category()).thenComparing(Rule::id)).toList()) {
      RuleInfo i = r.info();
      if (i.category() != current) {
        current = i.category();
        out.append("\n## ").append(current.title()).append("\n");
      }
      out.append("\n### ").append(i.id()).append("\n\n**").append(i.title()).append("**  \n")
          .append("Severity ").append(i.severity().label()).append(", default ").append(i.enforcement().label())
          .append(", ").append(r instanceof StackRule ? "stack rule" : "resource rule").append(", proves ")
          .append(String.join(", ", i.proves())).append(".\n\n")
          .append(i.description()).append("\n\n**Fix.** ").append(i.fix()).append("\n");
    }
    return out.toString();
  }

  public static void main(String[] args) throws IOException {
    Path target = Path.of(args.length > 0 ? args[0] : "docs/rules.md");
    Files.writeString(target, render(Rules.all()));
    System.out.println("wrote " + target);
  }
}
