package dev.gantry.stacks.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryPreflightTest {
  @TempDir
  Path dir;

  /** A loopback port nothing listens on: bound once to learn a free number, then closed. */
  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Test
  void check_whenHostDoesNotResolve_failsNamingTheHost() {
    // RFC 6761: .invalid never resolves.
    assertThatThrownBy(() -> RegistryPreflight.check("registry.gantry.invalid/gantry/engine:0.1.0", Duration.ofSeconds(2)))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("'registry.gantry.invalid'")
        .hasMessageMatching("(?s).*(does not resolve|did not resolve).*");
  }

  @Test
  void check_whenNothingListens_failsNamingHostAndPort() throws IOException {
    int port = closedPort();
    assertThatThrownBy(() -> RegistryPreflight.check("127.0.0.1:" + port + "/gantry/engine:0.1.0", Duration.ofSeconds(2)))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("127.0.0.1:" + port + " ")
        .hasMessageContaining("not reachable")
        .hasMessageContaining("--to tar");
  }

  @Test
  void check_whenRegistryListens_passes() throws IOException {
    try (ServerSocket registry = new ServerSocket(0)) {
      RegistryPreflight.check("127.0.0.1:" + registry.getLocalPort() + "/gantry/engine:0.1.0", Duration.ofSeconds(2));
    }
  }

  @Test
  void check_whenReferenceHasNoRegistry_saysToUseAFullReference() {
    assertThatThrownBy(() -> RegistryPreflight.check("gantry/engine:0.1.0", Duration.ofSeconds(1)))
        .isInstanceOf(ImageException.class).hasMessageContaining("names no registry host");
  }

  @Test
  void build_toUnreachableRegistry_failsInThePreflight_notAfterJibRetries() throws IOException {
    int port = closedPort();
    ImageSpec spec = new ImageSpec("gateway", TestTars.jar(dir, "gw.jar", "gw"), List.of(), "dev.gantry.gateway.Main",
        List.of(), List.of(), List.of(4000), Map.of(), Map.of());
    var options = new ContainerImages.Options(false, dir.resolve("cache"), Map.of(), Duration.ofSeconds(2), s -> {});
    long started = System.nanoTime();
    assertThatThrownBy(() -> ContainerImages.build(spec, new BaseImage.Tar(TestTars.baseImageTar(dir)),
        new ImageTarget.Registry("127.0.0.1:" + port + "/gantry/gateway:0.1.0"), options))
        .isInstanceOf(ImageException.class).hasMessageContaining("not reachable");
    // Functional bound, not a performance target: Jib's own retries take about a minute.
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void credentials_withOnlyUsername_failsNamingBothVariables() {
    assertThatThrownBy(() -> RegistryCredentials.image("registry.example.com/gantry/engine:0.1.0",
        Map.of(RegistryCredentials.USERNAME_ENV, "AWS"), e -> {}))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("GANTRY_REGISTRY_USERNAME").hasMessageContaining("GANTRY_REGISTRY_PASSWORD");
  }
}
