package dev.gantry.stacks.images;

import com.google.cloud.tools.jib.api.CacheDirectoryCreationException;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import com.google.cloud.tools.jib.api.buildplan.Port;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * Builds our images with jib-core: no Docker daemon, reproducible (Jib fixes file times
 * and the creation time to the epoch and sorts layer entries, so the same inputs give the
 * same digest).
 *
 * <pre>
 * layer 1..n  base image (a JRE; for the engine one with the CUDA runtime, see DECISIONS.md)
 * layer n+1   "dependencies"  /app/lib/*.jar           changes when a dependency changes
 * layer n+2   "cuda"          /app/cuda/*.jar          engine only, unless --no-cuda: JNI natives +
 *                                                      CUDA runtime libraries; changes with the CUDA version
 * layer n+2   "application"   /app/NAME.jar            changes every commit
 * layer n+3   "cache"         /var/cache/gantry/{tmp,javacpp,data}  owned by 65532, writable
 * </pre>
 *
 * The container runs as user {@value #USER} in {@code /app}, with JVM flags sized for
 * containers ({@link #CONTAINER_JVM_FLAGS}).
 */
public final class ContainerImages {
  /** Non-root uid:gid (the "nonroot" user of distroless images). */
  public static final String USER = "65532:65532";
  public static final String APP_DIR = "/app";
  public static final String CACHE_DIR = "/var/cache/gantry";
  /** The CUDA layer's jars (engine images built with CUDA). */
  public static final String CUDA_DIR = APP_DIR + "/cuda";
  /** Owned by {@link #USER}: temp files, the JavaCPP native-library cache, the gateway's H2 data and spool. */
  public static final List<String> WRITABLE_DIRS =
      List.of(CACHE_DIR, CACHE_DIR + "/tmp", CACHE_DIR + "/javacpp", CACHE_DIR + "/data");
  /**
   * JVM flags every image gets: heap as a share of the container's memory limit (not the
   * node's), exit on OOM so Kubernetes restarts the pod, temp files under the writable cache.
   */
  public static final List<String> CONTAINER_JVM_FLAGS = List.of(
      "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-Djava.io.tmpdir=" + CACHE_DIR + "/tmp");

  /**
   * @param offline          never contact a registry (base must be a tar; target must be a tar)
   * @param cacheDir         Jib's base and application layer caches
   * @param env              environment for credentials ({@link RegistryCredentials}) and helpers
   * @param preflightTimeout DNS and TCP timeout of the registry pre-flight
   * @param log              progress lines
   */
  public record Options(boolean offline, Path cacheDir, Map<String, String> env, Duration preflightTimeout,
      Consumer<String> log) {
    public Options {
      env = Map.copyOf(env);
    }
  }

  private ContainerImages() {}

