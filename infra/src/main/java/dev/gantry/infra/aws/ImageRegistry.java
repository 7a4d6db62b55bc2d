package dev.gantry.infra.aws;

import com.pulumi.aws.ecr.LifecyclePolicy;
import com.pulumi.aws.ecr.LifecyclePolicyArgs;
import com.pulumi.aws.ecr.Repository;
import com.pulumi.aws.ecr.RepositoryArgs;
import com.pulumi.aws.ecr.inputs.RepositoryEncryptionConfigurationArgs;
import com.pulumi.aws.ecr.inputs.RepositoryImageScanningConfigurationArgs;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResourceOptions;
import dev.gantry.infra.GantryComponent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * ECR repositories for Gantry's own images ({@code gantry:aws:ImageRegistry}): immutable
 * tags (a deployed tag always means the same digest), scan on push, KMS encryption, and a
 * lifecycle policy that keeps the newest {@value #KEEP_IMAGES} images.
 */
public final class ImageRegistry extends GantryComponent {
  public static final int KEEP_IMAGES = 50;
  private static final Pattern REPO = Pattern.compile("[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*");

  /**
   * @param namePrefix   repository path prefix, e.g. {@code gantry}
   * @param repositories logical names, e.g. {@code engine}, {@code gateway}
   * @param tags         tags on every resource
   */
  public record Args(String namePrefix, List<String> repositories, Map<String, String> tags) {
    public Args {
      Objects.requireNonNull(namePrefix, "namePrefix");
      repositories = List.copyOf(repositories);
      tags = Map.copyOf(tags == null ? Map.of() : tags);
      for (String repo : repositories) {
        if (!REPO.matcher(namePrefix + "/" + repo).matches()) {
          throw new IllegalArgumentException("ECR repository name '" + namePrefix + "/" + repo
              + "' must be lower-case letters, digits and . _ - / separators");
        }
      }
    }
  }

  private final Map<String, Output<String>> urls = new LinkedHashMap<>();

  public ImageRegistry(String name, Args args, ComponentResourceOptions options) {
    super("aws", "ImageRegistry", name, options);
    String lifecycle = "{\"rules\":[{\"rulePriority\":1,\"description\":\"keep the newest " + KEEP_IMAGES
        + " images\",\"selection\":{\"tagStatus\":\"any\",\"countType\":\"imageCountMoreThan\",\"countNumber\":"
        + KEEP_IMAGES + "},\"action\":{\"type\":\"expire\"}}]}";
    for (String logical : args.repositories()) {
      String repoName = args.namePrefix() + "/" + logical;
      var repo = new Repository(name + "-" + logical, RepositoryArgs.builder()
          .name(repoName)
          .imageTagMutability("IMMUTABLE")
          .imageScanningConfiguration(RepositoryImageScanningConfigurationArgs.builder().scanOnPush(true).build())
          .encryptionConfigurations(RepositoryEncryptionConfigurationArgs.builder().encryptionType("KMS").build())
          .tags(tags(args.tags(), repoName))
          .build(), child());
      new LifecyclePolicy(name + "-" + logical + "-lifecycle", LifecyclePolicyArgs.builder()
          .repository(repo.name())
          .policy(lifecycle)
          .build(), child());
      urls.put(logical, repo.repositoryUrl());
    }
    registerOutputs(Map.copyOf(urls));
  }

  /** Repository URL ({@code <account>.dkr.ecr.<region>.amazonaws.com/<prefix>/<name>}) by logical name. */
  public Output<String> repositoryUrl(String logical) {
    Output<String> url = urls.get(logical);
    if (url == null) {
      throw new IllegalArgumentException("No repository '" + logical + "'; known: " + urls.keySet());
    }
    return url;
  }
}
