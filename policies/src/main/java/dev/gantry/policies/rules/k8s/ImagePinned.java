package dev.gantry.policies.rules.k8s;

import static dev.gantry.policies.rules.Category.KUBERNETES;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-K8S-021: images pinned by digest. */
public final class ImagePinned extends ContainerRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-K8S-021", "Images are pinned by digest",
      KUBERNETES, Severity.HIGH, Enforcement.MANDATORY, List.of("PRE-04"),
      "A tag (worst: `latest` or none) can point at different bytes tomorrow: replicas of one Deployment then run"
          + " different code, and a rollback does not roll back. A tag in a repository of the same stack whose tags"
          + " cannot move counts as pinned: ECR with `imageTagMutability: IMMUTABLE`, Artifact Registry with"
          + " `dockerConfig.immutableTags: true`. ACR has no registry-wide immutable tags (tags are locked one by one"
          + " through its data plane), so images in ACR must be pinned by digest.",
      "Reference images as `registry/name@sha256:<digest>` (`gantry images build` prints the digests; the stack"
          + " config `gantry:images` takes them).");

  public ImagePinned() {
    super(INFO);
  }

  static final String ECR_REPOSITORY = "aws:ecr/repository:Repository";

  static final String ARTIFACT_REGISTRY_REPOSITORY = "gcp:artifactregistry/repository:Repository";

  /**
   * True when the image lives in a repository of this stack whose tags are immutable: an ECR
   * repository ({@code <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>}) or an
   * Artifact Registry Docker repository ({@code <location>-docker.pkg.dev/<project>/<repository>/<image>:<tag>}).
   */
  static boolean inImmutableRepository(String ref, RuleContext ctx) {
    int slash = ref.indexOf('/');
    int colon = ref.lastIndexOf(':');
    if (slash < 0 || colon < slash) {
      return false;
    }
    String host = ref.substring(0, slash);
    String path = ref.substring(slash + 1, colon);
    if (host.contains(".dkr.ecr.")) {
      return ctx.ofType(ECR_REPOSITORY).stream().anyMatch(r -> r.input("name").asText(r.name()).equals(path)
          && r.input("imageTagMutability").asText("MUTABLE").equals("IMMUTABLE"));
    }
    if (host.endsWith("-docker.pkg.dev")) {
      String[] parts = path.split("/");
      if (parts.length < 3) {
        return false; // project/repository/image at least
      }
      String location = host.substring(0, host.length() - "-docker.pkg.dev".length());
      return ctx.ofType(ARTIFACT_REGISTRY_REPOSITORY).stream().anyMatch(r ->
          r.input("repositoryId").asText("").equals(parts[1])
              && r.input("location").asText("").equals(location)
              && r.input("project").asText(parts[0]).equals(parts[0])
              && r.input("format").asText("").equalsIgnoreCase("DOCKER")
              && r.input("dockerConfig.immutableTags").asBoolean(false));
    }
    return false;
  }

  @Override
  protected String violation(Workload w, JsonNode c, RuleContext ctx) {
    JsonNode image = c.path("image");
    if (Values.isUnknown(image)) {
      return null; // computed from another resource (an image build); judged where it is built
    }
    String ref = image.asText("");
    if (ref.isEmpty()) {
      return "has no image";
    }
    if (ref.contains("@sha256:") || inImmutableRepository(ref, ctx)) {
      return null;
    }
    String lastPart = ref.substring(ref.lastIndexOf('/') + 1);
    if (!lastPart.contains(":")) {
      return "image '" + ref + "' has no tag and no digest (means :latest)";
    }
    return "image '" + ref + "' is pinned by tag" + (lastPart.endsWith(":latest") ? " 'latest'" : "") + ", not by digest";
  }
}
