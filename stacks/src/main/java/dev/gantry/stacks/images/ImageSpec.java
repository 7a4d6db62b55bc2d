package dev.gantry.stacks.images;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What goes into one of our images: the application jar, its dependency jars, the main
 * class and its JVM flags, the ports it listens on, environment and OCI labels. The
 * layout inside the image is fixed by {@link ContainerImages}: dependency jars in
 * {@code /app/lib} (one layer, changes rarely), the application jar in {@code /app}
 * (its own layer, changes every commit), a writable cache directory owned by the
 * non-root user. The engine's CUDA jars (JNI natives and the CUDA runtime libraries, about
 * 380 MB) go in {@code /app/cuda}, a layer of their own between the two: they change only
 * with the CUDA version, so nodes pull them once across commits.
 *
 * @param name           image name, e.g. {@code engine}; also the jar's name in the image
 * @param applicationJar the module's own jar
 * @param dependencyJars runtime dependency jars (order does not matter: the layer is sorted)
 * @param cudaJars       CUDA native jars on the classpath after the dependencies; empty for
 *                       CPU-only images (no "cuda" layer)
 * @param mainClass      fully qualified main class
 * @param jvmFlags       JVM flags on top of the container defaults
 * @param programArgs    arguments after the main class (Docker CMD), may be empty
 * @param ports          TCP ports the process listens on
 * @param environment    environment variables
 * @param labels         image labels (org.opencontainers.image.*)
 */
public record ImageSpec(String name, Path applicationJar, List<Path> dependencyJars, List<Path> cudaJars, String mainClass,
    List<String> jvmFlags, List<String> programArgs, List<Integer> ports, Map<String, String> environment,
    Map<String, String> labels) {

  public ImageSpec {
    if (name == null || !name.matches("[a-z][a-z0-9-]{0,62}")) {
      throw ImageException.badInput("Invalid image name '" + name + "'; use lower-case letters, digits and '-'");
    }
    if (applicationJar == null || !Files.isRegularFile(applicationJar)) {
      throw ImageException.badInput("The " + name + " application jar '" + applicationJar
          + "' does not exist; build it first (./mvnw -pl engine,gateway package -DskipTests)");
    }
    for (Path jar : dependencyJars) {
      if (!Files.isRegularFile(jar)) {
        throw ImageException.badInput("Dependency jar '" + jar + "' of image " + name + " does not exist");
      }
    }
    for (Path jar : cudaJars) {
      if (!Files.isRegularFile(jar)) {
        throw ImageException.badInput("CUDA jar '" + jar + "' of image " + name + " does not exist; resolve it (see "
            + "README: Container images) or build a CPU-only image with --no-cuda");
      }
    }
    if (mainClass == null || !mainClass.matches("[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)+")) {
      throw ImageException.badInput("Invalid main class '" + mainClass + "' for image " + name
          + "; give a fully qualified class name such as 'dev.gantry.gateway.Main'");
    }
    for (int port : ports) {
      if (port < 1 || port > 65535) {
        throw ImageException.badInput("Invalid port " + port + " for image " + name + "; ports are 1..65535");
      }
    }
    dependencyJars = List.copyOf(dependencyJars);
    cudaJars = List.copyOf(cudaJars);
    jvmFlags = List.copyOf(jvmFlags);
    programArgs = List.copyOf(programArgs);
    ports = List.copyOf(ports);
    // Sorted maps: the image config lists them in a stable order whatever the caller used.
    environment = Map.copyOf(environment);
    labels = Map.copyOf(labels);
  }

  /** An image without CUDA jars (the gateway, a CPU-only engine). */
  public ImageSpec(String name, Path applicationJar, List<Path> dependencyJars, String mainClass, List<String> jvmFlags,
      List<String> programArgs, List<Integer> ports, Map<String, String> environment, Map<String, String> labels) {
    this(name, applicationJar, dependencyJars, List.of(), mainClass, jvmFlags, programArgs, ports, environment, labels);
  }

  /** True when the image carries the CUDA layer. */
  public boolean cuda() {
    return !cudaJars.isEmpty();
  }

  /** Environment in key order. */
  public Map<String, String> sortedEnvironment() {
    return new TreeMap<>(environment);
  }

  /** Labels in key order. */
  public Map<String, String> sortedLabels() {
    return new TreeMap<>(labels);
  }
}
