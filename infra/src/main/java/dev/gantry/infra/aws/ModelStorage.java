package dev.gantry.infra.aws;

import com.pulumi.aws.s3.BucketPublicAccessBlock;
import com.pulumi.aws.s3.BucketPublicAccessBlockArgs;
import com.pulumi.aws.s3.BucketServerSideEncryptionConfigurationV2;
import com.pulumi.aws.s3.BucketServerSideEncryptionConfigurationV2Args;
import com.pulumi.aws.s3.BucketV2;
import com.pulumi.aws.s3.BucketV2Args;
import com.pulumi.aws.s3.BucketVersioningV2;
import com.pulumi.aws.s3.BucketVersioningV2Args;
import com.pulumi.aws.s3.inputs.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs;
import com.pulumi.aws.s3.inputs.BucketServerSideEncryptionConfigurationV2RuleArgs;
import com.pulumi.aws.s3.inputs.BucketVersioningV2VersioningConfigurationArgs;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResourceOptions;
import dev.gantry.infra.GantryComponent;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The S3 bucket holding model weights ({@code gantry:aws:ModelStorage}): versioned (a bad
 * upload can be rolled back to the pinned revision's objects), encrypted with a customer
 * KMS key (SSE-KMS with bucket keys, which keeps KMS request costs flat while engines
 * read many shards), and closed to the public by a public access block.
 */
public final class ModelStorage extends GantryComponent {
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

  /**
   * @param bucketName   exact bucket name, or null to let AWS add a unique suffix to {@code namePrefix}
   * @param namePrefix   prefix used when no exact name is given
   * @param forceDestroy whether {@code pulumi destroy} may delete a non-empty bucket
   * @param tags         tags on every resource
   */
  public record Args(String bucketName, String namePrefix, boolean forceDestroy, Map<String, String> tags) {
    public Args {
      Objects.requireNonNull(namePrefix, "namePrefix");
      tags = Map.copyOf(tags == null ? Map.of() : tags);
      if (bucketName != null && !BUCKET.matcher(bucketName).matches()) {
        throw new IllegalArgumentException("Bucket name '" + bucketName
            + "' must be 3-63 lower-case letters, digits, dots or hyphens, starting and ending with a letter or digit");
      }
    }
  }

  private final Output<String> bucketName;
  private final Output<String> bucketArn;
  private final Output<String> kmsKeyArn;

  public ModelStorage(String name, Args args, ComponentResourceOptions options) {
    super("aws", "ModelStorage", name, options);
    var key = Kms.customerKey(name + "-key", "Encryption of model weights in " + args.namePrefix(),
        tags(args.tags(), args.namePrefix() + "-models"), child());
    var bucketArgs = BucketV2Args.builder()
        .forceDestroy(args.forceDestroy())
        .tags(tags(args.tags(), args.namePrefix() + "-models"));
    if (args.bucketName() != null) {
      bucketArgs.bucket(args.bucketName());
    } else {
      bucketArgs.bucketPrefix(args.namePrefix() + "-models-");
    }
    var bucket = new BucketV2(name + "-bucket", bucketArgs.build(), child());
    new BucketVersioningV2(name + "-versioning", BucketVersioningV2Args.builder()
        .bucket(bucket.id())
        .versioningConfiguration(BucketVersioningV2VersioningConfigurationArgs.builder().status("Enabled").build())
        .build(), child());
    new BucketServerSideEncryptionConfigurationV2(name + "-encryption", BucketServerSideEncryptionConfigurationV2Args.builder()
        .bucket(bucket.id())
        .rules(BucketServerSideEncryptionConfigurationV2RuleArgs.builder()
            .applyServerSideEncryptionByDefault(
                BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs.builder()
                    .sseAlgorithm("aws:kms")
                    .kmsMasterKeyId(key.arn())
                    .build())
            .bucketKeyEnabled(true)
            .build())
        .build(), child());
    new BucketPublicAccessBlock(name + "-public-access", BucketPublicAccessBlockArgs.builder()
        .bucket(bucket.id())
        .blockPublicAcls(true)
        .blockPublicPolicy(true)
        .ignorePublicAcls(true)
        .restrictPublicBuckets(true)
        .build(), child());
    this.bucketName = bucket.bucket();
    this.bucketArn = bucket.arn();
    this.kmsKeyArn = key.arn();
    registerOutputs(Map.of("bucketName", bucketName, "bucketArn", bucketArn, "kmsKeyArn", kmsKeyArn));
  }

  public Output<String> bucketName() {
    return bucketName;
  }

  public Output<String> bucketArn() {
    return bucketArn;
  }

  /** {@code s3://<bucket>}, where model directories live under {@code <model>/<revision>/}. */
  public Output<String> uri() {
    return bucketName.applyValue(b -> "s3://" + b);
  }

  public Output<String> kmsKeyArn() {
    return kmsKeyArn;
  }
}
