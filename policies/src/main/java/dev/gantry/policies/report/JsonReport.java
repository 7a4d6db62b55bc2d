package dev.gantry.policies.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.policies.gate.GateReport;
import dev.gantry.policies.gate.GateReport.FindingStatus;
import dev.gantry.policies.gate.GateReport.ItemResult;
import dev.gantry.policies.gate.GateReport.ReportedFinding;
import dev.gantry.policies.graph.GraphJson;
import dev.gantry.policies.rules.Finding;
import java.util.Locale;

/**
 * The report as JSON ({@value #SCHEMA}), for tools: verdict, summary counts, findings with
 * status and waiver, checklist items with proof, notes.
 */
public final class JsonReport {
  public static final String SCHEMA = "gantry.dev/gate-report/v1";

  private JsonReport() {}

  public static ObjectNode tree(GateReport r) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode root = f.objectNode();
    root.put("schema", SCHEMA).put("stack", r.stack()).put("project", r.project())
        .put("source", r.source().name().toLowerCase(Locale.ROOT)).put("day", r.day().toString())
        .put("ready", r.ready()).put("exitCode", r.exitCode()).put("resources", r.resources());
    ObjectNode summary = root.putObject("summary");
    for (FindingStatus s : FindingStatus.values()) {
      summary.put(s.name().toLowerCase(Locale.ROOT), r.count(s));
    }
    summary.put("unmetMandatoryItems", r.blockingItems().size());
    ArrayNode findings = root.putArray("findings");
    for (ReportedFinding rf : r.findings()) {
      Finding x = rf.finding();
      ObjectNode o = findings.addObject().put("rule", x.ruleId()).put("title", x.rule().title())
          .put("severity", x.severity().label()).put("enforcement", x.enforcement().label())
          .put("status", rf.status().name().toLowerCase(Locale.ROOT)).put("subject", x.subject())
          .put("resource", x.resourceUrn()).put("message", x.message()).put("fix", x.fix());
      if (rf.waiver() != null) {
        o.putObject("waiver").put("reason", rf.waiver().reason()).put("owner", rf.waiver().owner())
            .put("expires", rf.waiver().expires().toString());
      }
      if (rf.expiredWaiver() != null) {
        o.putObject("expiredWaiver").put("reason", rf.expiredWaiver().reason()).put("owner", rf.expiredWaiver().owner())
            .put("expires", rf.expiredWaiver().expires().toString());
      }
    }
    ArrayNode items = root.putArray("checklist");
    for (ItemResult i : r.items()) {
      ObjectNode o = items.addObject().put("id", i.item().id()).put("phase", i.phase().label())
          .put("title", i.item().title()).put("mandatory", i.item().mandatory())
          .put("status", i.status().name().toLowerCase(Locale.ROOT)).put("blocking", i.blocking());
      i.rules().forEach(o.putArray("rules")::add);
      if (i.attestation() != null) {
        o.putObject("attestation").put("by", i.attestation().by()).put("at", i.attestation().at().toString())
            .put("evidence", i.attestation().evidence());
      }
      if (i.waiver() != null) {
        o.putObject("waiver").put("reason", i.waiver().reason()).put("owner", i.waiver().owner())
            .put("expires", i.waiver().expires().toString());
      }
      i.reasons().forEach(o.putArray("reasons")::add);
    }
    r.notes().forEach(root.putArray("notes")::add);
    return root;
  }

  public static String render(GateReport r) {
    try {
      return GraphJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(tree(r)) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write gate report as JSON", e);
    }
  }
}