  /** Builds {@code spec} on {@code base} into {@code target}. */
  public static BuiltImage build(ImageSpec spec, BaseImage base, ImageTarget target, Options options) {
    if (options.offline() && target instanceof ImageTarget.Registry) {
      throw ImageException.badInput("Cannot push " + target.reference() + " in offline mode; use --to tar");
    }
    if (options.offline() && base instanceof BaseImage.Registry r) {
      throw ImageException.badInput("Offline builds need a base image tar, not '" + r.reference()
          + "'; pass --base-tar FILE (a 'docker save' tar)");
    }
    // Fail in milliseconds on an unreachable registry instead of after Jib's minute of retries.
    if (target instanceof ImageTarget.Registry) {
      RegistryPreflight.check(target.reference(), options.preflightTimeout());
    }
    if (base instanceof BaseImage.Registry r && ImageRefs.registry(r.reference()) != null) {
      RegistryPreflight.check(r.reference(), options.preflightTimeout());
    }
    Consumer<LogEvent> jibLog = e -> {
      if (e.getMessage().isBlank()) {
        return;
      }
      if (e.getLevel() == LogEvent.Level.ERROR || e.getLevel() == LogEvent.Level.WARN
          || e.getLevel() == LogEvent.Level.LIFECYCLE) {
        options.log().accept("  " + spec.name() + ": " + e.getMessage());
      }
    };
    try {
      JibContainerBuilder builder = switch (base) {
        case BaseImage.Tar t -> Jib.from(TarImage.at(t.file()));
        case BaseImage.Registry r -> Jib.from(RegistryCredentials.image(r.reference(), options.env(), jibLog));
      };
      configure(builder, spec, options.cacheDir());
      Containerizer containerizer = switch (target) {
        case ImageTarget.Tar t -> {
          Files.createDirectories(t.file().toAbsolutePath().getParent());
          yield Containerizer.to(TarImage.at(t.file()).named(t.reference()));
        }
        case ImageTarget.Registry r -> Containerizer.to(RegistryCredentials.image(r.reference(), options.env(), jibLog));
      };
      containerizer.setOfflineMode(options.offline())
          .setToolName("gantry")
          .setBaseImageLayersCache(options.cacheDir().resolve("base"))
          .setApplicationLayersCache(options.cacheDir().resolve("application"))
          .addEventHandler(LogEvent.class, jibLog);
      JibContainer container = builder.containerize(containerizer);
      return new BuiltImage(spec.name(), target.reference(), container.getDigest().toString(),
          container.getImageId().toString(), container.isImagePushed());
    } catch (InvalidImageReferenceException e) {
      throw ImageException.badInput("Invalid image reference '" + e.getInvalidReference()
          + "'; use host/repository:tag, e.g. 'registry.example.com/gantry/engine:0.1.0'");
    } catch (RegistryException e) {
      throw new ImageException("Registry error while building " + spec.name() + " (" + target.reference() + "): "
          + e.getMessage() + "; check the credentials (" + RegistryCredentials.USERNAME_ENV + "/"
          + RegistryCredentials.PASSWORD_ENV + ", docker config or credential helper, see README)", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new ImageException("Building " + spec.name() + " failed: " + cause, cause);
    } catch (CacheDirectoryCreationException | IOException e) {
      throw new ImageException("Building " + spec.name() + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ImageException("Interrupted while building " + spec.name(), e);
    }
  }

  /** The container command: java, the container flags, the image's flags, classpath, main class. */
  public static List<String> entrypoint(ImageSpec spec) {
    return entrypoint(spec.name(), spec.jvmFlags(), spec.mainClass(), spec.cuda());
  }

  /** The container command of image {@code name} without CUDA jars (no jars needed to know it). */
  public static List<String> entrypoint(String name, List<String> jvmFlags, String mainClass) {
    return entrypoint(name, jvmFlags, mainClass, false);
  }

  /** The container command of image {@code name}; {@code cuda} adds the CUDA layer's jars to the classpath. */
  public static List<String> entrypoint(String name, List<String> jvmFlags, String mainClass, boolean cuda) {
    List<String> command = new ArrayList<>();
    command.add("java");
    command.addAll(CONTAINER_JVM_FLAGS);
    command.addAll(jvmFlags);
    command.add("-cp");
    command.add(APP_DIR + "/" + name + ".jar:" + APP_DIR + "/lib/*" + (cuda ? ":" + CUDA_DIR + "/*" : ""));
    command.add(mainClass);
    return command;
  }

  private static void configure(JibContainerBuilder builder, ImageSpec spec, Path cacheDir) throws IOException {
    List<FileEntriesLayer> layers = new ArrayList<>();
    layers.add(jarLayer("dependencies", spec.name(), spec.dependencyJars(), APP_DIR + "/lib"));
    // Its own layer: ~380 MB that changes only with the CUDA version, cached across commits.
    if (spec.cuda()) {
      layers.add(jarLayer("cuda", spec.name(), spec.cudaJars(), CUDA_DIR));
    }
    layers.add(FileEntriesLayer.builder().setName("application")
        .addEntry(spec.applicationJar(), AbsoluteUnixPath.get(APP_DIR + "/" + spec.name() + ".jar"))
        .build());
    layers.add(cacheLayer(cacheDir));
    builder.setFileEntriesLayers(layers)
        .setEntrypoint(entrypoint(spec))
        .setProgramArguments(spec.programArgs())
        .setUser(USER)
        .setWorkingDirectory(AbsoluteUnixPath.get(APP_DIR))
        .setCreationTime(Instant.EPOCH);
    spec.ports().stream().sorted().forEach(p -> builder.addExposedPort(Port.tcp(p)));
    spec.sortedEnvironment().forEach(builder::addEnvironmentVariable);
    builder.addEnvironmentVariable("HOME", CACHE_DIR);
    spec.sortedLabels().forEach(builder::addLabel);
  }

  // Sorted by file name so the layer (and the digest) does not depend on the caller's order.
  private static FileEntriesLayer jarLayer(String layerName, String image, List<Path> jars, String dir) {
    FileEntriesLayer.Builder layer = FileEntriesLayer.builder().setName(layerName);
    List<Path> sorted = new ArrayList<>(jars);
    sorted.sort(Comparator.comparing(p -> p.getFileName().toString()));
    String previous = null;
    for (Path jar : sorted) {
      String fileName = jar.getFileName().toString();
      if (fileName.equals(previous)) {
        throw ImageException.badInput("Two " + layerName + " jars of " + image + " are named '" + fileName + "'");
      }
      previous = fileName;
      layer.addEntry(jar, AbsoluteUnixPath.get(dir + "/" + fileName));
    }
    return layer.build();
  }

  // Directories the non-root user can write: Jib layers are otherwise root-owned and read-only.
  private static FileEntriesLayer cacheLayer(Path cacheDir) {
    Path emptyDir = cacheDir.resolve("empty-dir");
    try {
      Files.createDirectories(emptyDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    FileEntriesLayer.Builder layer = FileEntriesLayer.builder().setName("cache");
    for (String dir : WRITABLE_DIRS) {
      layer.addEntry(emptyDir, AbsoluteUnixPath.get(dir), FilePermissions.fromOctalString("755"),
          FileEntriesLayer.DEFAULT_MODIFICATION_TIME, USER);
    }
    return layer.build();
  }
}
