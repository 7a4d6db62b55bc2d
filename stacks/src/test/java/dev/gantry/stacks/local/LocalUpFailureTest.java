package dev.gantry.stacks.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code local up}'s failure paths with stand-in launcher scripts in a temporary checkout: the
 * stand-in engine serves /health with python3's http.server, so the real up sequence (build step,
 * detached start, health wait) runs; what fails is the gateway, or the engine's health. Up must
 * then stop what it started and leave no state behind. (The e2e module runs the real services.)
 */
class LocalUpFailureTest {
  @TempDir
  Path root;
  @TempDir
  Path state;
  final StringWriter progress = new StringWriter();

  static final String HEALTHY_ENGINE = """
      #!/usr/bin/env bash
      [ "$1" = "--version" ] && { echo "stand-in engine"; exit 0; }
      prev=""; for a in "$@"; do [ "$prev" = "--port" ] && port="$a"; prev="$a"; done
      echo $$ > "$(dirname "$0")/started.pid"
      dir=$(mktemp -d); touch "$dir/health"
      python3 -m http.server "$port" --bind 127.0.0.1 --directory "$dir" & child=$!
      trap 'kill $child; rm -rf "$dir"; exit 0' TERM
      wait $child
      """;
  static final String SILENT_ENGINE = """
      #!/usr/bin/env bash
      [ "$1" = "--version" ] && exit 0
      echo $$ > "$(dirname "$0")/started.pid"
      echo "loading weights, slowly"
      while :; do sleep 0.1; done
      """;
  static final String BROKEN_GATEWAY = """
      #!/usr/bin/env bash
      [ "$1" = "--help" ] && exit 0
      echo "gantry-gateway: model_list[0].api_base: stand-in failure"
      exit 2
      """;

  @BeforeEach
  void needsPython3() {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 serves the stand-in engine's /health");
  }

  @AfterEach
  void killStandIns() throws IOException {
    Path pid = root.resolve("engine/started.pid");
    if (Files.exists(pid)) {
      ProcessHandle.of(Long.parseLong(Files.readString(pid).trim())).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  void launcher(String path, String script) throws IOException {
    Path file = root.resolve(path);
    Files.createDirectories(file.getParent());
    Files.writeString(file, script);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  LocalStack.UpOptions options(Duration wait) {
    return new LocalStack.UpOptions(state, null, 0, 0, wait);
  }

  @Test
  void up_whenTheGatewayFailsToStart_stopsTheEngineItStarted_andShowsTheGatewayLog() throws Exception {
    launcher("engine/gantry-engine", HEALTHY_ENGINE);
    launcher("gateway/gantry-gateway", BROKEN_GATEWAY);

    assertThatThrownBy(() -> new LocalStack(root).up(options(Duration.ofSeconds(120)),
        new Progress(new PrintWriter(progress, true), false)))
        .isInstanceOf(LocalException.class).matches(e -> !((LocalException) e).badInput())
        .hasMessageContaining("gateway exited while starting; last lines of " + state.resolve("gateway.log"))
        .hasMessageContaining("stand-in failure");

    assertThat(progress.toString()).contains("✓ engine: healthy", "✗ gateway");
    long enginePid = Long.parseLong(Files.readString(root.resolve("engine/started.pid")).trim());
    assertExits(enginePid);
    assertThat(state.resolve(LocalState.FILE)).doesNotExist();
    assertThat(state.resolve("engine.pid")).doesNotExist();
  }

  @Test
  void up_whenTheEngineNeverBecomesHealthy_givesUpAfterTheWaitTimeout_andStopsIt() throws Exception {
    launcher("engine/gantry-engine", SILENT_ENGINE);
    launcher("gateway/gantry-gateway", BROKEN_GATEWAY);

    assertThatThrownBy(() -> new LocalStack(root).up(options(Duration.ofSeconds(2)),
        new Progress(new PrintWriter(progress, true), false)))
        .isInstanceOf(LocalException.class)
        .hasMessageContaining("engine did not become healthy at http://127.0.0.1:")
        .hasMessageContaining("/health within 2 s; see " + state.resolve("engine.log"))
        .hasMessageContaining("longer --wait-timeout")
        .hasMessageContaining("loading weights, slowly");

    assertThat(progress.toString()).contains("✗ engine");
    assertExits(Long.parseLong(Files.readString(root.resolve("engine/started.pid")).trim()));
    assertThat(state.resolve(LocalState.FILE)).doesNotExist();
  }

  static void assertExits(long pid) throws Exception {
    Optional<ProcessHandle> p = ProcessHandle.of(pid);
    if (p.isPresent()) {
      p.get().onExit().get(30, TimeUnit.SECONDS);
    }
    assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as("pid %d", pid).isEmpty();
  }
}
