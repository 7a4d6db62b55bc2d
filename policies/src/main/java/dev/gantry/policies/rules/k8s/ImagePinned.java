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
          + " different code, and a rollback does not roll back. A tag in an ECR repository of the same stack with"
          + " `imageTagMutability: IMMUTABLE` cannot move, so it counts as pinned.",
      "Reference images as `registry/name@sha256:<digest>` (`gantry images build` prints the digests; the stack"
          + " config `gantry:images` takes them).");

  public ImagePinned() {
    super(INFO);
  }

  static final String ECR_REPOSITORY = "aws:ecr/repository:Repository";

  /** True when the image lives in an ECR repository of this stack whose tags are immutable. */
  static boolean inImmutableRepository(String ref, RuleContext ctx) {
    int slash = ref.indexOf('/');
    int colon = ref.lastIndexOf(':');
    if (slash < 0 || colon < slash || !ref.substring(0, slash).contains(".dkr.ecr.")) {
      return false;
    }
    String repository = ref.substring(slash + 1, colon);
    return ctx.ofType(ECR_REPOSITORY).stream().anyMatch(r -> r.input("name").asText(r.name()).equals(repository)
        && r.input("imageTagMutability").asText("MUTABLE").equals("IMMUTABLE"));
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
