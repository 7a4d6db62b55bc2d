package dev.gantry.policies.rules.cloud;

import static dev.gantry.policies.rules.Category.CLOUD;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-CLOUD-001: model buckets are encrypted at rest. */
public final class BucketEncrypted extends ResourceRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-CLOUD-001", "Buckets are encrypted at rest",
      CLOUD, Severity.HIGH, Enforcement.MANDATORY, List.of("PRE-04", "PRE-09"),
      "Model weights (often licensed or fine-tuned on private data) and usage exports sit in buckets; encryption with a"
          + " key you control is what auditors ask for first. GCS and Azure Storage always encrypt; on AWS the stack must"
          + " declare it so it cannot silently be turned off.",
      "On AWS add a `BucketServerSideEncryptionConfigurationV2` for the bucket (`sse_algorithm: aws:kms`).");

  public BucketEncrypted() {
    super(INFO);
  }

  @Override
  public boolean appliesTo(Resource r) {
    return CloudTypes.S3_BUCKETS.contains(r.type());
  }

  @Override
  public void check(Resource bucket, RuleContext ctx, Findings out) {
    boolean inline = bucket.input("serverSideEncryptionConfiguration").isObject();
    List<Resource> configs = CloudTypes.attached(ctx, bucket, CloudTypes.S3_ENCRYPTION);
    if (!inline && configs.isEmpty()) {
      out.report(bucket, "S3 bucket '" + bucket.name() + "' has no server-side encryption configuration");
    }
  }
}
