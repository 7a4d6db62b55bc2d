package dev.gantry.stacks.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI side of gantry local: exit codes and messages for bad input and for nothing running. */
class LocalCommandTest {
  static final Path STACKS = Path.of("").toAbsolutePath();

  @TempDir
  Path state;
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  int run(String... args) {
    String[] all = Stream.concat(Stream.of("--stacks-dir", STACKS.toString()), Stream.of(args)).toArray(String[]::new);
    return GantryCli.run(new PrintWriter(out, true), new PrintWriter(err, true), all);
  }

  @Test
  void up_withAMissingModel_exits2NamingTheValueAndTheFix() {
    Path missing = state.resolve("nope");
    assertThat(run("local", "up", "--state-dir", state.toString(), "--model", missing.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("gantry: --model '" + missing + "' does not exist", "leave --model out");
  }

  @Test
  void up_withTheSamePortTwice_exits2() {
    assertThat(run("local", "up", "--state-dir", state.toString(), "--port-engine", "4100", "--port-gateway", "4100"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("--port-engine and --port-gateway are both 4100");
  }

  @Test
  void status_whenNothingRuns_exits1AndSaysHowToStart() {
    assertThat(run("local", "status", "--state-dir", state.toString())).isEqualTo(1);
    assertThat(out.toString()).contains("not running", "gantry local up --state-dir " + state);
  }

  @Test
  void down_whenNothingRuns_exits0() {
    assertThat(run("local", "down", "--state-dir", state.toString())).isZero();
    assertThat(out.toString()).contains("nothing to stop");
  }

  @Test
  void down_withAZeroTimeout_exits2() {
    assertThat(run("local", "down", "--state-dir", state.toString(), "--timeout", "0")).isEqualTo(2);
    assertThat(err.toString()).contains("--timeout must be at least 1 second, got 0");
  }

  @Test
  void help_listsUpDownAndStatus() {
    assertThat(run("local", "--help")).isZero();
    assertThat(out.toString()).contains("up", "down", "status");
  }
}
