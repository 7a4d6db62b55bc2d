package dev.gantry.stacks.images;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.stacks.cli.GantryCli;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gantry images build} on a small checkout: prebuilt module jars, a base tar, no network. */
class ImagesCommandTest {
  @TempDir
  Path root;
  Path stacks;
  StringWriter out = new StringWriter();
  StringWriter err = new StringWriter();

  @BeforeEach
  void checkout() throws IOException {
    stacks = Files.createDirectories(root.resolve("stacks"));
    Files.writeString(stacks.resolve("Pulumi.yaml"), "name: gantry\nruntime: java\n");
    Files.writeString(stacks.resolve("images.yaml"), """
        version: 0.2.0
        source: https://example.com/gantry
        engine:
          base: docker.io/library/eclipse-temurin:21-jre-noble
        gateway:
          base: docker.io/library/eclipse-temurin:21-jre-noble
        """);
    for (String module : GantryImages.NAMES) {
      Path target = Files.createDirectories(root.resolve(module).resolve("target/dependency"));
      TestTars.jar(target.getParent(), "gantry-" + module + "-0.1.0-SNAPSHOT.jar", module);
      TestTars.jar(target.getParent(), "gantry-" + module + "-0.1.0-SNAPSHOT-tests.jar", "tests");
      TestTars.jar(target, "shared-1.0.jar", "shared");
    }
  }

  // Small stand-ins for the CUDA jars at the names dependency:copy gives them (tests never download the real ones).
  private void fakeCudaJars() throws IOException {
    for (Path jar : GantryImages.cudaJars(root)) {
      Files.createDirectories(jar.getParent());
      TestTars.jar(jar.getParent(), jar.getFileName().toString(), "fake " + jar.getFileName());
    }
  }

  private int gantry(String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--stacks-dir";
    all[1] = stacks.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return GantryCli.run(new PrintWriter(out, true), new PrintWriter(err, true), all);
  }

  @Test
  void build_withBaseTar_writesBothImageTarsOffline_andPrintsDigests() throws IOException {
    fakeCudaJars();
    Path base = TestTars.baseImageTar(root);
    int code = gantry("images", "build", "--base-tar", base.toString(), "--out", root.resolve("out").toString());

    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString()).contains("gantry/engine:0.2.0", "gantry/gateway:0.2.0").containsPattern("sha256:[0-9a-f]{64}");
    var gateway = TestTars.ImageTar.read(root.resolve("out/gateway.tar"));
    var config = gateway.config().get("config");
    assertThat(config.get("ExposedPorts").has("4000/tcp")).isTrue();
    assertThat(config.get("Entrypoint").toString()).contains("dev.gantry.gateway.Main", "/app/gateway.jar:/app/lib/*")
        .doesNotContain("jdk.incubator.vector");
    assertThat(config.get("Labels").get("org.opencontainers.image.version").asText()).isEqualTo("0.2.0");
    var engine = TestTars.ImageTar.read(root.resolve("out/engine.tar")).config().get("config");
    assertThat(engine.get("Entrypoint").toString()).contains("jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Dorg.bytedeco.javacpp.cachedir=/var/cache/gantry/javacpp");
    assertThat(TestTars.layerEntries(gateway.layer(2)).keySet()).containsExactly("app/", "app/gateway.jar");
    assertThat(Files.exists(stacks.resolve(ImageLock.FILE_NAME))).as("tar builds do not lock digests").isFalse();
    var engineImage = TestTars.ImageTar.read(root.resolve("out/engine.tar"));
    assertThat(TestTars.layerEntries(engineImage.layer(2)).keySet()).containsExactly("app/", "app/cuda/",
        "app/cuda/cuda-13.1-9.19-1.5.13-linux-x86_64.jar", "app/cuda/cuda-redist-13.1-9.19-1.5.13-linux-x86_64.jar",
        "app/cuda/javacpp-1.5.13-linux-x86_64.jar");
    assertThat(engine.get("Entrypoint").toString()).contains("/app/engine.jar:/app/lib/*:/app/cuda/*");
  }

  @Test
  void build_noCuda_givesEngineWithoutCudaLayerOrClasspathEntry_withoutNeedingTheJars() throws IOException {
    Path base = TestTars.baseImageTar(root);
    int code = gantry("images", "build", "--only", "engine", "--no-cuda", "--base-tar", base.toString(),
        "--out", root.resolve("out").toString());

    assertThat(code).as(err.toString()).isZero();
    var engine = TestTars.ImageTar.read(root.resolve("out/engine.tar"));
    // base + dependencies + application + cache directories
    assertThat(engine.manifest().get("Layers")).hasSize(4);
    for (int i = 1; i < 4; i++) {
      assertThat(TestTars.layerEntries(engine.layer(i)).keySet()).noneMatch(e -> e.startsWith("app/cuda"));
    }
    assertThat(engine.config().get("config").get("Entrypoint").toString()).contains("/app/engine.jar:/app/lib/*\"")
        .doesNotContain("/app/cuda");
  }

  @Test
  void build_engineWithMissingCudaJars_exits1NamingTheArtifactsAndTheFixes() throws IOException {
    Path base = TestTars.baseImageTar(root);
    // The checkout has no mvnw: nothing can be resolved (and nothing is downloaded).
    int code = gantry("images", "build", "--only", "engine", "--base-tar", base.toString(),
        "--out", root.resolve("out").toString());

    assertThat(code).isEqualTo(1);
    assertThat(err.toString()).contains("org.bytedeco:cuda-redist:13.1-9.19-1.5.13:jar:linux-x86_64",
        "org.bytedeco:cuda:13.1-9.19-1.5.13:jar:linux-x86_64", "--no-cuda",
        "./mvnw -N dependency:copy -Dartifact=org.bytedeco:cuda-redist", "engine/target/cuda-natives");
    assertThat(Files.exists(root.resolve("out/engine.tar"))).isFalse();
  }

  @Test
  void build_gatewayOnly_needsNoCudaJars() throws IOException {
    Path base = TestTars.baseImageTar(root);
    int code = gantry("images", "build", "--only", "gateway", "--base-tar", base.toString(),
        "--out", root.resolve("out").toString());
    assertThat(code).as(err.toString()).isZero();
  }

  @Test
  void build_withUnpinnedProductionBase_exits2AndSaysHowToPin() {
    int code = gantry("images", "build", "--only", "gateway");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("not pinned by digest", "@sha256:", "images.yaml");
  }

  @Test
  void build_toRegistryWithoutPush_exits2NamingTheFlag() {
    assertThat(gantry("images", "build", "--to", "registry")).isEqualTo(2);
    assertThat(err.toString()).contains("--push REGISTRY");
  }

  @Test
  void build_withUnknownImage_exits2ListingImages() {
    assertThat(gantry("images", "build", "--only", "router")).isEqualTo(2);
    assertThat(err.toString()).contains("'router'", "[engine, gateway]");
  }

  @Test
  void build_pushToUnreachableRegistry_exits1FromThePreflight() throws IOException {
    Path base = TestTars.baseImageTar(root);
    int code = gantry("images", "build", "--only", "gateway", "--base-tar", base.toString(),
        "--push", "registry.gantry.invalid/gantry", "--preflight-timeout-ms", "2000");
    assertThat(code).isEqualTo(1);
    assertThat(err.toString()).contains("'registry.gantry.invalid'");
    assertThat(Files.exists(stacks.resolve(ImageLock.FILE_NAME))).isFalse();
  }
}
