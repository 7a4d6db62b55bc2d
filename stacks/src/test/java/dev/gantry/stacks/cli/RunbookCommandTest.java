package dev.gantry.stacks.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.checklist.Attestations;
import dev.gantry.policies.gate.Gate;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.ResourceGraph;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
  static final Pattern MERMAID = Pattern.compile("```mermaid\n(.*?)```", Pattern.DOTALL);
  static final Pattern ID = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");

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

      String cluster = graph.configValue("gantry:cluster").path("name").asText();
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

      for (Resource db : graph.resources()) {
        if (db.type().equals("aws:rds/instance:Instance")) {
          assertThat(runbook.page("backup-dr.md")).as(stack).contains("`" + db.input("identifier").asText() + "`");
        }
      }

      assertThat(all).as(stack + ": unresolved template syntax").doesNotContain("{{", "{%", "{#");
      Matcher m = MERMAID.matcher(runbook.page("overview.md"));
      int blocks = 0;
      while (m.find()) {
        blocks++;
        assertMermaidWellFormed(stack, m.group(1));
      }
      assertThat(blocks).as(stack + " mermaid blocks").isEqualTo(2);
    }
  }

  /** Header, balanced subgraph/end, and edges only between declared ids. */
  private static void assertMermaidWellFormed(String stack, String block) {
    String[] lines = block.strip().split("\n");
    assertThat(lines[0]).as(stack).matches("flowchart (LR|TB)");
    List<String> declared = new ArrayList<>();
    int depth = 0;
    for (int i = 1; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.equals("end")) {
        depth--;
        assertThat(depth).as(stack + " line " + line).isNotNegative();
      } else if (line.startsWith("subgraph ")) {
        depth++;
        declared.add(line.substring("subgraph ".length(), line.indexOf('[')));
      } else if (line.contains("-->") || line.contains("-.->")) {
        String[] parts = line.replaceAll("\\|\"[^\"]*\"\\|", "").split("\\s+-\\.?->\\s*");
        assertThat(parts).as(stack + ": " + line).hasSize(2);
        assertThat(declared).as(stack + ": edge " + line).contains(parts[0].strip(), parts[1].strip());
      } else {
        String id = line.substring(0, Math.max(0, Math.min(indexOrEnd(line, '['), indexOrEnd(line, '('))));
        assertThat(ID.matcher(id).matches()).as(stack + ": node line " + line).isTrue();
        declared.add(id);
      }
    }
    assertThat(depth).as(stack + " subgraphs balanced").isZero();
  }

  private static int indexOrEnd(String s, char c) {
    int i = s.indexOf(c);
    return i < 0 ? s.length() : i;
  }

  private static List<Resource> ofKind(ResourceGraph graph, String type) {
    return graph.ofType(type);
  }

  @Test
  void runbook_out_writesIndexAndPages_exit0() {
    Path dir = tmp.resolve("rb");
    assertThat(run("runbook", "aws-prod", "--out", dir.toString())).as(err.toString()).isZero();
    assertThat(out.toString()).contains("Runbook of aws-prod written to", "index.md", "9 pages");
    assertThat(dir.resolve("index.md")).content().contains("# Runbook: stack `aws-prod`", "[Alerts](alerts.md)");
    assertThat(dir.resolve("checklist.md")).exists();
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
