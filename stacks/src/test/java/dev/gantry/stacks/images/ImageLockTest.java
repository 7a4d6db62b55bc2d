package dev.gantry.stacks.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.catalog.GpuCatalog;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.ResourceGraph;
import dev.gantry.policies.rules.Finding;
import dev.gantry.policies.rules.PolicyConfig;
import dev.gantry.policies.rules.RuleContext;
import dev.gantry.policies.rules.RuleEngine;
import dev.gantry.policies.rules.k8s.ImagePinned;
import dev.gantry.stacks.config.StackCatalog;
import dev.gantry.stacks.config.StackConfigException;
import dev.gantry.stacks.plan.Planner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageLockTest {
  static final String ENGINE_TAG = "123456789012.dkr.ecr.us-east-1.amazonaws.com/gantry/engine:0.1.0";
  static final String GATEWAY_TAG = "123456789012.dkr.ecr.us-east-1.amazonaws.com/gantry/gateway:0.1.0";
  static final String DIGEST_A = "sha256:" + "a".repeat(64);
  static final String DIGEST_B = "sha256:" + "b".repeat(64);

  @TempDir
  Path dir;

  @Test
  void pin_whenTagLocked_givesRepositoryAtDigest_elseLeavesReferenceAlone() {
    ImageLock lock = ImageLock.empty().with(List.of(new BuiltImage("engine", ENGINE_TAG, DIGEST_A, DIGEST_B, true)));
    assertThat(lock.pin(ENGINE_TAG)).isEqualTo("123456789012.dkr.ecr.us-east-1.amazonaws.com/gantry/engine@" + DIGEST_A);
    assertThat(lock.pin("123456789012.dkr.ecr.us-east-1.amazonaws.com/gantry/engine:0.2.0"))
        .as("another tag").endsWith(":0.2.0");
    assertThat(lock.pin("other.example.com/gantry/engine:0.1.0")).as("another registry").isEqualTo("other.example.com/gantry/engine:0.1.0");
  }

  @Test
  void writeThenRead_roundTrips_andLaterBuildsReplaceTheSameTag() throws IOException {
    ImageLock.empty().with(List.of(new BuiltImage("engine", ENGINE_TAG, DIGEST_A, DIGEST_A, true))).write(dir);
    ImageLock.read(dir).orElseThrow()
        .with(List.of(new BuiltImage("engine", ENGINE_TAG, DIGEST_B, DIGEST_B, true),
            new BuiltImage("gateway", GATEWAY_TAG, DIGEST_A, DIGEST_A, true)))
        .write(dir);
    ImageLock lock = ImageLock.read(dir).orElseThrow();
    assertThat(lock.digests()).containsEntry(ENGINE_TAG, DIGEST_B).containsEntry(GATEWAY_TAG, DIGEST_A).hasSize(2);
    assertThat(Files.readString(dir.resolve(ImageLock.FILE_NAME))).contains("\"pinned\" : \"123456789012.dkr.ecr.us-east-1.amazonaws.com/gantry/gateway@" + DIGEST_A);
  }

  @Test
  void read_withBadDigest_namesTheEntryAndTheFix() throws IOException {
    Files.writeString(dir.resolve(ImageLock.FILE_NAME), "{\"images\": {\"" + ENGINE_TAG + "\": {\"digest\": \"sha256:abc\"}}}");
    assertThatThrownBy(() -> ImageLock.read(dir)).isInstanceOf(ImageException.class)
        .hasMessageContaining("'sha256:abc'").hasMessageContaining(ENGINE_TAG).hasMessageContaining("gantry images build --push");
  }

  /** A copy of this checkout's stacks directory, with the aws-prod stack creating no ECR repositories. */
  private Path stacksCopy() throws IOException {
    Path source = Path.of("").toAbsolutePath();
    Path copy = dir.resolve("stacks");
    try (Stream<Path> files = Files.walk(source)) {
      for (Path p : files.filter(p -> !source.relativize(p).startsWith("target") && !source.relativize(p).startsWith("src"))
          .toList()) {
        Path to = copy.resolve(source.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(to);
        } else if (!p.getFileName().toString().equals(ImageLock.FILE_NAME)) {
          Files.copy(p, to);
        }
      }
    }
    // Without the stack's own immutable ECR repositories only a digest satisfies GNT-K8S-021.
    Path stack = copy.resolve("Pulumi.aws-prod.yaml");
    Files.writeString(stack, Files.readString(stack).replace("createRepositories: true", "createRepositories: false"));
    return copy;
  }

  private static List<String> images(ResourceGraph graph) {
    List<String> images = new ArrayList<>();
    for (Resource r : graph.ofType("kubernetes:apps/v1:Deployment")) {
      for (JsonNode c : r.input("spec").path("template").path("spec").path("containers")) {
        images.add(c.path("image").asText());
      }
    }
    return images;
  }

  private static List<Finding> imagePinnedFindings(ResourceGraph graph) {
    return new RuleEngine(List.of(new ImagePinned()))
        .run(new RuleContext(graph, GpuCatalog.defaultCatalog(), PolicyConfig.defaults()));
  }

  @Test
  void plan_withLockForTheStacksTags_deploysByDigest_andTheDigestRulePasses() throws IOException {
    Path stacks = stacksCopy();
    ResourceGraph unlocked = new Planner(StackCatalog.at(stacks)).plan("aws-prod").graph();
    assertThat(images(unlocked)).contains(ENGINE_TAG, GATEWAY_TAG);
    assertThat(imagePinnedFindings(unlocked)).extracting(Finding::message).anyMatch(m -> m.contains("pinned by tag"));

    ImageLock.empty().with(List.of(new BuiltImage("engine", ENGINE_TAG, DIGEST_A, DIGEST_A, true),
        new BuiltImage("gateway", GATEWAY_TAG, DIGEST_B, DIGEST_B, true))).write(stacks);
    ResourceGraph locked = new Planner(StackCatalog.at(stacks)).plan("aws-prod").graph();

    assertThat(images(locked))
        .contains("123456789012.dkr.ecr.us-east-1.amazonaws.com/gantry/engine@" + DIGEST_A,
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/gantry/gateway@" + DIGEST_B)
        .doesNotContain(ENGINE_TAG, GATEWAY_TAG);
    assertThat(imagePinnedFindings(locked)).extracting(Finding::message)
        .noneMatch(m -> m.contains("gantry/engine") || m.contains("gantry/gateway"));
  }

  @Test
  void plan_withCorruptLock_failsAsBadStackInputNamingTheFile() throws IOException {
    Path stacks = stacksCopy();
    Files.writeString(stacks.resolve(ImageLock.FILE_NAME), "{not json");
    assertThatThrownBy(() -> new Planner(StackCatalog.at(stacks)).plan("aws-prod"))
        .isInstanceOf(StackConfigException.class).hasMessageContaining(ImageLock.FILE_NAME);
  }
}
