package dev.gantry.policies.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.gate.GateReport;
import dev.gantry.policies.gate.GateTestSupport;
import dev.gantry.policies.graph.GraphJson;
import dev.gantry.policies.rules.Stacks;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class ReportsTest {
  /** A stack with one blocking finding, one waived finding and one advisory finding. */
  static GateReport brokenReport() {
    Stacks s = Stacks.compliant();
    s.model("llama-8b").put("maxNumSeqs", 64);            // GNT-LLM-001 blocking
    s.container("gateway").remove("startupProbe");         // GNT-K8S-003 waived in the fixture
    s.graph().config().remove("gantry:policy");            // GNT-COST-001 advisory (no budget)
    return GateTestSupport.gate(s);
  }

  @Test
  void text_groupsByPhase_showsFindingWithResourceMessageFix_andSummary() {
    String text = TextReport.render(brokenReport());

    assertThat(text).contains("== Pre-deployment ==", "== Deployment ==", "== Post-deployment ==", "== Summary ==");
    assertThat(text).contains("[UNMET ] PRE-01 Model selection and quantization decided");
    assertThat(text).contains("x GNT-LLM-001 [critical, blocking] model llama-8b", "fix: any of: set maxModelLen");
    assertThat(text).contains("~ GNT-K8S-003 [medium, waived] gateway", "resource: urn:pulumi:aws-prod::gantry::kubernetes:apps/v1:Deployment::gateway");
    assertThat(text).contains("findings: 1 blocking, 1 advisory, 1 waived");
    assertThat(text).endsWith("NOT READY: 1 blocking finding(s), 2 unmet mandatory checklist item(s) (PRE-01, PRE-02).\n");
    // A rule proving two items is shown once.
    assertThat(text.split("x GNT-LLM-001", -1)).hasSize(2);
  }

  @Test
  void json_carriesVerdictSummaryFindingsAndChecklist() throws Exception {
    JsonNode json = GraphJson.mapper().readTree(JsonReport.render(brokenReport()));

    assertThat(json.path("schema").asText()).isEqualTo(JsonReport.SCHEMA);
    assertThat(json.path("ready").asBoolean()).isFalse();
    assertThat(json.path("exitCode").asInt()).isEqualTo(1);
    assertThat(json.path("summary").path("blocking").asInt()).isEqualTo(1);
    assertThat(json.path("findings")).anySatisfy(f -> {
      assertThat(f.path("rule").asText()).isEqualTo("GNT-K8S-003");
      assertThat(f.path("waiver").path("owner").asText()).isEqualTo("platform-team");
    });
    assertThat(json.path("checklist")).hasSize(24);
  }

  @Test
  void sarif_hasRequiredFields_andEveryResultPointsAtAKnownRule() throws Exception {
    JsonNode sarif = GraphJson.mapper().readTree(SarifReport.render(brokenReport(), "stacks/Pulumi.aws-prod.yaml"));

    assertThat(sarif.path("version").asText()).isEqualTo("2.1.0");
    assertThat(sarif.path("$schema").asText()).contains("sarif-2.1.0");
    assertThat(sarif.path("runs")).hasSize(1);
    JsonNode run = sarif.path("runs").get(0);
    assertThat(run.path("tool").path("driver").path("name").asText()).isEqualTo("gantry-gate");
    JsonNode rules = run.path("tool").path("driver").path("rules");
    Set<String> ids = new HashSet<>();
    rules.forEach(r -> {
      assertThat(ids.add(r.path("id").asText())).isTrue();
      assertThat(r.path("shortDescription").path("text").asText()).isNotBlank();
      assertThat(r.path("properties").path("security-severity").asText()).matches("\\d+\\.\\d");
    });
    assertThat(run.path("results")).hasSize(3);
    for (JsonNode res : run.path("results")) {
      String ruleId = res.path("ruleId").asText();
      assertThat(ids).contains(ruleId);
      assertThat(rules.get(res.path("ruleIndex").asInt()).path("id").asText()).isEqualTo(ruleId);
      assertThat(res.path("message").path("text").asText()).isNotBlank();
      assertThat(res.path("level").asText()).isIn("none", "note", "warning", "error");
      JsonNode physical = res.path("locations").get(0).path("physicalLocation");
      assertThat(physical.path("artifactLocation").path("uri").asText()).isEqualTo("stacks/Pulumi.aws-prod.yaml");
      assertThat(physical.path("region").path("startLine").asInt()).isPositive();
      assertThat(res.path("partialFingerprints").path("gantryFindingKey/v1").asText()).hasSize(64);
    }
    JsonNode waived = findResult(run, "GNT-K8S-003");
    assertThat(waived.path("suppressions").get(0).path("kind").asText()).isEqualTo("external");
    assertThat(findResult(run, "GNT-LLM-001").path("level").asText()).isEqualTo("error");
    assertThat(findResult(run, "GNT-COST-001").path("level").asText()).isEqualTo("warning");
  }

  private static JsonNode findResult(JsonNode run, String ruleId) {
    for (JsonNode r : run.path("results")) {
      if (r.path("ruleId").asText().equals(ruleId)) {
        return r;
      }
    }
    throw new AssertionError("no result for " + ruleId);
  }

  @Test
  void junit_isWellFormed_countsMatchTestcases_andBlockingRuleFails() throws Exception {
    String xml = JunitReport.render(brokenReport());
    Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));

    Element root = doc.getDocumentElement();
    assertThat(root.getTagName()).isEqualTo("testsuites");
    NodeList suites = root.getElementsByTagName("testsuite");
    assertThat(suites.getLength()).isEqualTo(4);
    int totalTests = 0;
    int totalFailures = 0;
    for (int i = 0; i < suites.getLength(); i++) {
      Element suite = (Element) suites.item(i);
      int cases = suite.getElementsByTagName("testcase").getLength();
      int failures = suite.getElementsByTagName("failure").getLength();
      assertThat(Integer.parseInt(suite.getAttribute("tests"))).isEqualTo(cases);
      assertThat(Integer.parseInt(suite.getAttribute("failures"))).isEqualTo(failures);
      totalTests += cases;
      totalFailures += failures;
    }
    assertThat(Integer.parseInt(root.getAttribute("tests"))).isEqualTo(totalTests);
    assertThat(Integer.parseInt(root.getAttribute("failures"))).isEqualTo(totalFailures).isEqualTo(3); // rule + PRE-01 + PRE-02
    NodeList failures = doc.getElementsByTagName("failure");
    assertThat(((Element) failures.item(0).getParentNode()).getAttribute("name")).startsWith("GNT-LLM-001");
  }

  @Test
  void junit_escapesMarkupInMessages() {
    assertThat(JunitReport.attr("a<b & \"c\"\n")).isEqualTo("a&lt;b &amp; &quot;c&quot;&#10;");
  }
}
