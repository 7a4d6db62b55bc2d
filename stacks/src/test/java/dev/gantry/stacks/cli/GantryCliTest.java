package dev.gantry.stacks.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI end to end, on a copy of the stacks directory so plans land in a temporary repository. */
class GantryCliTest {
  static final Path STACKS = Path.of("").toAbsolutePath();

  @TempDir
  Path repo;
  Path stacks;
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  @BeforeEach
  void copyStacks() throws IOException {
    stacks = Files.createDirectories(repo.resolve("stacks"));
    Files.createDirectories(stacks.resolve("models"));
    for (String f : new String[] {"Pulumi.yaml", "Pulumi.aws-prod.yaml"}) {
      Files.copy(STACKS.resolve(f), stacks.resolve(f));
    }
    try (Stream<Path> models = Files.list(STACKS.resolve("models"))) {
      for (Path m : models.toList()) {
        Files.copy(m, stacks.resolve("models").resolve(m.getFileName()));
      }
    }
  }

  int run(String... args) {
    String[] all = Stream.concat(Stream.of("--stacks-dir", stacks.toString()), Stream.of(args)).toArray(String[]::new);
    return GantryCli.run(new PrintWriter(out, true), new PrintWriter(err, true), all);
  }

  @Test
  void help_listsTheSubcommands() {
    assertThat(GantryCli.run(new PrintWriter(out, true), new PrintWriter(err, true), "--help")).isZero();
    assertThat(out.toString()).contains("Usage: gantry", "plan", "stacks");
  }

  @Test
  void noSubcommand_printsUsage() {
    assertThat(run()).isZero();
    assertThat(out.toString()).contains("Usage: gantry");
  }

  @Test
  void stacks_drawsATableWithCloudRegionPoolsAndModels() {
    assertThat(run("stacks")).isZero();
    assertThat(out.toString()).startsWith("┌").contains("│ STACK", "│ aws-prod │ aws", "us-east-1",
        "l40s: 2..4 x g6e.xlarge (1x L40S)", "llama-3.1-8b-instruct@l40s", "qwen2.5-1.5b-instruct@l4");
  }

  @Test
  void plan_unknownStack_exits2NamingTheStacksThatExist() {
    assertThat(run("plan", "aws-dev")).isEqualTo(GantryCli.BAD_INPUT);
    assertThat(err.toString()).startsWith("gantry: Unknown stack 'aws-dev'").contains("aws-prod");
  }

  @Test
  void plan_badStackFile_exits2WithTheMessage() throws IOException {
    Path file = stacks.resolve("Pulumi.aws-prod.yaml");
    Files.writeString(file, Files.readString(file).replace("instanceType: g6e.xlarge", "instanceType: g6e.xlarg"));
    assertThat(run("plan", "aws-prod")).isEqualTo(GantryCli.BAD_INPUT);
    assertThat(err.toString()).isEqualTo("gantry: gantry:cluster.gpuPools[0].instanceType: 'g6e.xlarg' is not a known "
        + "instance type; did you mean 'g6e.xlarge'?\n");
    assertThat(repo.resolve("build")).doesNotExist();
  }

  @Test
  void plan_malformedYaml_exits2NamingTheFile() throws IOException {
    Files.writeString(stacks.resolve("Pulumi.broken.yaml"), "config:\n  gantry:cloud: [aws\n");
    assertThat(run("plan", "broken")).isEqualTo(GantryCli.BAD_INPUT);
    assertThat(err.toString()).contains("Pulumi.broken.yaml: not valid YAML");
  }

  @Test
  void stacks_withABrokenStack_marksItAndExits2() throws IOException {
    Files.writeString(stacks.resolve("Pulumi.broken.yaml"), "config:\n  gantry:cloud: oracle\n");
    assertThat(run("stacks")).isEqualTo(GantryCli.BAD_INPUT);
    assertThat(out.toString()).contains("│ broken", "invalid: gantry:cloud: 'oracle' is not allowed");
  }

  @Test
  void main_inItsOwnJvm_flushesTheTableAndExitsWithTheCode() throws Exception {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), GantryCli.class.getName(),
        "--stacks-dir", stacks.toString(), "stacks").redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor()).isZero();
    assertThat(output).contains("│ aws-prod │").endsWith("┘\n");
  }

  @Test
  void plan_printsTreeAndSummaryAndWritesJson() {
    assertThat(run("plan", "aws-prod")).isZero();
    assertThat(out.toString()).contains("aws-prod (project gantry)", "└─ ", " resources (aws ",
        "Plan written to build/gantry/aws-prod/plan.json");
    assertThat(repo.resolve("build/gantry/aws-prod/plan.json")).isRegularFile();
  }
}
