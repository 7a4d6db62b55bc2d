package dev.gantry.stacks.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.checklist.Attestations;
import dev.gantry.policies.gate.Gate;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.ResourceGraph;
import dev.gantry.runbooks.MermaidLint;
import dev.gantry.runbooks.Runbook;
import dev.gantry.runbooks.RunbookGenerator;
import dev.gantry.stacks.config.StackCatalog;
import dev.gantry.stacks.plan.Planner;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gantry runbook}: the runbook of every shipped stack is generated from its real plan
 * and names what that plan deploys (cluster, namespace, every alert of its PrometheusRules,
 * database id), with no template syntax left over and well-formed Mermaid blocks. Expected
 * values are read from the stack file and the plan's raw resources, not from the generator.
 */
class RunbookCommandTest {
  static final Path STACKS = Path.of("").toAbsolutePath();

  @TempDir
  Path tmp;
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  int run(String... args) {
    String[] all = Stream.concat(Stream.of("--stacks-dir", STACKS.toString()), Stream.of(args)).toArray(String[]::new);
    return GantryCli.run(new PrintWriter(out, true), new PrintWriter(err, true), all);
  }

  @Test
  void runbook_everyShippedStack_namesItsRealClusterNamespaceAlertsAndDatabase() throws IOException {
    StackCatalog catalog = StackCatalog.at(STACKS);
    assertThat(catalog.stackNames()).isNotEmpty();
    for (String stack : catalog.stackNames()) {
      ResourceGraph graph = new Planner(catalog).plan(stack).graph();
      Runbook runbook = RunbookGenerator.builder().build().generate(graph, Gate.builder()
          .attestations(Attestations.load(STACKS.resolve("attestations/" + stack + ".yaml"), stack)).build().evaluate(graph));
      String all = String.join("\n", runbook.pages().values());

      // A stack on an existing cluster names it by its kubeconfig context (the clusterName output).
      String cluster = graph.configValue("gantry:cluster").path("name").asText(graph.outputs().path("clusterName").asText());
      assertThat(cluster).as(stack + " cluster name in the stack file").isNotBlank();
      assertThat(runbook.page("overview.md")).as(stack).contains("`" + cluster + "`");
      assertThat(runbook.page("deploy.md")).as(stack).contains(cluster);

      String namespace = ofKind(graph, "kubernetes:apps/v1:Deployment").get(0).input("metadata.namespace").asText();
      assertThat(runbook.page("alerts.md")).as(stack).contains("kubectl -n " + namespace + " get pods -l ");

      List<String> alerts = new ArrayList<>();
      for (Resource rule : ofKind(graph, "kubernetes:monitoring.coreos.com/v1:PrometheusRule")) {
        for (JsonNode group : rule.input("spec.groups")) {
          for (JsonNode r : group.path("rules")) {
            if (r.has("alert")) {
              alerts.add(r.path("alert").asText());
              assertThat(runbook.page("alerts.md")).as(stack).contains("## " + r.path("alert").asText() + "\n",
                  r.path("expr").asText());
            }
          }
        }
      }
      assertThat(alerts).as(stack + " alerts").isNotEmpty();

      List<String> databases = new ArrayList<>();
      for (Resource db : graph.resources()) {
        String id = switch (db.type()) {
          case "aws:rds/instance:Instance" -> db.input("identifier").asText();
          case "gcp:sql/databaseInstance:DatabaseInstance" -> db.input("name").asText();
          case "azure-native:dbforpostgresql:FlexibleServer", "azure-native:dbforpostgresql:Server" -> db.input("serverName").asText();
          case "kubernetes:postgresql.cnpg.io/v1:Cluster" -> db.input("metadata.name").asText();
          default -> null;
        };
        if (id != null) {
          databases.add(id);
          assertThat(runbook.page("backup-dr.md")).as(stack).contains("instance `" + id + "`");
          assertThat(runbook.page("overview.md")).as(stack).contains("`" + id + "`");
        }
      }
      assertThat(databases).as(stack + " database in the plan").hasSize(1);

      assertThat(all).as(stack + ": unresolved template syntax").doesNotContain("{{", "{%", "{#");
      List<String> blocks = MermaidLint.blocks(runbook.page("overview.md"));
      assertThat(blocks).as(stack + " mermaid blocks").hasSize(2);
      for (String block : blocks) {
        MermaidLint.Result lint = MermaidLint.check(block);
        assertThat(lint.problems()).as(stack + "\n" + block).isEmpty();
        assertThat(lint.edges()).as(stack + " edges").isNotEmpty();
      }
      // the request path reaches every engine Deployment of the plan from the clients
      MermaidLint.Result path = MermaidLint.check(blocks.get(0));
      for (Resource d : ofKind(graph, "kubernetes:apps/v1:Deployment")) {
        String id = "dep_" + d.input("metadata.name").asText().replaceAll("[^A-Za-z0-9_]", "_");
        assertThat(path.edges()).as(stack + ": an edge into " + id).anyMatch(e -> e[1].equals(id));
      }
    }
  }

