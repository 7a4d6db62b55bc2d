package dev.gantry.policies.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.policies.gate.GateReport;
import dev.gantry.policies.gate.GateReport.FindingStatus;
import dev.gantry.policies.gate.GateReport.ReportedFinding;
import dev.gantry.policies.graph.GraphJson;
import dev.gantry.policies.rules.Enforcement;
import dev.gantry.policies.rules.Finding;
import dev.gantry.policies.rules.RuleInfo;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * The report as SARIF 2.1.0, for GitHub code scanning ({@code github/codeql-action/upload-sarif}).
 * Each finding is a result located in the stack file (the plan has no source lines; the URN
 * goes into a logical location), with a stable {@code partialFingerprints} entry so alerts
 * track across runs; waived findings carry an external suppression; advisory findings
 * have level {@code note} or {@code warning} by severity, blocking ones {@code error}.
 */
public final class SarifReport {
  public static final String SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";
  public static final String VERSION = "2.1.0";
  public static final String TOOL = "gantry-gate";
  public static final String INFORMATION_URI = "https://github.com/gantry-dev/gantry/blob/main/docs/rules.md";

  private SarifReport() {}

  /** {@code artifactUri}: repository-relative path of the stack file every finding is anchored to. */
  public static ObjectNode tree(GateReport r, String artifactUri) {
    return tree(r, f -> artifactUri);
  }

  /**
   * {@code locate} gives each finding the repository-relative file it is anchored to (the
   * stack file, or a model file for findings about one model), so code scanning shows the
   * alert where the fix goes.
   */
  public static ObjectNode tree(GateReport r, java.util.function.Function<Finding, String> locate) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode root = f.objectNode().put("$schema", SCHEMA).put("version", VERSION);
    ObjectNode run = root.putArray("runs").addObject();
    ObjectNode driver = run.putObject("tool").putObject("driver").put("name", TOOL)
        .put("informationUri", INFORMATION_URI).put("semanticVersion", "0.1.0");
    ArrayNode rules = driver.putArray("rules");
    List<String> ruleIds = new ArrayList<>();
    for (var e : r.rules().entrySet()) {
      RuleInfo info = e.getKey();
      ruleIds.add(info.id());
      ObjectNode rule = rules.addObject().put("id", info.id()).put("name", camel(info.title()));
      rule.putObject("shortDescription").put("text", info.title());
      rule.putObject("fullDescription").put("text", info.description());
      rule.put("helpUri", INFORMATION_URI + "#" + info.id().toLowerCase(Locale.ROOT));
      rule.putObject("help").put("text", "Fix: " + info.fix()).put("markdown", "**Fix:** " + info.fix());
      rule.putObject("defaultConfiguration").put("level", e.getValue() == Enforcement.DISABLED ? "none"
          : e.getValue() == Enforcement.MANDATORY ? "error" : info.severity().sarifLevel().equals("error") ? "warning"
          : info.severity().sarifLevel());
      ObjectNode props = rule.putObject("properties");
      props.putArray("tags").add("gantry").add(info.category().name().toLowerCase(Locale.ROOT)).add("production-readiness");
      props.put("security-severity", String.format(Locale.ROOT, "%.1f", info.severity().securitySeverity()));
      props.put("precision", "high").put("enforcement", e.getValue().label());
      info.proves().forEach(props.withArray("checklistItems")::add);
    }
    run.putObject("automationDetails").put("id", "gantry-gate/" + r.stack() + "/");
    run.putArray("invocations").addObject().put("executionSuccessful", true);
    ArrayNode artifacts = run.putArray("artifacts");
    List<String> uris = new ArrayList<>();
    ArrayNode results = run.putArray("results");
    for (ReportedFinding rf : r.findings()) {
      Finding x = rf.finding();
      ObjectNode res = results.addObject().put("ruleId", x.ruleId()).put("ruleIndex", ruleIds.indexOf(x.ruleId()))
          .put("level", level(rf)).put("kind", "fail");
      res.putObject("message").put("text", x.subject() + ": " + x.message() + " Fix: " + x.fix());
      ObjectNode loc = res.putArray("locations").addObject();
      ObjectNode physical = loc.putObject("physicalLocation");
      String uri = locate.apply(x);
      if (!uris.contains(uri)) {
        uris.add(uri);
        artifacts.addObject().putObject("location").put("uri", uri);
      }
      physical.putObject("artifactLocation").put("uri", uri).put("index", uris.indexOf(uri));
      physical.putObject("region").put("startLine", 1);
      ObjectNode logical = loc.putArray("logicalLocations").addObject().put("name", x.subject());
      if (x.resourceUrn() != null) {
        logical.put("fullyQualifiedName", x.resourceUrn()).put("kind", "resource");
      }
      res.putObject("partialFingerprints").put("gantryFindingKey/v1", sha256(r.stack() + "|" + x.key()));
      ObjectNode props = res.putObject("properties").put("status", rf.status().name().toLowerCase(Locale.ROOT))
          .put("enforcement", x.enforcement().label()).put("severity", x.severity().label());
      if (rf.expiredWaiver() != null) {
        props.put("expiredWaiver", rf.expiredWaiver().expires().toString());
      }
      if (rf.status() == FindingStatus.WAIVED) {
        res.putArray("suppressions").addObject().put("kind", "external").put("status", "accepted")
            .put("justification", rf.waiver().reason() + " (owner " + rf.waiver().owner() + ", expires "
                + rf.waiver().expires() + ")");
      }
    }
    return root;
  }

  public static String render(GateReport r, String artifactUri) {
    return render(r, f -> artifactUri);
  }

  public static String render(GateReport r, java.util.function.Function<Finding, String> locate) {
    try {
      return GraphJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(tree(r, locate)) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write SARIF", e);
    }
  }

  private static String level(ReportedFinding rf) {
    return switch (rf.status()) {
      case BLOCKING -> "error";
      case WAIVED -> "note";
      case ADVISORY -> rf.finding().severity().sarifLevel().equals("error") ? "warning" : rf.finding().severity().sarifLevel();
    };
  }

  /** "Containers have readiness probes" becomes "ContainersHaveReadinessProbes". */
  static String camel(String title) {
    StringBuilder out = new StringBuilder();
    for (String word : title.split("[^A-Za-z0-9]+")) {
      if (!word.isEmpty()) {
        out.append(Character.toUpperCase(word.charAt(0))).append(word.substring(1));
      }
    }
    return out.toString();
  }

  static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
