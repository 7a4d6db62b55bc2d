package dev.gantry.stacks.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.policies.graph.GraphJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gantry gate} and {@code gantry up} end to end on a copy of the stacks directory:
 * the shipped stack passes, deliberately broken copies fail with the offending findings,
 * bad input exits 2, and {@code up} without a Pulumi CLI says what to install.
 */
class GateCommandTest {
  static final Path STACKS = Path.of("").toAbsolutePath();

  @TempDir
  Path repo;
  Path stacks;
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  @BeforeEach
  void copyStacks() throws IOException {
    stacks = Files.createDirectories(repo.resolve("stacks"));
    for (String dir : new String[] {"models", "attestations"}) {
      Files.createDirectories(stacks.resolve(dir));
      try (Stream<Path> files = Files.list(STACKS.resolve(dir))) {
        for (Path f : files.toList()) {
          Files.copy(f, stacks.resolve(dir).resolve(f.getFileName()));
        }
      }
    }
    for (String f : new String[] {"Pulumi.yaml", "Pulumi.aws-prod.yaml"}) {
      Files.copy(STACKS.resolve(f), stacks.resolve(f));
    }
  }

  int run(String... args) {
    String[] all = Stream.concat(Stream.of("--stacks-dir", stacks.toString()), Stream.of(args)).toArray(String[]::new);
    return GantryCli.run(new PrintWriter(out, true), new PrintWriter(err, true), all);
  }

  @Test
  void gate_shippedStack_isReady_exit0_withReportGroupedByPhase() {
    assertThat(run("gate", "aws-prod")).as(out + "\n" + err).isZero();
    assertThat(out.toString()).contains("Gantry gate: stack aws-prod", "== Pre-deployment ==", "== Deployment ==",
        "== Post-deployment ==", "== Summary ==").endsWith("READY: no blocking finding, every mandatory checklist item met.\n");
  }

  @Test
  void gate_brokenCopy_modelTooBigForGpu_exit1_namingTheNumbers() throws IOException {
    Path file = stacks.resolve("Pulumi.aws-prod.yaml");
    Files.writeString(file, Files.readString(file).replace("maxNumSeqs: 16", "maxNumSeqs: 256"));

    assertThat(run("gate", "aws-prod")).as(err.toString()).isEqualTo(GantryCli.FAILED);
    assertThat(out.toString()).contains("x GNT-LLM-001 [critical, blocking] model llama-3.1-8b-instruct",
        "does not fit pool 'l40s'", "256 seqs", "fix: any of:").contains("NOT READY");
  }

  @Test
  void gate_brokenCopy_probesRemoved_exit1_namingTheDeployment() throws IOException {
    assertThat(run("plan", "aws-prod", "--quiet")).isZero();
    Path plan = repo.resolve("build/gantry/aws-prod/plan.json");
    ObjectNode graph = (ObjectNode) GraphJson.mapper().readTree(Files.readString(plan));
    for (JsonNode r : graph.path("resources")) {
      if (r.path("type").asText().equals("kubernetes:apps/v1:Deployment")) {
        for (JsonNode c : r.path("inputs").path("spec").path("template").path("spec").path("containers")) {
          ((ObjectNode) c).remove(java.util.List.of("readinessProbe", "livenessProbe", "startupProbe"));
        }
      }
    }
    Path broken = Files.writeString(repo.resolve("broken-plan.json"), GraphJson.mapper().writeValueAsString(graph));
    out.getBuffer().setLength(0);

    assertThat(run("gate", "--plan-json", broken.toString())).isEqualTo(GantryCli.FAILED);
    assertThat(out.toString()).contains("x GNT-K8S-001 [high, blocking]", "no readiness and no liveness probe",
        "x GNT-LLM-005", "has no startup probe", "[UNMET ] DEP-02 Health checks passing");
  }

