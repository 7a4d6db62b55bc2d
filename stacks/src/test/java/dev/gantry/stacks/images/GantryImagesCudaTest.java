package dev.gantry.stacks.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How image builds resolve the engine's CUDA jars, with a stand-in {@code mvnw} that records
 * its calls: nothing here runs Maven or downloads the real (380 MB) jars.
 */
class GantryImagesCudaTest {
  @TempDir
  Path root;
  List<String> log = new ArrayList<>();

  /** A mvnw that logs its arguments, fails offline, and online writes a small jar where dependency:copy would. */
  private Path fakeMvnw(boolean onlineWorks) throws IOException {
    Path mvnw = root.resolve("mvnw");
    Files.writeString(mvnw, """
        #!/bin/sh
        echo "$*" >> "$(dirname "$0")/mvnw-calls"
        case " $* " in *" -o "*) exit 1;; esac
        %s
        for a in "$@"; do
          case "$a" in
            -Dartifact=*) art="${a#-Dartifact=}";;
            -DoutputDirectory=*) out="${a#-DoutputDirectory=}";;
          esac
        done
        IFS=: read g id v p c <<EOT
        $art
        EOT
        mkdir -p "$out" && echo jar > "$out/$id-$v-$c.jar"
        """.formatted(onlineWorks ? "" : "exit 1"));
    Files.setPosixFilePermissions(mvnw, PosixFilePermissions.fromString("rwxr-xr-x"));
    return mvnw;
  }

  private List<String> calls() throws IOException {
    return Files.readAllLines(root.resolve("mvnw-calls"));
  }

  @Test
  void cudaJars_areTheDependencyCopyFileNamesUnderEngineTarget() {
    assertThat(GantryImages.cudaJars(root)).containsExactly(
        root.resolve("engine/target/cuda-natives/cuda-13.1-9.19-1.5.13-linux-x86_64.jar"),
        root.resolve("engine/target/cuda-natives/cuda-redist-13.1-9.19-1.5.13-linux-x86_64.jar"),
        root.resolve("engine/target/cuda-natives/javacpp-1.5.13-linux-x86_64.jar"));
  }

  @Test
  void cudaArtifacts_followTheEngineBytedecoCudaVersion() throws IOException {
    // Surefire runs in stacks/: the engine's pom is next door. A CUDA bump there must bump the image's jars too.
    String pom = Files.readString(Path.of("..", "engine", "pom.xml"));
    var m = java.util.regex.Pattern.compile("<engine.bytedeco-cuda.version>([^<]+)<").matcher(pom);
    assertThat(m.find()).as("engine/pom.xml names engine.bytedeco-cuda.version").isTrue();
    String version = m.group(1);
    assertThat(GantryImages.CUDA_ARTIFACTS).contains("org.bytedeco:cuda:" + version + ":jar:linux-x86_64",
        "org.bytedeco:cuda-redist:" + version + ":jar:linux-x86_64",
        "org.bytedeco:javacpp:" + version.substring(version.lastIndexOf('-') + 1) + ":jar:linux-x86_64");
  }

  @Test
  void ensureCuda_whenMissing_triesOfflineThenOnline_andCopiesEachArtifact() throws IOException {
    fakeMvnw(true);
    GantryImages.ensureCuda(root, log::add);

    assertThat(GantryImages.cudaJars(root)).allMatch(Files::isRegularFile);
    List<String> calls = calls();
    assertThat(calls).hasSize(2 * GantryImages.CUDA_ARTIFACTS.size());
    assertThat(calls.get(0)).startsWith("-o ").contains("-N dependency:copy",
        "-Dartifact=org.bytedeco:cuda:13.1-9.19-1.5.13:jar:linux-x86_64");
    assertThat(calls.get(1)).doesNotContain(" -o ").contains("-Dartifact=org.bytedeco:cuda:13.1-9.19-1.5.13:jar:linux-x86_64");
    assertThat(calls.get(3)).contains("-Dartifact=org.bytedeco:cuda-redist:13.1-9.19-1.5.13:jar:linux-x86_64");
    assertThat(log).anyMatch(l -> l.contains("cuda-redist") && l.contains("380 MB"));
  }

  @Test
  void ensureCuda_whenPresent_runsNothing() throws IOException {
    fakeMvnw(true);
    for (Path jar : GantryImages.cudaJars(root)) {
      Files.createDirectories(jar.getParent());
      Files.writeString(jar, "jar");
    }
    GantryImages.ensureCuda(root, log::add);
    assertThat(root.resolve("mvnw-calls")).doesNotExist();
  }

  @Test
  void ensureCuda_whenResolutionFails_namesOnlyTheMissingArtifactsAndBothFixes() throws IOException {
    fakeMvnw(false);
    Path natives = root.resolve("engine/target/cuda-natives/cuda-13.1-9.19-1.5.13-linux-x86_64.jar");
    Files.createDirectories(natives.getParent());
    Files.writeString(natives, "jar");

    assertThatThrownBy(() -> GantryImages.ensureCuda(root, log::add))
        .isInstanceOfSatisfying(ImageException.class, e -> assertThat(e.badInput()).isFalse())
        .hasMessageContaining("org.bytedeco:cuda-redist:13.1-9.19-1.5.13:jar:linux-x86_64")
        .hasMessageContaining("org.bytedeco:javacpp:1.5.13:jar:linux-x86_64")
        .hasMessageNotContaining("org.bytedeco:cuda:13.1")
        .hasMessageContaining("--no-cuda")
        .hasMessageContaining("./mvnw -N dependency:copy -Dartifact=org.bytedeco:cuda-redist:13.1-9.19-1.5.13:jar:linux-x86_64"
            + " -DoutputDirectory=engine/target/cuda-natives");
    assertThat(calls()).hasSize(4);
  }
}
