package dev.gantry.infra.gcp;

import com.pulumi.core.Output;
import com.pulumi.gcp.artifactregistry.Repository;
import com.pulumi.gcp.artifactregistry.RepositoryArgs;
import com.pulumi.gcp.artifactregistry.inputs.RepositoryDockerConfigArgs;
import com.pulumi.resources.ComponentResourceOptions;
import dev.gantry.infra.GantryComponent;
import java.util.Map;
import java.util.Objects;

/**
 * An Artifact Registry Docker repository for the engine and gateway images
 * ({@code gantry:gcp:ImageRegistry}), the GCP twin of {@code dev.gantry.infra.aws.ImageRegistry}:
 * regional next to the cluster, with immutable tags so a released version can never be
 * overwritten under a running stack. Images live at
 * {@code <region>-docker.pkg.dev/<project>/<repository>/engine} and {@code .../gateway}.
 */
public final class ImageRegistry extends GantryComponent {

  /**
   * @param project      GCP project id
   * @param location     region of the repository
   * @param repositoryId repository id, e.g. {@code gantry}
   * @param tags         labels (sanitized for GCP)
   */
  public record Args(String project, String location, String repositoryId, Map<String, String> tags) {
    public Args {
      Objects.requireNonNull(project, "project");
      Objects.requireNonNull(location, "location");
      if (repositoryId == null || !repositoryId.matches("[a-z]([a-z0-9-]{0,61}[a-z0-9])?")) {
        throw new IllegalArgumentException("Artifact Registry repository id '" + repositoryId
            + "' must be lower-case letters, digits and '-', starting with a letter");
      }
      tags = Map.copyOf(tags == null ? Map.of() : tags);
    }
  }

  private final Output<String> url;

  public ImageRegistry(String name, Args args, ComponentResourceOptions options) {
    super("gcp", "ImageRegistry", name, options);
    var repo = new Repository(name + "-docker", RepositoryArgs.builder()
        .project(args.project())
        .location(args.location())
        .repositoryId(args.repositoryId())
        .format("DOCKER")
        .description("Gantry engine and gateway images")
        .dockerConfig(RepositoryDockerConfigArgs.builder().immutableTags(true).build())
        .labels(GcpLabels.of(args.tags(), args.repositoryId()))
        .build(), child());
    this.url = repo.repositoryId().applyValue(id -> args.location() + "-docker.pkg.dev/" + args.project() + "/" + id);
    registerOutputs(Map.of("url", url));
  }

  /** {@code <region>-docker.pkg.dev/<project>/<repository>}. */
  public Output<String> url() {
    return url;
  }

  /** URL of one image in the repository, e.g. {@code .../gantry/engine}. */
  public Output<String> repositoryUrl(String image) {
    return url.applyValue(u -> u + "/" + image);
  }
}