  @Test
  void gate_out_writesAllFourReports_andSarifOnStdout() throws IOException {
    Path dir = repo.resolve("build/gate");
    assertThat(run("gate", "aws-prod", "--format", "sarif", "--out", dir.toString())).isZero();

    JsonNode sarif = GraphJson.mapper().readTree(out.toString());
    assertThat(sarif.path("version").asText()).isEqualTo("2.1.0");
    assertThat(sarif.path("runs").get(0).path("results").get(0).path("locations").get(0).path("physicalLocation")
        .path("artifactLocation").path("uri").asText()).isEqualTo("stacks/Pulumi.aws-prod.yaml");
    assertThat(dir.resolve("gate-report.txt")).exists();
    assertThat(dir.resolve("gate-report.json")).exists();
    assertThat(dir.resolve("gate-report.sarif")).exists();
    assertThat(Files.readString(dir.resolve("gate-report.junit.xml"))).startsWith("<?xml").contains("<testsuites");
  }

  @Test
  void gate_previewJson_withoutStack_usesTheFilesStack() throws IOException {
    Path preview = Files.writeString(repo.resolve("preview.json"), """
        {"steps": [{"op": "create", "urn": "urn:pulumi:staging::gantry::kubernetes:apps/v1:Deployment::web",
          "newState": {"type": "kubernetes:apps/v1:Deployment", "custom": true,
            "inputs": {"metadata": {"name": "web"}, "spec": {"template": {"spec": {"containers": [
              {"name": "web", "image": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}]}}}}}}]}
        """);

    assertThat(run("gate", "--preview-json", preview.toString(), "--format", "json")).as(err.toString())
        .isEqualTo(GantryCli.FAILED);
    JsonNode report = GraphJson.mapper().readTree(out.toString());
    assertThat(report.path("stack").asText()).isEqualTo("staging");
    assertThat(report.path("source").asText()).isEqualTo("preview");
  }

  @Test
  void gate_missingGraphFile_exit2NamingIt() {
    assertThat(run("gate", "--stack-export", repo.resolve("nope.json").toString())).isEqualTo(GantryCli.BAD_INPUT);
    assertThat(err.toString()).contains("nope.json").contains("does not exist");
  }

  @Test
  void gate_unreadableGraphFile_exit2() throws IOException {
    Path bad = Files.writeString(repo.resolve("state.json"), "{not json");
    assertThat(run("gate", "--stack-export", bad.toString())).isEqualTo(GantryCli.BAD_INPUT);
    assertThat(err.toString()).startsWith("gantry gate: ").contains("state.json").contains("not valid JSON");
  }

  @Test
  void gate_unknownStack_exit2() {
    assertThat(run("gate", "aws-dev")).isEqualTo(GantryCli.BAD_INPUT);
    assertThat(err.toString()).contains("aws-dev");
  }

  @Test
  void gate_badStackConfig_exit2() throws IOException {
    Path file = stacks.resolve("Pulumi.aws-prod.yaml");
    Files.writeString(file, Files.readString(file).replace("instanceType: g6e.xlarge", "instanceType: g6e.xlarg"));
    assertThat(run("gate", "aws-prod")).isEqualTo(GantryCli.BAD_INPUT);
    assertThat(err.toString()).contains("g6e.xlarg").contains("did you mean 'g6e.xlarge'");
  }

  @Test
  void gate_noStackAndNoFile_exit2SayingWhatToGive() {
    assertThat(run("gate")).isEqualTo(GantryCli.BAD_INPUT);
    assertThat(err.toString()).contains("give a STACK");
  }

  @Test
  void gate_unknownFormat_exit2ListingFormats() {
    assertThat(run("gate", "aws-prod", "--format", "html")).isEqualTo(GantryCli.BAD_INPUT);
    assertThat(err.toString()).contains("'html'").contains("text, json, sarif, junit");
  }

  @Test
  void gate_expiredWaivers_stopCounting_andReportSaysSo() throws IOException {
    Path file = stacks.resolve("attestations/aws-prod.yaml");
    Files.writeString(file, Files.readString(file).replaceAll("expires: 20\\d\\d-\\d\\d-\\d\\d", "expires: 2020-01-01"));

    assertThat(run("gate", "aws-prod")).isEqualTo(GantryCli.FAILED);
    assertThat(out.toString()).contains("note: waiver of PRE-03 (owner ml-platform) expired on 2020-01-01 and no longer counts");
  }

