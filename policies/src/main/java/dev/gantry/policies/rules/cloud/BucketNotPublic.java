package dev.gantry.policies.rules.cloud;

import static dev.gantry.policies.rules.Category.CLOUD;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-CLOUD-003: buckets block public access. */
public final class BucketNotPublic extends ResourceRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-CLOUD-003", "Buckets are not public",
      CLOUD, Severity.CRITICAL, Enforcement.MANDATORY, List.of("PRE-04"),
      "A public bucket publishes your weights and whatever else lands there.",
      "AWS: a `BucketPublicAccessBlock` with all four flags true and no public ACL; GCP: `publicAccessPrevention: enforced`;"
          + " Azure: `allowBlobPublicAccess: false`.");
  private static final List<String> FLAGS = List.of("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets");

  public BucketNotPublic() {
    super(INFO);
  }

  @Override
  public boolean appliesTo(Resource r) {
    return CloudTypes.isBucket(r);
  }

  @Override
  public void check(Resource bucket, RuleContext ctx, Findings out) {
    String name = "bucket '" + bucket.name() + "'";
    switch (bucket.type()) {
      case CloudTypes.GCS_BUCKET -> {
        if (!bucket.input("publicAccessPrevention").asText().equals("enforced")) {
          out.report(bucket, name + " does not set publicAccessPrevention: enforced");
        }
      }
      case CloudTypes.AZURE_STORAGE_ACCOUNT -> {
        JsonNode allow = bucket.input("allowBlobPublicAccess");
        if (!(allow.isBoolean() && !allow.asBoolean())) {
          out.report(bucket, "storage account '" + bucket.name() + "' does not set allowBlobPublicAccess: false");
        }
      }
      default -> {
        String acl = bucket.input("acl").asText("");
        if (acl.startsWith("public")) {
          out.report(bucket, name + " has ACL " + acl);
        }
        boolean blocked = CloudTypes.attached(ctx, bucket, List.of(CloudTypes.S3_PUBLIC_ACCESS_BLOCK)).stream()
            .anyMatch(b -> FLAGS.stream().allMatch(f -> b.input(f).asBoolean(false)));
        if (!blocked) {
          out.report(bucket, name + " has no BucketPublicAccessBlock with " + String.join(", ", FLAGS) + " all true");
        }
      }
    }
  }
}
