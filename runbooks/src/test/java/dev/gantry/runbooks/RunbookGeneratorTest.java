package dev.gantry.runbooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gantry.policies.checklist.Attestations;
import dev.gantry.policies.gate.Gate;
import dev.gantry.policies.gate.GateReport;
import dev.gantry.policies.graph.PulumiJson;
import dev.gantry.policies.graph.ResourceGraph;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.LocalDate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The runbook of the aws-prod plan (a fixture written by {@code gantry plan aws-prod}) carries its real names. */
class RunbookGeneratorTest {
  static ResourceGraph graph;
  static GateReport report;
  static Runbook runbook;

  @BeforeAll
  static void generate() throws URISyntaxException {
    graph = PulumiJson.read(Path.of(RunbookGeneratorTest.class.getResource("/fixtures/aws-prod-plan.json").toURI()));
    report = Gate.builder().today(LocalDate.of(2026, 11, 23))
        .attestations(Attestations.load(Path.of("../stacks/attestations/aws-prod.yaml"), "aws-prod")).build().evaluate(graph);
    runbook = RunbookGenerator.builder().build().generate(graph, report);
    runbook.writeTo(Path.of("target/generated-runbooks/aws-prod")); // for reading, not asserted
  }

  @Test
  void generate_writesEveryPage_indexFirst() {
    assertThat(runbook.pages().keySet()).containsExactly("index.md", "overview.md", "deploy.md", "rollback.md", "alerts.md",
        "troubleshooting.md", "scaling.md", "backup-dr.md", "checklist.md");
  }

  @Test
  void pages_haveNoUnresolvedTemplateSyntax() {
    // "}}" alone is legitimate (JSON in a kubectl patch); an opening "{{", "{%" or "{#" is not
    runbook.pages().forEach((file, md) -> assertThat(md).as(file).doesNotContain("{{", "{%", "%}", "{#"));
  }

  @Test
  void overview_namesRealClusterPoolsModelsAndCost() {
    String md = runbook.page("overview.md");
    assertThat(md).contains("EKS `gantry-prod`", "`g6e.xlarge`", "L40S 48.0 GiB", "`llama-3.1-8b-instruct`",
        "`gantry-engine-llama-3-1-8b-instruct`", "RDS for PostgreSQL `gantry-aws-prod-gateway`", "s3://gantry-prod-models-us-east-1");
    // 2 × g6e.xlarge ($1.861/h) + 2 × g6.xlarge ($0.805/h), 730 h: 2 × 1.861 × 730 + 2 × 0.805 × 730 = 3,892
    assertThat(md).contains("**3,892**");
  }

  @Test
  void alerts_oneSectionPerPrometheusRuleAlert_withRealPromqlNamespaceAndOnCall() {
    String md = runbook.page("alerts.md");
    for (String alert : java.util.List.of("GantryEngineP99LatencyHigh", "GantryEngineKvCacheSaturated",
        "GantryEngineUnavailable", "GantryGatewayUnavailable")) {
      assertThat(md).contains("## " + alert + "\n");
    }
    assertThat(md.split("\n## ", -1)).hasSize(1 + 10);
    assertThat(md).contains("sum by (model) (vllm:num_requests_waiting{namespace=\"gantry-serving\"}) > 20",
        "kubectl -n gantry-serving get pods -l app.kubernetes.io/component=engine,gantry.dev/model=qwen2.5-1.5b-instruct",
        "PagerDuty service `llm-serving`", "#llm-oncall", "<model>");
  }

  @Test
  void alerts_gatewayAlert_getsGatewayMitigations_notGpuOnes() {
    String md = runbook.page("alerts.md");
    String gateway = md.substring(md.indexOf("## GantryGatewayUnavailable"));
    assertThat(gateway).contains("Readiness fails on the database", "`gantry-aws-prod-gateway`", "m6i.xlarge")
        .doesNotContain("Pending for GPUs");
    String engine = md.substring(md.indexOf("## GantryEngineUnavailable"), md.indexOf("## GantryEngineMetricsDown"));
    assertThat(engine).contains("Pending for GPUs").doesNotContain("Readiness fails on the database");
  }

  @Test
  void scaling_listsLargerGpusThatFit_withTheGateNumbers() {
    String md = runbook.page("scaling.md");
    assertThat(md).contains("`gantry-engine-llama-3-1-8b-instruct` | `gantry-engine-llama-3-1-8b-instruct` | 2–4",
        "| `g6e.xlarge` (now) |", "`p4de.24xlarge`");
  }