  private static List<Resource> ofKind(ResourceGraph graph, String type) {
    return graph.ofType(type);
  }

  @Test
  void runbook_withoutOut_writesUnderBuildGantryStackRunbooks_exit0() throws IOException {
    Path stacks = Files.createDirectories(tmp.resolve("repo/stacks"));
    try (Stream<Path> files = Files.walk(STACKS, 2)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Path rel = STACKS.relativize(f);
        if (rel.startsWith("models") || rel.startsWith("attestations") || rel.getNameCount() == 1 && rel.toString().endsWith(".yaml")) {
          Files.createDirectories(stacks.resolve(rel).getParent());
          Files.copy(f, stacks.resolve(rel));
        }
      }
    }
    String[] args = {"--stacks-dir", stacks.toString(), "runbook", "aws-prod"};
    assertThat(GantryCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args)).as(err.toString()).isZero();
    Path dir = tmp.resolve("repo/build/gantry/aws-prod/runbooks");
    assertThat(out.toString()).contains("Runbook of aws-prod written to " + dir.resolve("index.md"), "9 pages");
    assertThat(dir.resolve("index.md")).content().contains("# Runbook: stack `aws-prod`", "[Alerts](alerts.md)");
    assertThat(dir.resolve("checklist.md")).exists();
  }

  @Test
  void runbook_planJson_usesTheFilesStack_withoutPlanning() {
    Path plan = STACKS.resolveSibling("runbooks/src/test/resources/fixtures/aws-prod-plan.json");
    Path dir = tmp.resolve("from-file");
    assertThat(run("runbook", "--plan-json", plan.toString(), "--out", dir.toString())).as(err.toString()).isZero();
    assertThat(dir.resolve("alerts.md")).content().contains("## GantryEngineQueueDepthHigh");
  }

  @Test
  void runbook_planJsonOfAnotherStack_exit2NamingBoth() {
    Path plan = STACKS.resolveSibling("runbooks/src/test/resources/fixtures/aws-prod-plan.json");
    assertThat(run("runbook", "gcp-prod", "--plan-json", plan.toString(), "--out", tmp.toString()))
        .isEqualTo(GantryCli.BAD_INPUT);
    assertThat(err.toString()).contains("'aws-prod'", "'gcp-prod'");
  }

  @Test
  void runbook_noStackNoFile_exit2SayingWhatToGive() {
    assertThat(run("runbook")).isEqualTo(GantryCli.BAD_INPUT);
    assertThat(err.toString()).contains("give a STACK");
  }

  @Test
  void runbook_unknownStack_exit2NamingIt() {
    assertThat(run("runbook", "aws-nope", "--out", tmp.toString())).isEqualTo(GantryCli.BAD_INPUT);
    assertThat(err.toString()).startsWith("gantry runbook: ").contains("aws-nope");
  }

  @Test
  void runbook_missingAttestationFile_exit2NamingIt() {
    assertThat(run("runbook", "aws-prod", "--attestations", tmp.resolve("none.yaml").toString(), "--out", tmp.toString()))
        .isEqualTo(GantryCli.BAD_INPUT);
    assertThat(err.toString()).contains("none.yaml", "does not exist");
  }

  @Test
  void runbook_outIsAFile_exit2NamingIt() throws IOException {
    Path file = Files.writeString(tmp.resolve("taken"), "x");
    assertThat(run("runbook", "aws-prod", "--out", file.toString())).isEqualTo(GantryCli.BAD_INPUT);
    assertThat(err.toString()).contains("taken");
  }
}
