package dev.gantry.stacks.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Offline builds on a base tar the test assembles, inspected from the resulting image tar. */
class ContainerImagesTest {
  @TempDir
  Path dir;
  Path baseTar;
  ImageSpec spec;
  List<String> log = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    baseTar = TestTars.baseImageTar(dir);
    Files.createDirectories(dir.resolve("lib"));
    spec = new ImageSpec("engine", TestTars.jar(dir, "gantry-engine.jar", "app v1"),
        List.of(TestTars.jar(dir.resolve("lib"), "picocli-4.7.7.jar", "picocli"),
            TestTars.jar(dir.resolve("lib"), "jackson-core-2.18.2.jar", "jackson")),
        "dev.gantry.engine.server.Main", List.of("--add-modules", "jdk.incubator.vector"), List.of("serve"),
        List.of(8000), Map.of("GANTRY_BACKEND", "auto"),
        Map.of("org.opencontainers.image.version", "0.1.0", "org.opencontainers.image.revision", "abc123"));
  }

  private BuiltImage build(ImageSpec s, String tarName) {
    var options = new ContainerImages.Options(true, dir.resolve("jib-cache"), Map.of(), Duration.ofSeconds(1), log::add);
    return ContainerImages.build(s, new BaseImage.Tar(baseTar),
        new ImageTarget.Tar(dir.resolve(tarName), "registry.example.com/gantry/engine:0.1.0"), options);
  }

  @Test
  void build_offlineOnBaseTar_writesImageWithUserPortsEntrypointLabelsAndSeparateLayers() throws IOException {
    BuiltImage built = build(spec, "engine.tar");

    assertThat(built.digest()).matches("sha256:[0-9a-f]{64}");
    assertThat(built.pushed()).isFalse();
    assertThat(built.pinnedReference()).isEqualTo("registry.example.com/gantry/engine@" + built.digest());
    var image = TestTars.ImageTar.read(dir.resolve("engine.tar"));
    assertThat(image.manifest().get("RepoTags").get(0).asText()).isEqualTo("registry.example.com/gantry/engine:0.1.0");
    // base layer + dependencies + application + cache directories
    assertThat(image.manifest().get("Layers")).hasSize(4);
    JsonNode config = image.config().get("config");
    assertThat(config.get("User").asText()).isEqualTo("65532:65532");
    assertThat(config.get("WorkingDir").asText()).isEqualTo("/app");
    assertThat(config.get("ExposedPorts").has("8000/tcp")).isTrue();
    assertThat(texts(config.get("Entrypoint"))).containsExactly("java", "-XX:MaxRAMPercentage=75",
        "-XX:+ExitOnOutOfMemoryError", "-Djava.io.tmpdir=/var/cache/gantry/tmp", "--add-modules", "jdk.incubator.vector",
        "-cp", "/app/engine.jar:/app/lib/*", "dev.gantry.engine.server.Main");
    assertThat(texts(config.get("Cmd"))).containsExactly("serve");
    assertThat(texts(config.get("Env"))).contains("GANTRY_BACKEND=auto", "HOME=/var/cache/gantry", "LANG=C.UTF-8");
    assertThat(config.get("Labels").get("org.opencontainers.image.revision").asText()).isEqualTo("abc123");
    assertThat(image.config().get("created").asText()).startsWith("1970-01-01T00:00:00");

    assertThat(TestTars.layerEntries(image.layer(1)).keySet())
        .contains("app/lib/jackson-core-2.18.2.jar", "app/lib/picocli-4.7.7.jar")
        .doesNotContain("app/engine.jar");
    assertThat(TestTars.layerEntries(image.layer(2)).keySet()).contains("app/engine.jar");
    TarArchiveEntry cache = TestTars.layerEntries(image.layer(3)).get("var/cache/gantry/javacpp/");
    assertThat(cache).as("writable JavaCPP cache directory").isNotNull();
    assertThat(cache.getLongUserId()).isEqualTo(65532);
    assertThat(cache.getLongGroupId()).isEqualTo(65532);
  }

  @Test
  void build_twiceWithSameInputs_givesSameDigest_andChangedApplicationChangesOnlyItsLayer() throws IOException {
    BuiltImage first = build(spec, "first.tar");
    BuiltImage second = build(spec, "second.tar");
    assertThat(second.digest()).isEqualTo(first.digest());
    assertThat(second.imageId()).isEqualTo(first.imageId());

    ImageSpec changed = new ImageSpec(spec.name(), TestTars.jar(dir, "gantry-engine-v2.jar", "app v2"),
        spec.dependencyJars(), spec.mainClass(), spec.jvmFlags(), spec.programArgs(), spec.ports(),
        spec.environment(), spec.labels());
    BuiltImage third = build(changed, "third.tar");
    assertThat(third.digest()).isNotEqualTo(first.digest());
    var a = TestTars.ImageTar.read(dir.resolve("first.tar")).config().get("rootfs").get("diff_ids");
    var b = TestTars.ImageTar.read(dir.resolve("third.tar")).config().get("rootfs").get("diff_ids");
    assertThat(b.get(1)).as("dependency layer reused").isEqualTo(a.get(1));
    assertThat(b.get(2)).as("application layer rebuilt").isNotEqualTo(a.get(2));
  }

  private ImageSpec withCuda(List<Path> cudaJars) {
    return new ImageSpec(spec.name(), spec.applicationJar(), spec.dependencyJars(), cudaJars, spec.mainClass(),
        spec.jvmFlags(), spec.programArgs(), spec.ports(), spec.environment(), spec.labels());
  }

  // Small stand-ins: the real cuda-redist jar is ~380 MB and tests never download it.
  private List<Path> fakeCudaJars() throws IOException {
    Path cuda = Files.createDirectories(dir.resolve("cuda-natives"));
    return List.of(TestTars.jar(cuda, "cuda-redist-13.1-9.19-1.5.13-linux-x86_64.jar", "libcudart"),
        TestTars.jar(cuda, "cuda-13.1-9.19-1.5.13-linux-x86_64.jar", "jnicudart"));
  }

  @Test
  void build_withCudaJars_putsThemInTheirOwnLayerBetweenDependenciesAndApplication_andOnTheClasspath()
      throws IOException {
    build(withCuda(fakeCudaJars()), "engine-cuda.tar");

    var image = TestTars.ImageTar.read(dir.resolve("engine-cuda.tar"));
    // base + dependencies + cuda + application + cache directories
    assertThat(image.manifest().get("Layers")).hasSize(5);
    assertThat(TestTars.layerEntries(image.layer(1)).keySet()).contains("app/lib/picocli-4.7.7.jar")
        .noneMatch(e -> e.startsWith("app/cuda"));
    assertThat(TestTars.layerEntries(image.layer(2)).keySet()).containsExactly("app/", "app/cuda/",
        "app/cuda/cuda-13.1-9.19-1.5.13-linux-x86_64.jar", "app/cuda/cuda-redist-13.1-9.19-1.5.13-linux-x86_64.jar");
    assertThat(TestTars.layerEntries(image.layer(3)).keySet()).contains("app/engine.jar");
    assertThat(texts(image.config().get("config").get("Entrypoint")))
        .containsSubsequence("-cp", "/app/engine.jar:/app/lib/*:/app/cuda/*", "dev.gantry.engine.server.Main");
  }

  @Test
  void build_withCudaJars_isReproducible_andKeepsTheCudaLayerWhenTheApplicationChanges() throws IOException {
    List<Path> cuda = fakeCudaJars();
    BuiltImage first = build(withCuda(cuda), "first.tar");
    // Same jars in another order: the layer is sorted, the digest does not move.
    BuiltImage second = build(withCuda(List.of(cuda.get(1), cuda.get(0))), "second.tar");
    assertThat(second.digest()).isEqualTo(first.digest());
    assertThat(build(spec, "cpu.tar").digest()).as("a CPU-only image differs").isNotEqualTo(first.digest());

    ImageSpec changed = new ImageSpec(spec.name(), TestTars.jar(dir, "gantry-engine-v2.jar", "app v2"),
        spec.dependencyJars(), cuda, spec.mainClass(), spec.jvmFlags(), spec.programArgs(), spec.ports(),
        spec.environment(), spec.labels());
    build(changed, "third.tar");
    var a = TestTars.ImageTar.read(dir.resolve("first.tar")).config().get("rootfs").get("diff_ids");
    var b = TestTars.ImageTar.read(dir.resolve("third.tar")).config().get("rootfs").get("diff_ids");
    assertThat(b.get(2)).as("cuda layer reused across commits").isEqualTo(a.get(2));
    assertThat(b.get(3)).as("application layer rebuilt").isNotEqualTo(a.get(3));
  }

  @Test
  void spec_withMissingCudaJar_namesTheFileAndNoCuda() {
    assertThatThrownBy(() -> withCuda(List.of(dir.resolve("cuda-redist-missing.jar"))))
        .isInstanceOf(ImageException.class).hasMessageContaining("cuda-redist-missing.jar")
        .hasMessageContaining("--no-cuda");
  }

  @Test
  void build_offlineWithRegistryBase_failsNamingTheFlag() {
    var options = new ContainerImages.Options(true, dir.resolve("jib-cache"), Map.of(), Duration.ofSeconds(1), log::add);
    var base = new BaseImage.Registry("docker.io/library/eclipse-temurin:21-jre@sha256:" + "a".repeat(64));
    assertThatThrownBy(() -> ContainerImages.build(spec, base, new ImageTarget.Tar(dir.resolve("x.tar"), "gantry/engine:1"), options))
        .isInstanceOf(ImageException.class).hasMessageContaining("--base-tar");
  }

  @Test
  void registryBase_withoutDigest_isRejectedWithTheFix() {
    assertThatThrownBy(() -> new BaseImage.Registry("docker.io/library/eclipse-temurin:21-jre"))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("'docker.io/library/eclipse-temurin:21-jre' is not pinned by digest")
        .hasMessageContaining("@sha256:");
  }

  @Test
  void spec_withMissingApplicationJar_namesTheFileAndTheBuildCommand() {
    assertThatThrownBy(() -> new ImageSpec("gateway", dir.resolve("nope.jar"), List.of(), "dev.gantry.gateway.Main",
        List.of(), List.of(), List.of(4000), Map.of(), Map.of()))
        .isInstanceOf(ImageException.class).hasMessageContaining("nope.jar").hasMessageContaining("./mvnw");
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