  @Test
  void up_withoutPulumiCli_gatesThenExits2SayingWhatToInstall() {
    var cli = GantryCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true));
    UpCommand up = (UpCommand) cli.getSubcommands().get("up").getCommandSpec().userObject();
    up.env = name -> switch (name) {
      case "PATH" -> repo.resolve("empty-bin").toString();
      case "HOME" -> repo.toString();
      default -> null;
    };

    int code = cli.execute("--stacks-dir", stacks.toString(), "up", "aws-prod");

    assertThat(code).isEqualTo(GantryCli.BAD_INPUT);
    assertThat(out.toString()).contains("READY: no blocking finding");
    assertThat(err.toString()).contains("no Pulumi CLI was found", "https://www.pulumi.com/docs/install/", "pulumi login",
        "Nothing was deployed");
  }

  @Test
  void up_whenGateBlocks_exit1_beforeLookingForPulumi() throws IOException {
    Path file = stacks.resolve("Pulumi.aws-prod.yaml");
    Files.writeString(file, Files.readString(file).replace("maxNumSeqs: 16", "maxNumSeqs: 256"));
    assertThat(run("up", "aws-prod")).isEqualTo(GantryCli.FAILED);
    assertThat(err.toString()).contains("is not ready; nothing was deployed");
  }

  @Test
  void up_withPulumiCliButNoProgramJar_exit2SayingHowToBuildIt() throws IOException {
    Path bin = Files.createDirectories(repo.resolve("bin"));
    Path fake = Files.writeString(bin.resolve("pulumi"), "#!/bin/sh\nexit 99\n");
    fake.toFile().setExecutable(true);
    var cli = GantryCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true));
    UpCommand up = (UpCommand) cli.getSubcommands().get("up").getCommandSpec().userObject();
    up.env = name -> "PATH".equals(name) ? bin.toString() : null;

    assertThat(cli.execute("--stacks-dir", stacks.toString(), "up", "aws-prod")).isEqualTo(GantryCli.BAD_INPUT);
    assertThat(err.toString()).contains("gantry-stacks.jar", "does not exist", "./mvnw -B -q package -pl stacks -am");
  }

  @Test
  void gate_sarif_anchorsModelFindingsAtTheModelFile() throws IOException {
    Path file = stacks.resolve("Pulumi.aws-prod.yaml");
    Files.writeString(file, Files.readString(file).replace("maxNumSeqs: 16", "maxNumSeqs: 256"));

    assertThat(run("gate", "aws-prod", "--format", "sarif")).isEqualTo(GantryCli.FAILED);
    JsonNode run = GraphJson.mapper().readTree(out.toString()).path("runs").get(0);
    JsonNode fit = null;
    for (JsonNode r : run.path("results")) {
      if (r.path("ruleId").asText().equals("GNT-LLM-001")) {
        fit = r;
      }
    }
    assertThat(fit).isNotNull();
    JsonNode artifact = fit.path("locations").get(0).path("physicalLocation").path("artifactLocation");
    assertThat(artifact.path("uri").asText()).isEqualTo("stacks/models/llama-3.1-8b-instruct.yaml");
    assertThat(run.path("artifacts").get(artifact.path("index").asInt()).path("location").path("uri").asText())
        .isEqualTo("stacks/models/llama-3.1-8b-instruct.yaml");
  }

  @Test
  void gate_stackPolicy_inStackFile_isApplied() throws IOException {
    Path file = stacks.resolve("Pulumi.aws-prod.yaml");
    Files.writeString(file, Files.readString(file).replace("monthlyBudgetUsd: 12000",
        "monthlyBudgetUsd: 5000\n    enforcement: {GNT-COST-001: mandatory}"));

    assertThat(run("gate", "aws-prod")).as(err.toString()).isEqualTo(GantryCli.FAILED);
    assertThat(out.toString()).contains("x GNT-COST-001 [medium, blocking]", "over the budget of $5,000");
  }
}