  @Test
  void backup_namesDatabaseAndBucketIdentifiers() {
    String md = runbook.page("backup-dr.md");
    assertThat(md).contains("--source-db-instance-identifier gantry-aws-prod-gateway", "kept 14 days",
        "aws s3api list-object-versions --bucket gantry-prod-models-us-east-1 --prefix llama-3.1-8b-instruct/",
        "Pool `l4` (g6.xlarge) runs on spot capacity");
  }

  @Test
  void checklist_showsEveryItemWithItsState() {
    String md = runbook.page("checklist.md");
    report.items().forEach(i -> assertThat(md).contains("| " + i.item().id() + " |"));
    assertThat(md).containsAnyOf("| proved |", "| attested |");
  }

  @Test
  void mermaidBlocks_areWellFormed_andFollowTheRequestPath() {
    var blocks = MermaidLint.blocks(runbook.page("overview.md"));
    assertThat(blocks).hasSize(2);
    for (String b : blocks) {
      assertThat(MermaidLint.check(b).problems()).as(b).isEmpty();
    }
    MermaidLint.Result path = MermaidLint.check(blocks.get(0));
    assertThat(path.edges()).extracting(e -> e[0] + "->" + e[1]).contains("clients->ing_gantry_gateway",
        "ing_gantry_gateway->dep_gantry_gateway", "dep_gantry_gateway->dep_gantry_engine_llama_3_1_8b_instruct",
        "dep_gantry_engine_qwen2_5_1_5b_instruct->pool_l4", "dep_gantry_gateway->database");
    MermaidLint.Result components = MermaidLint.check(blocks.get(1));
    assertThat(components.ids()).contains("cmp_cluster", "cmp_serving", "cmp_gateway_db");
    assertThat(components.subgraphs()).isPositive();
  }

  @Test
  void checklist_namesWaiverExpiryAndMissingItems() {
    String md = runbook.page("checklist.md");
    report.items().stream().filter(i -> i.waiver() != null)
        .forEach(i -> assertThat(md).contains("| waived until " + i.waiver().expires() + " |"));
    report.items().stream().filter(i -> i.status() == GateReport.ItemStatus.UNMET)
        .forEach(i -> assertThat(md).contains("| " + i.item().id() + " | " + i.item().title() + " |"));
    assertThat(report.items()).anyMatch(i -> i.waiver() != null);
    assertThat(md).contains("| **missing** |");
  }

  @Test
  void alertKind_followsTheMetricInThePromql() {
    assertThat(StackReader.kind("sum(rate(vllm:num_preemptions_total[5m])) > 1")).isEqualTo("preemption");
    assertThat(StackReader.kind("kube_deployment_status_replicas_available{deployment=\"x\"} == 0")).isEqualTo("unavailable");
    assertThat(StackReader.kind("up{job=\"x\"} == 0")).isEqualTo("scrape");
    assertThat(StackReader.kind("rate(http_requests_total[5m]) > 3")).isEqualTo("other");
  }

  @Test
  void prometheusPlaceholders_becomeReadableNames() {
    assertThat(StackReader.readable("KV cache of {{ $labels.pod }} is {{ $value | humanizePercentage }} full"))
        .isEqualTo("KV cache of <pod> is <value> full");
  }

  @Test
  void generate_whenGraphHasNoServingSpec_saysHowToMakeOne() {
    ResourceGraph bare = new ResourceGraph(null, graph.project(), graph.stack(), graph.source(), graph.config(), null,
        graph.resources(), graph.invokes());
    assertThatThrownBy(() -> RunbookGenerator.builder().build().generate(bare, report))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("servingSpec").hasMessageContaining("gantry plan aws-prod");
  }

  @Test
  void page_unknownName_listsThePages() {
    assertThatThrownBy(() -> runbook.page("alert.md")).hasMessageContaining("'alert.md'").hasMessageContaining("alerts.md");
  }

  @Test
  void generate_whenReportIsOfAnotherStack_saysSo() {
    GateReport other = new GateReport("gcp-prod", report.project(), report.source(), report.day(), true, report.findings(),
        report.items(), report.rules(), report.notes(), report.resources());
    assertThatThrownBy(() -> RunbookGenerator.builder().build().generate(graph, other))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'gcp-prod'").hasMessageContaining("'aws-prod'");
  }
}
