package dev.gantry.policies.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.policies.checklist.Attestations;
import dev.gantry.policies.checklist.Waiver;
import dev.gantry.policies.gate.GateReport.FindingStatus;
import dev.gantry.policies.gate.GateReport.ItemResult;
import dev.gantry.policies.gate.GateReport.ItemStatus;
import dev.gantry.policies.rules.Stacks;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GateTest {
  static final LocalDate DAY = LocalDate.of(2026, 11, 23);

  static Attestations attestations() {
    try {
      return Attestations.load(Path.of(GateTest.class.getResource("/fixtures/attestations-aws-prod.yaml").toURI()), "aws-prod");
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static GateReport gate(Stacks s, Attestations a) {
    return Gate.builder().attestations(a).today(DAY).build().evaluate(s.graph());
  }

  static ItemResult item(GateReport r, String id) {
    return r.items().stream().filter(i -> i.item().id().equals(id)).findFirst().orElseThrow();
  }

  @Test
  void compliantStack_withAttestations_isReady_exit0() {
    GateReport r = gate(Stacks.compliant(), attestations());

    assertThat(r.ready()).isTrue();
    assertThat(r.exitCode()).isZero();
    assertThat(item(r, "PRE-03").attestation().by()).isEqualTo("ana@example.com");
    assertThat(item(r, "POST-01").status()).isEqualTo(ItemStatus.UNMET); // pending, not blocking
    assertThat(item(r, "POST-01").blocking()).isFalse();
  }

  @Test
  void compliantStack_withoutAttestations_isNotReady_namingUnattestedMandatoryItems() {
    GateReport r = gate(Stacks.compliant(), Attestations.none("aws-prod"));

    assertThat(r.ready()).isFalse();
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.blockingItems()).extracting(i -> i.item().id()).containsExactly("PRE-02", "PRE-03", "PRE-10");
    assertThat(item(r, "PRE-03").reasons()).singleElement().asString().contains("needs an attestation");
    assertThat(r.count(FindingStatus.BLOCKING)).isZero();
  }

  @Test
  void mandatoryFinding_blocksRelease_andFailsTheItemsItProves() {
    Stacks s = Stacks.compliant();
    s.model("llama-8b").put("maxNumSeqs", 64);

    GateReport r = gate(s, attestations());

    assertThat(r.ready()).isFalse();
    assertThat(r.findings()).filteredOn(f -> f.status() == FindingStatus.BLOCKING)
        .extracting(f -> f.finding().ruleId()).containsExactly("GNT-LLM-001");
    assertThat(item(r, "PRE-01").status()).isEqualTo(ItemStatus.UNMET);
    assertThat(item(r, "PRE-01").reasons()).contains("GNT-LLM-001: 1 blocking finding(s)");
    assertThat(item(r, "PRE-02").status()).isEqualTo(ItemStatus.UNMET);
  }

  @Test
  void activeWaiver_makesFindingWaived_andReleaseReady() {
    Stacks s = Stacks.compliant();
    s.container("gateway").remove("startupProbe"); // GNT-K8S-003, waived for 'gateway' in the fixture

    GateReport r = gate(s, attestations());

    assertThat(r.findingsOf("GNT-K8S-003")).singleElement().satisfies(f -> {
      assertThat(f.status()).isEqualTo(FindingStatus.WAIVED);
      assertThat(f.waiver().owner()).isEqualTo("platform-team");
    });
    assertThat(r.ready()).isTrue();
  }

  @Test
  void expiredWaiver_stopsCounting_andReportSaysSo() {
    Stacks s = Stacks.compliant();
    s.obj("PodDisruptionBudget", "gateway", "spec").put("minAvailable", 2);
    Attestations base = attestations();
    Attestations a = new Attestations("aws-prod", base.attestations(), List.of(
        new Waiver("GNT-K8S-008", null, null, "drain tests pending", "sre-team", LocalDate.of(2026, 11, 1))));

    GateReport r = gate(s, a);

    assertThat(r.ready()).isFalse();
    assertThat(r.findingsOf("GNT-K8S-008")).singleElement().satisfies(f -> {
      assertThat(f.status()).isEqualTo(FindingStatus.BLOCKING);
      assertThat(f.expiredWaiver().expires()).isEqualTo(LocalDate.of(2026, 11, 1));
    });
    assertThat(r.notes()).singleElement().asString()
        .contains("waiver of GNT-K8S-008", "sre-team", "expired on 2026-11-01", "no longer counts");
  }

  @Test
  void itemWaiver_whileActive_unblocksUnattestedItem() {
    Attestations base = attestations();
    Attestations a = new Attestations("aws-prod",
        base.attestations().stream().filter(x -> !x.item().equals("PRE-03")).toList(),
        List.of(new Waiver(null, "PRE-03", null, "load test env being rebuilt", "ana", DAY.plusDays(7))));

    GateReport r = gate(Stacks.compliant(), a);

    assertThat(item(r, "PRE-03").status()).isEqualTo(ItemStatus.WAIVED);
    assertThat(r.ready()).isTrue();
    assertThat(Gate.builder().attestations(a).today(DAY.plusDays(7)).build().evaluate(Stacks.compliant().graph()).ready()).isFalse();
  }

  @Test
  void stackPolicy_canMakeRuleAdvisory_orDisableIt() {
    Stacks s = Stacks.compliant();
    s.container("gateway").remove("livenessProbe");
    ((ObjectNode) s.graph().config().path("gantry:policy")).putObject("enforcement").put("GNT-K8S-001", "advisory");

    GateReport r = gate(s, attestations());
    assertThat(r.findingsOf("GNT-K8S-001")).singleElement().extracting(GateReport.ReportedFinding::status)
        .isEqualTo(FindingStatus.ADVISORY);
    assertThat(r.ready()).isTrue();

    ((ObjectNode) s.graph().config().path("gantry:policy").path("enforcement")).put("GNT-K8S-001", "disabled");
    GateReport disabled = gate(s, attestations());
    assertThat(disabled.findingsOf("GNT-K8S-001")).isEmpty();
    assertThat(item(disabled, "DEP-02").rules()).doesNotContain("GNT-K8S-001");
  }

  @Test
  void policyFile_winsOverStackConfig(@TempDir Path dir) throws IOException {
    Stacks s = Stacks.compliant();
    s.container("gateway").remove("startupProbe");
    Path file = Files.writeString(dir.resolve("policy.yaml"), "enforcement:\n  GNT-K8S-003: mandatory\n");

    GateReport r = Gate.builder().attestations(Attestations.none("aws-prod")).policyFile(file).today(DAY).build()
        .evaluate(s.graph());

    assertThat(r.findingsOf("GNT-K8S-003")).singleElement().extracting(GateReport.ReportedFinding::status)
        .isEqualTo(FindingStatus.BLOCKING);
  }

  @Test
  void unknownRuleInPolicy_isAnErrorWithSuggestion() {
    Stacks s = Stacks.compliant();
    ((ObjectNode) s.graph().config().path("gantry:policy")).putObject("enforcement").put("GNT-K8S-0001", "advisory");

    assertThatThrownBy(() -> gate(s, attestations()))
        .hasMessageContaining("unknown rule 'GNT-K8S-0001'").hasMessageContaining("did you mean 'GNT-K8S-001'");
  }

  @Test
  void badEnforcementValue_namesKeyAndChoices() {
    Stacks s = Stacks.compliant();
    ((ObjectNode) s.graph().config().path("gantry:policy")).putObject("enforcement").put("GNT-K8S-001", "strict");

    assertThatThrownBy(() -> gate(s, attestations()))
        .hasMessageContaining("gantry:policy").hasMessageContaining("GNT-K8S-001")
        .hasMessageContaining("'strict'").hasMessageContaining("advisory, mandatory, disabled");
  }

  @Test
  void unknownPolicyKey_listsKnownKeys() {
    Stacks s = Stacks.compliant();
    ((ObjectNode) s.graph().config().path("gantry:policy")).put("budget", 5);

    assertThatThrownBy(() -> gate(s, attestations())).hasMessageContaining("unknown policy key 'budget'")
        .hasMessageContaining("monthlyBudgetUsd");
  }

  @Test
  void attestationOfUnknownItem_isAnError() {
    Attestations a = new Attestations("aws-prod",
        List.of(new dev.gantry.policies.checklist.Attestation("PRE-99", "x", DAY, "https://x.example.com")), List.of());
    assertThatThrownBy(() -> gate(Stacks.compliant(), a)).hasMessageContaining("unknown checklist item 'PRE-99'");
  }

  @Test
  void attestationFile_withBadDate_namesFileEntryAndValue(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("aws-prod.yaml"),
        "attestations:\n  - {item: PRE-03, by: a, at: 19/11/2026, evidence: 'https://x.example.com'}\n");
    assertThatThrownBy(() -> Attestations.load(file, "aws-prod"))
        .hasMessageContaining("aws-prod.yaml").hasMessageContaining("attestations[0]").hasMessageContaining("'19/11/2026'");
  }

  @Test
  void attestationFile_withoutEvidenceLink_isRejected(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("aws-prod.yaml"),
        "attestations:\n  - {item: PRE-03, by: a, at: 2026-11-19, evidence: trust me}\n");
    assertThatThrownBy(() -> Attestations.load(file, "aws-prod")).hasMessageContaining("http(s) link");
  }

  @Test
  void waiverWithoutOwner_isRejected(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("aws-prod.yaml"),
        "waivers:\n  - {rule: GNT-K8S-001, reason: later, expires: 2027-01-01}\n");
    assertThatThrownBy(() -> Attestations.load(file, "aws-prod")).hasMessageContaining("waivers[0]").hasMessageContaining("no 'owner'");
  }

  @Test
  void missingAttestationFile_meansNone(@TempDir Path dir) {
    assertThat(Attestations.load(dir.resolve("nope.yaml"), "aws-prod").attestations()).isEmpty();
  }

  @Test
  void builtInChecklists_coverTheProductionChecklist() {
    var lists = dev.gantry.policies.checklist.Checklist.builtIn();
    assertThat(lists).extracting(c -> c.phase().label()).containsExactly("pre-deployment", "deployment", "post-deployment");
    assertThat(lists.stream().flatMap(c -> c.items().stream()).map(i -> i.title()).toList()).contains(
        "Model selection and quantization decided", "GPU resources allocated and tested", "Load testing completed",
        "Security hardening", "TLS certificates", "Authentication", "Rate limiting", "Monitoring and alerting",
        "Backup strategy", "Documentation", "Services deployed", "Health checks passing", "Load balancer",
        "Firewall rules", "Logs collected", "Metrics recorded", "Alerts received", "Performance benchmarks validated",
        "Error rates within SLA", "Utilization acceptable", "Cost within budget", "Team trained", "Runbooks tested",
        "On-call rotation");
  }

  @Test
  void waiverResourceGlob_coversMatchingResourcesOnly() {
    Stacks s = Stacks.compliant();
    s.container("engine-llama-8b").put("image", "docker.io/rclone/rclone:1.68.2");
    s.container("gateway").put("image", "docker.io/library/nginx:1.27");
    Attestations a = new Attestations("aws-prod", attestations().attestations(), List.of(
        new Waiver("GNT-K8S-022", null, "engine-*", "mirror pending", "ml-platform", DAY.plusDays(30))));

    GateReport r = gate(s, a);

    assertThat(r.findingsOf("GNT-K8S-022")).extracting(f -> f.finding().subject() + "=" + f.status())
        .containsExactlyInAnyOrder("engine-llama-8b=WAIVED", "gateway=BLOCKING");
  }

  @Test
  void attestationFilePolicySection_appliesToTheStack(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("aws-prod.yaml"), "policy:\n  monthlyBudgetUsd: 1000\n"
        + "  enforcement: {GNT-COST-001: mandatory}\n");
    Stacks s = Stacks.compliant();
    s.graph().config().remove("gantry:policy");

    GateReport r = gate(s, Attestations.load(file, "aws-prod"));

    assertThat(r.findingsOf("GNT-COST-001")).singleElement().satisfies(f -> {
      assertThat(f.status()).isEqualTo(FindingStatus.BLOCKING);
      assertThat(f.finding().message()).contains("over the budget of $1,000");
    });
  }

  @Test
  void attestationFilePolicySection_withBadKey_namesTheFile(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("aws-prod.yaml"), "policy:\n  budget: 1000\n");
    assertThatThrownBy(() -> gate(Stacks.compliant(), Attestations.load(file, "aws-prod")))
        .hasMessageContaining("stacks/attestations/aws-prod.yaml").hasMessageContaining("unknown policy key 'budget'");
  }
}
