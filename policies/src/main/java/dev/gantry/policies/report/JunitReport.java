package dev.gantry.policies.report;

import dev.gantry.policies.checklist.Phase;
import dev.gantry.policies.gate.GateReport;
import dev.gantry.policies.gate.GateReport.FindingStatus;
import dev.gantry.policies.gate.GateReport.ItemResult;
import dev.gantry.policies.gate.GateReport.ItemStatus;
import dev.gantry.policies.gate.GateReport.ReportedFinding;
import dev.gantry.policies.rules.Enforcement;
import dev.gantry.policies.rules.RuleInfo;
import java.util.List;
import java.util.Map;

/**
 * The report as JUnit XML, the format every CI system shows as a test tab: one suite with a
 * test case per rule (failure = blocking findings, skipped = disabled, advisory and waived
 * findings in system-out) and one suite per checklist phase with a case per item
 * (failure = unmet mandatory item, skipped = pending non-mandatory item).
 */
public final class JunitReport {
  private JunitReport() {}

  public static String render(GateReport r) {
    StringBuilder suites = new StringBuilder();
    int tests = 0;
    int failures = 0;
    int skipped = 0;

    StringBuilder cases = new StringBuilder();
    int suiteFailures = 0;
    int suiteSkipped = 0;
    for (Map.Entry<RuleInfo, Enforcement> e : r.rules().entrySet()) {
      RuleInfo rule = e.getKey();
      List<ReportedFinding> fs = r.findingsOf(rule.id());
      cases.append("    <testcase classname=\"gantry.gate.").append(attr(r.stack())).append(".rules\" name=\"")
          .append(attr(rule.id() + " " + rule.title())).append("\" time=\"0\">\n");
      List<ReportedFinding> blocking = fs.stream().filter(f -> f.status() == FindingStatus.BLOCKING).toList();
      if (e.getValue() == Enforcement.DISABLED) {
        cases.append("      <skipped message=\"disabled for this stack\"/>\n");
        suiteSkipped++;
      } else if (!blocking.isEmpty()) {
        suiteFailures++;
        cases.append("      <failure type=\"").append(rule.severity().label()).append("\" message=\"")
            .append(attr(blocking.size() + " blocking finding(s): " + blocking.get(0).finding().message())).append("\">");
        for (ReportedFinding f : blocking) {
          cases.append(text(f.finding().subject() + ": " + f.finding().message() + "\n  fix: " + f.finding().fix() + "\n"));
        }
        cases.append("</failure>\n");
      }
      List<ReportedFinding> others = fs.stream().filter(f -> f.status() != FindingStatus.BLOCKING).toList();
      if (!others.isEmpty()) {
        cases.append("      <system-out>");
        for (ReportedFinding f : others) {
          cases.append(text("[" + f.status().name().toLowerCase(java.util.Locale.ROOT) + "] " + f.finding().subject() + ": "
              + f.finding().message() + "\n"));
        }
        cases.append("</system-out>\n");
      }
      cases.append("    </testcase>\n");
    }
    suites.append(suite("gantry-gate." + r.stack() + ".rules", r.rules().size(), suiteFailures, suiteSkipped, cases));
    tests += r.rules().size();
    failures += suiteFailures;
    skipped += suiteSkipped;

    for (Phase phase : Phase.values()) {
      List<ItemResult> items = r.items(phase);
      cases = new StringBuilder();
      suiteFailures = 0;
      suiteSkipped = 0;
      for (ItemResult i : items) {
        cases.append("    <testcase classname=\"gantry.gate.").append(attr(r.stack())).append(".").append(phase.label())
            .append("\" name=\"").append(attr(i.item().id() + " " + i.item().title())).append("\" time=\"0\">\n");
        String why = String.join("; ", i.reasons());
        if (i.blocking()) {
          suiteFailures++;
          cases.append("      <failure type=\"unmet\" message=\"").append(attr(why)).append("\">")
              .append(text(why)).append("</failure>\n");
        } else if (i.status() == ItemStatus.UNMET) {
          suiteSkipped++;
          cases.append("      <skipped message=\"").append(attr("pending (not blocking): " + why)).append("\"/>\n");
        } else if (!why.isEmpty() || i.waiver() != null) {
          cases.append("      <system-out>").append(text((i.waiver() != null ? "waived until " + i.waiver().expires()
              + " (owner " + i.waiver().owner() + "): " + i.waiver().reason() + "\n" : "") + why)).append("</system-out>\n");
        }
        cases.append("    </testcase>\n");
      }
      suites.append(suite("gantry-gate." + r.stack() + "." + phase.label(), items.size(), suiteFailures, suiteSkipped, cases));
      tests += items.size();
      failures += suiteFailures;
      skipped += suiteSkipped;
    }
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"" + attr("gantry gate " + r.stack())
        + "\" tests=\"" + tests + "\" failures=\"" + failures + "\" errors=\"0\" skipped=\"" + skipped + "\">\n"
        + suites + "</testsuites>\n";
  }

  private static String suite(String name, int tests, int failures, int skipped, StringBuilder cases) {
    return "  <testsuite name=\"" + attr(name) + "\" tests=\"" + tests + "\" failures=\"" + failures
        + "\" errors=\"0\" skipped=\"" + skipped + "\" time=\"0\">\n" + cases + "  </testsuite>\n";
  }

  /** Escapes text content; drops characters XML 1.0 cannot carry. */
  static String text(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        default -> {
          if (c >= 0x20 || c == '\n' || c == '\t' || c == '\r') {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }

  static String attr(String s) {
    return text(s).replace("\"", "&quot;").replace("\n", "&#10;");
  }
}
