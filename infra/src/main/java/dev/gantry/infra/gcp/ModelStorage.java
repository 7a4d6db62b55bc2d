package dev.gantry.infra.gcp;

import com.pulumi.core.Output;
import com.pulumi.gcp.storage.Bucket;
import com.pulumi.gcp.storage.BucketArgs;
import com.pulumi.gcp.storage.inputs.BucketEncryptionArgs;
import com.pulumi.gcp.storage.inputs.BucketLifecycleRuleActionArgs;
import com.pulumi.gcp.storage.inputs.BucketLifecycleRuleArgs;
import com.pulumi.gcp.storage.inputs.BucketLifecycleRuleConditionArgs;
import com.pulumi.gcp.storage.inputs.BucketVersioningArgs;
import com.pulumi.resources.ComponentResourceOptions;
import dev.gantry.infra.GantryComponent;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The GCS bucket that holds model weights ({@code gantry:gcp:ModelStorage}), the GCP twin
 * of {@code dev.gantry.infra.aws.ModelStorage}: regional (next to the GPUs), uniform
 * bucket-level access (IAM only, no object ACLs), public access prevention enforced,
 * object versioning with non-current versions kept for {@value #NONCURRENT_DAYS} days, and
 * optionally a customer-managed KMS key (GCS always encrypts; CMEK puts the key in your hands).
 */
public final class ModelStorage extends GantryComponent {
  public static final int NONCURRENT_DAYS = 30;
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]");

  /**
   * @param project      GCP project id
   * @param bucketName   globally unique bucket name
   * @param location     bucket location, the cluster's region
   * @param kmsKeyName   customer-managed key ({@code projects/.../cryptoKeys/...}), or null for Google-managed
   * @param forceDestroy whether {@code pulumi destroy} may delete a non-empty bucket
   * @param tags         labels (sanitized for GCP)
   */
  public record Args(String project, String bucketName, String location, String kmsKeyName, boolean forceDestroy,
      Map<String, String> tags) {
    public Args {
      Objects.requireNonNull(project, "project");
      Objects.requireNonNull(location, "location");
      tags = Map.copyOf(tags == null ? Map.of() : tags);
      if (bucketName == null || !BUCKET.matcher(bucketName).matches() || bucketName.startsWith("goog")) {
        throw new IllegalArgumentException("Bucket name '" + bucketName
            + "' must be 3-63 lower-case letters, digits, '.', '_' or '-', starting and ending with a letter or digit, not starting with 'goog'");
      }
      if (kmsKeyName != null && !kmsKeyName.matches("projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+")) {
        throw new IllegalArgumentException("KMS key '" + kmsKeyName
            + "' must be a full key name: projects/P/locations/L/keyRings/R/cryptoKeys/K");
      }
    }
  }

  private final Output<String> bucketName;
  private final Output<String> uri;

  public ModelStorage(String name, Args args, ComponentResourceOptions options) {
    super("gcp", "ModelStorage", name, options);
    var bucket = BucketArgs.builder()
        .project(args.project())
        .name(args.bucketName())
        .location(args.location())
        .storageClass("STANDARD")
        .uniformBucketLevelAccess(true)
        .publicAccessPrevention("enforced")
        .versioning(BucketVersioningArgs.builder().enabled(true).build())
        .lifecycleRules(BucketLifecycleRuleArgs.builder()
            .action(BucketLifecycleRuleActionArgs.builder().type("Delete").build())
            .condition(BucketLifecycleRuleConditionArgs.builder()
                .withState("ARCHIVED")
                .daysSinceNoncurrentTime(NONCURRENT_DAYS)
                .build())
            .build())
        .forceDestroy(args.forceDestroy())
        .labels(GcpLabels.of(args.tags(), args.bucketName()));
    if (args.kmsKeyName() != null) {
      bucket.encryption(BucketEncryptionArgs.builder().defaultKmsKeyName(args.kmsKeyName()).build());
    }
    var b = new Bucket(name + "-bucket", bucket.build(), child());
    this.bucketName = b.name();
    this.uri = b.name().applyValue(n -> "gs://" + n);
    registerOutputs(Map.of("bucketName", bucketName, "uri", uri));
  }

  public Output<String> bucketName() {
    return bucketName;
  }

  /** {@code gs://<bucket>}. */
  public Output<String> uri() {
    return uri;
  }
}
