package dev.gantry.policies.report;

import dev.gantry.policies.checklist.Phase;
import dev.gantry.policies.gate.GateReport;
import dev.gantry.policies.gate.GateReport.FindingStatus;
import dev.gantry.policies.gate.GateReport.ItemResult;
import dev.gantry.policies.gate.GateReport.ItemStatus;
import dev.gantry.policies.gate.GateReport.ReportedFinding;
import dev.gantry.policies.rules.Finding;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The report people read in a terminal: verdict first, then each checklist phase with its
 * items and, under the first item a rule proves, that rule's findings (resource, message,
 * fix), then a summary table. Plain ASCII so it survives CI logs.
 */
public final class TextReport {
  private TextReport() {}

  public static String render(GateReport r) {
    StringBuilder out = new StringBuilder();
    out.append("Gantry gate: stack ").append(r.stack()).append(" (project ").append(r.project()).append(", ")
        .append(r.source().name().toLowerCase(Locale.ROOT)).append(", ").append(r.resources()).append(" resources, ")
        .append(r.day()).append(")\n");
    out.append(verdict(r)).append("\n");
    Set<String> shown = new HashSet<>();
    for (Phase phase : Phase.values()) {
      List<ItemResult> items = r.items(phase);
      if (items.isEmpty()) {
        continue;
      }
      out.append("\n== ").append(title(phase)).append(" ==\n");
      for (ItemResult item : items) {
        out.append(String.format(Locale.ROOT, "[%-6s] %s %s%s%n", label(item), item.item().id(), item.item().title(),
            item.item().mandatory() ? "" : " (not blocking)"));
        if (item.attestation() != null) {
          out.append("         attested by ").append(item.attestation().by()).append(" on ").append(item.attestation().at())
              .append(": ").append(item.attestation().evidence()).append("\n");
        }
        if (item.waiver() != null) {
          out.append("         waived until ").append(item.waiver().expires()).append(" (owner ").append(item.waiver().owner())
              .append("): ").append(item.waiver().reason()).append("\n");
        }
        for (String reason : item.reasons()) {
          out.append("         - ").append(reason).append("\n");
        }
        for (String ruleId : item.rules()) {
          List<ReportedFinding> fs = r.findingsOf(ruleId);
          if (fs.isEmpty()) {
            continue;
          }
          if (!shown.add(ruleId)) {
            continue; // shown under an earlier item
          }
          for (ReportedFinding f : fs) {
            appendFinding(out, f);
          }
        }
      }
    }
    out.append("\n== Summary ==\n");
    out.append(String.format(Locale.ROOT, "%-16s %5s %5s %6s %5s %9s%n", "phase", "items", "met", "waived", "unmet", "blocking"));
    for (Phase phase : Phase.values()) {
      List<ItemResult> items = r.items(phase);
      out.append(String.format(Locale.ROOT, "%-16s %5d %5d %6d %5d %9d%n", phase.label(), items.size(),
          items.stream().filter(i -> i.status() == ItemStatus.MET).count(),
          items.stream().filter(i -> i.status() == ItemStatus.WAIVED).count(),
          items.stream().filter(i -> i.status() == ItemStatus.UNMET).count(),
          items.stream().filter(ItemResult::blocking).count()));
    }
    out.append(String.format(Locale.ROOT, "findings: %d blocking, %d advisory, %d waived; %d rules ran%n",
        r.count(FindingStatus.BLOCKING), r.count(FindingStatus.ADVISORY), r.count(FindingStatus.WAIVED),
        r.rules().values().stream().filter(e -> e != dev.gantry.policies.rules.Enforcement.DISABLED).count()));
    for (String note : r.notes()) {
      out.append("note: ").append(note).append("\n");
    }
    out.append(verdict(r)).append("\n");
    return out.toString();
  }

  static String verdict(GateReport r) {
    if (r.ready()) {
      return "READY: no blocking finding, every mandatory checklist item met.";
    }
    return String.format(Locale.ROOT, "NOT READY: %d blocking finding(s), %d unmet mandatory checklist item(s) (%s).",
        r.count(FindingStatus.BLOCKING), r.blockingItems().size(),
        String.join(", ", r.blockingItems().stream().map(i -> i.item().id()).toList()));
  }

  private static void appendFinding(StringBuilder out, ReportedFinding rf) {
    Finding f = rf.finding();
    String mark = switch (rf.status()) {
      case BLOCKING -> "x";
      case ADVISORY -> "!";
      case WAIVED -> "~";
    };
    out.append("    ").append(mark).append(" ").append(f.ruleId()).append(" [").append(f.severity().label()).append(", ")
        .append(rf.status().name().toLowerCase(Locale.ROOT)).append("] ").append(f.subject()).append("\n");
    out.append("        ").append(f.message()).append("\n");
    out.append("        fix: ").append(f.fix()).append("\n");
    if (f.resourceUrn() != null) {
      out.append("        resource: ").append(f.resourceUrn()).append("\n");
    }
    if (rf.waiver() != null) {
      out.append("        waived until ").append(rf.waiver().expires()).append(" (owner ").append(rf.waiver().owner())
          .append("): ").append(rf.waiver().reason()).append("\n");
    }
    if (rf.expiredWaiver() != null) {
      out.append("        waiver expired on ").append(rf.expiredWaiver().expires()).append(" (owner ")
          .append(rf.expiredWaiver().owner()).append("): no longer counts\n");
    }
  }

  private static String label(ItemResult i) {
    return switch (i.status()) {
      case MET -> "MET";
      case WAIVED -> "WAIVED";
      case UNMET -> i.item().mandatory() ? "UNMET" : "TODO";
    };
  }

  private static String title(Phase p) {
    String l = p.label();
    return Character.toUpperCase(l.charAt(0)) + l.substring(1);
  }
}
