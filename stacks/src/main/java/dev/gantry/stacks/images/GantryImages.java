package dev.gantry.stacks.images;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The two images of a checkout: where their jars are ({@code MODULE/target/gantry-MODULE-*.jar}
 * and {@code MODULE/target/dependency/*.jar}), how to build them with Maven when missing or
 * stale, and their {@link ImageSpec}s (main class, ports, JVM flags, labels). The engine's
 * CUDA jars ({@link #CUDA_ARTIFACTS}) are not engine dependencies (the build and the tests
 * never need them): image builds copy them into {@code engine/target/cuda-natives} with
 * {@code dependency:copy}, offline first, and {@code --no-cuda} leaves them out.
 */
public final class GantryImages {
  public static final List<String> NAMES = List.of("engine", "gateway");
  public static final int ENGINE_PORT = 8000;
  public static final int GATEWAY_PORT = 4000;
  /** Engine flags: the Vector API kernels, JavaCPP (CUDA backend) native access and its cache. */
  public static final List<String> ENGINE_JVM_FLAGS = List.of("--add-modules", "jdk.incubator.vector",
      "--enable-native-access=ALL-UNNAMED", "-Dorg.bytedeco.javacpp.cachedir=" + ContainerImages.CACHE_DIR + "/javacpp");
  public static final String GATEWAY_MAIN_CLASS = "dev.gantry.gateway.Main";
  /** Where the gateway image expects its config.yaml (mounted from a ConfigMap or a file). */
  public static final String GATEWAY_CONFIG_FILE = "/etc/gantry/config.yaml";
  /** The gateway image's program arguments (Docker CMD). */
  public static final List<String> GATEWAY_ARGS =
      List.of("--config", GATEWAY_CONFIG_FILE, "--data-dir", ContainerImages.CACHE_DIR + "/data");

  /**
   * The CUDA layer of the engine image, as Maven coordinates: the JNI wrappers of the engine's
   * {@code org.bytedeco:cuda} classes, the CUDA runtime libraries they link against (cudart,
   * cuBLAS, NVRTC...; about 380 MB), and JavaCPP's own JNI library that loads both (a test-only
   * dependency of the engine). The driver comes from the GPU node. Versions follow engine/pom.xml.
   */
  public static final List<String> CUDA_ARTIFACTS = List.of(
      "org.bytedeco:cuda:13.1-9.19-1.5.13:jar:linux-x86_64",
      "org.bytedeco:cuda-redist:13.1-9.19-1.5.13:jar:linux-x86_64",
      "org.bytedeco:javacpp:1.5.13:jar:linux-x86_64");
  /** Where image builds keep the CUDA jars, relative to the checkout. */
  public static final String CUDA_DIR = "engine/target/cuda-natives";

  private GantryImages() {}

  /** The file name {@code dependency:copy} gives an artifact {@code group:artifact:version:jar:classifier}. */
  static String cudaFileName(String coordinates) {
    String[] p = coordinates.split(":");
    return p[1] + "-" + p[2] + "-" + p[4] + ".jar";
  }

  /** The CUDA jars of the engine image under {@code root} (they may not exist yet). */
  public static List<Path> cudaJars(Path root) {
    return CUDA_ARTIFACTS.stream().map(c -> root.resolve(CUDA_DIR).resolve(cudaFileName(c))).toList();
  }

  private static List<String> missingCuda(Path root) {
    return CUDA_ARTIFACTS.stream().filter(c -> !Files.isRegularFile(root.resolve(CUDA_DIR).resolve(cudaFileName(c))))
        .toList();
  }

  /**
   * Copies the missing CUDA jars into {@link #CUDA_DIR} with the checkout's Maven wrapper,
   * offline first (a machine that built an image before has them in ~/.m2), then online.
   *
   * @throws ImageException naming each artifact still missing and the two fixes
   */
  public static void ensureCuda(Path root, Consumer<String> log) {
    List<String> missing = missingCuda(root);
    if (missing.isEmpty()) {
      return;
    }
    Path mvnw = root.resolve("mvnw");
    if (Files.isExecutable(mvnw)) {
      for (String artifact : missing) {
        log.accept("resolving " + artifact + " into " + CUDA_DIR + " (cuda-redist is about 380 MB) ...");
        List<String> command = new ArrayList<>(List.of(mvnw.toString(), "-B", "-q", "-ntp", "-N", "dependency:copy",
            "-Dartifact=" + artifact, "-DoutputDirectory=" + root.resolve(CUDA_DIR).toAbsolutePath()));
        if (run(root, withOffline(command), log) != 0) {
          run(root, command, log);
        }
      }
      missing = missingCuda(root);
    }
    if (!missing.isEmpty()) {
      throw new ImageException("The engine image's CUDA jars are missing and could not be resolved: "
          + String.join(", ", missing) + " (expected in " + root.resolve(CUDA_DIR) + "). Build a CPU-only engine "
          + "image with 'gantry images build --no-cuda', or fetch them with "
          + String.join(" && ", missing.stream().map(a -> "./mvnw -N dependency:copy -Dartifact=" + a
              + " -DoutputDirectory=" + CUDA_DIR).toList())
          + " (Maven log: " + root.resolve("stacks/target/images-build.log") + ")", false);
    }
  }

  /**
   * The spec of image {@code name} ({@code engine} or {@code gateway}) from the built jars under
   * {@code root}; {@code cuda} gives the engine its CUDA layer ({@link #cudaJars}, which must exist).
   */
  public static ImageSpec spec(String name, Path root, ImagesConfig config, String base, String revision,
      boolean cuda) {
    Path target = root.resolve(name).resolve("target");
    Path jar = applicationJar(name, target);
    List<Path> deps = dependencyJars(target.resolve("dependency"));
    Map<String, String> labels = Map.of(
        "org.opencontainers.image.title", "gantry-" + name,
        "org.opencontainers.image.source", config.source(),
        "org.opencontainers.image.revision", revision,
        "org.opencontainers.image.version", config.version(),
        "org.opencontainers.image.base.name", base);
    return switch (name) {
      case "engine" -> new ImageSpec(name, jar, deps, cuda ? cudaJars(root) : List.of(), "dev.gantry.engine.server.Main",
          ENGINE_JVM_FLAGS,
          List.of(), List.of(ENGINE_PORT), Map.of(), labels);
      case "gateway" -> new ImageSpec(name, jar, deps, GATEWAY_MAIN_CLASS, List.of(), GATEWAY_ARGS,
          List.of(GATEWAY_PORT), Map.of(), labels);
      default -> throw ImageException.badInput("Unknown image '" + name + "'; images are " + NAMES);
    };
  }

  /** The module's jar: {@code gantry-NAME-VERSION.jar}, not the tests or sources jar. */
  static Path applicationJar(String name, Path target) {
    try (Stream<Path> files = Files.list(target)) {
      return files.filter(p -> {
        String f = p.getFileName().toString();
        return f.startsWith("gantry-" + name + "-") && f.endsWith(".jar") && !f.endsWith("-tests.jar")
            && !f.endsWith("-sources.jar");
      }).sorted().findFirst().orElseThrow(() -> missing(name, target));
    } catch (IOException e) {
      throw missing(name, target);
    }
  }

  private static List<Path> dependencyJars(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ImageException missing(String name, Path target) {
    return ImageException.badInput("No gantry-" + name + " jar in '" + target + "'; build it with "
        + "'./mvnw -pl engine,gateway package -Dmaven.test.skip=true dependency:copy-dependencies -DincludeScope=runtime'");
  }

  /** True when a module's jar or its dependency folder is missing or older than its sources. */
  static boolean stale(Path root, String name) {
    Path module = root.resolve(name);
    Path target = module.resolve("target");
    Path jar;
    try {
      jar = applicationJar(name, target);
    } catch (ImageException e) {
      return true;
    }
    if (!Files.isDirectory(target.resolve("dependency"))) {
      return true;
    }
    try (Stream<Path> sources = Stream.concat(Stream.of(module.resolve("pom.xml")),
        Files.isDirectory(module.resolve("src/main")) ? Files.walk(module.resolve("src/main")) : Stream.empty())) {
      long built = Files.getLastModifiedTime(jar).toMillis();
      return sources.filter(Files::exists).anyMatch(p -> {
        try {
          return Files.getLastModifiedTime(p).toMillis() > built;
        } catch (IOException e) {
          return true;
        }
      });
    } catch (IOException e) {
      return true;
    }
  }

  /**
   * Builds the modules' jars and copies their runtime dependencies with the checkout's Maven
   * wrapper when {@link #stale}: offline first (the usual case), then online.
   */
  public static void ensureBuilt(Path root, List<String> names, Consumer<String> log) {
    List<String> stale = names.stream().filter(n -> stale(root, n)).toList();
    if (stale.isEmpty()) {
      return;
    }
    Path mvnw = root.resolve("mvnw");
    if (!Files.isExecutable(mvnw)) {
      throw missing(stale.get(0), root.resolve(stale.get(0)).resolve("target"));
    }
    log.accept("building " + String.join(", ", stale) + " (./mvnw package, dependencies copied) ...");
    List<String> command = new ArrayList<>(List.of(mvnw.toString(), "-B", "-q", "-ntp", "-pl", String.join(",", stale),
        "package", "-Dmaven.test.skip=true", "dependency:copy-dependencies", "-DincludeScope=runtime"));
    if (run(root, withOffline(command), log) != 0 && run(root, command, log) != 0) {
      throw new ImageException("Building " + stale + " with Maven failed; see " + root.resolve("stacks/target/images-build.log"),
          false);
    }
  }

  private static List<String> withOffline(List<String> command) {
    List<String> offline = new ArrayList<>(command);
    offline.add(1, "-o");
    return offline;
  }

  private static int run(Path root, List<String> command, Consumer<String> log) {
    try {
      Path logFile = root.resolve("stacks/target/images-build.log");
      Files.createDirectories(logFile.getParent());
      Process p = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
          .redirectOutput(logFile.toFile()).start();
      if (!p.waitFor(20, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        return -1;
      }
      return p.exitValue();
    } catch (IOException e) {
      log.accept("cannot run Maven: " + e.getMessage());
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** {@code git rev-parse HEAD} of the checkout, "unknown" outside git. */
  public static String revision(Path root) {
    try {
      Process p = new ProcessBuilder("git", "-C", root.toString(), "rev-parse", "HEAD").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      return p.waitFor() == 0 && out.matches("[0-9a-f]{40}") ? out : "unknown";
    } catch (IOException e) {
      return "unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }
}
