package dev.gantry.policies.rules.cloud;

import static dev.gantry.policies.rules.Category.CLOUD;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-CLOUD-002: buckets are versioned. */
public final class BucketVersioned extends ResourceRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-CLOUD-002", "Buckets are versioned",
      CLOUD, Severity.MEDIUM, Enforcement.MANDATORY, List.of("PRE-09"),
      "An overwritten or deleted weights file cannot be brought back without versioning, and engines reloading"
          + " during a bad upload serve a broken model.",
      "AWS: `BucketVersioningV2` with `versioningConfiguration.status: Enabled`; GCP: `versioning.enabled: true`;"
          + " Azure: `BlobServiceProperties.isVersioningEnabled: true`.");

  public BucketVersioned() {
    super(INFO);
  }

  @Override
  public boolean appliesTo(Resource r) {
    return CloudTypes.isBucket(r);
  }

  @Override
  public void check(Resource bucket, RuleContext ctx, Findings out) {
    boolean versioned = switch (bucket.type()) {
      case CloudTypes.GCS_BUCKET -> bucket.input("versioning.enabled").asBoolean(false);
      case CloudTypes.AZURE_STORAGE_ACCOUNT -> CloudTypes.attached(ctx, bucket, List.of(CloudTypes.AZURE_BLOB_SERVICE)).stream()
          .anyMatch(b -> b.input("isVersioningEnabled").asBoolean(false));
      default -> bucket.input("versioning.enabled").asBoolean(false)
          || CloudTypes.attached(ctx, bucket, CloudTypes.S3_VERSIONING).stream()
              .anyMatch(v -> v.input("versioningConfiguration.status").asText().equals("Enabled"));
    };
    if (!versioned) {
      out.report(bucket, "bucket '" + bucket.name() + "' (" + bucket.type() + ") is not versioned");
    }
  }
}
