package dev.gantry.policies.rules.cloud;

import static dev.gantry.policies.rules.Category.CLOUD;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/**
 * Cloud resource types the cloud rules know, and how satellite resources (an S3 bucket's
 * versioning, encryption and public-access block are separate resources) find their bucket.
 */
public final class CloudTypes {
  public static final String S3_BUCKET_V2 = "aws:s3/bucketV2:BucketV2";
  public static final String S3_BUCKET = "aws:s3/bucket:Bucket";
  public static final List<String> S3_BUCKETS = List.of(S3_BUCKET_V2, S3_BUCKET);
  public static final List<String> S3_ENCRYPTION = List.of(
      "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration");
  public static final List<String> S3_VERSIONING = List.of("aws:s3/bucketVersioningV2:BucketVersioningV2",
      "aws:s3/bucketVersioning:BucketVersioning");
  public static final String S3_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
  public static final String GCS_BUCKET = "gcp:storage/bucket:Bucket";
  public static final String AZURE_STORAGE_ACCOUNT = "azure-native:storage:StorageAccount";
  public static final String AZURE_BLOB_SERVICE = "azure-native:storage:BlobServiceProperties";

  public static final String RDS_INSTANCE = "aws:rds/instance:Instance";
  public static final String RDS_CLUSTER = "aws:rds/cluster:Cluster";
  public static final String CLOUD_SQL = "gcp:sql/databaseInstance:DatabaseInstance";
  public static final List<String> AZURE_POSTGRES = List.of("azure-native:dbforpostgresql:Server",
      "azure-native:dbforpostgresql:FlexibleServer");

  public static final String EKS_CLUSTER = "aws:eks/cluster:Cluster";
  public static final String GKE_CLUSTER = "gcp:container/cluster:Cluster";
  public static final String AKS_CLUSTER = "azure-native:containerservice:ManagedCluster";

  public static final List<String> SECRET_STORES = List.of("aws:secretsmanager/secret:Secret",
      "gcp:secretmanager/secret:Secret", "azure-native:keyvault:Secret", "azure-native:keyvault:Vault");

  /** True for a bucket-like resource of any cloud: S3 bucket, GCS bucket, Azure storage account. */
  public static boolean isBucket(Resource r) {
    return S3_BUCKETS.contains(r.type()) || r.type().equals(GCS_BUCKET) || r.type().equals(AZURE_STORAGE_ACCOUNT);
  }

  /**
   * Satellite resources of {@code bucket} among {@code types}: those that depend on it, are
   * its children, or name it in their {@code bucket} input.
   */
  public static List<Resource> attached(RuleContext ctx, Resource bucket, List<String> types) {
    String bucketName = bucket.input("bucket").asText(bucket.name());
    return types.stream().flatMap(t -> ctx.ofType(t).stream())
        .filter(s -> s.dependencies().contains(bucket.urn()) || bucket.urn().equals(s.parent())
            || s.input("bucket").asText("").equals(bucketName) || s.input("bucket").asText("").equals(bucket.urn()))
        .toList();
  }

  /** True when any CIDR in the list opens to the whole internet. */
  public static boolean anyOpen(JsonNode cidrs) {
    for (JsonNode c : cidrs) {
      String s = c.isTextual() ? c.asText() : c.path("cidrBlock").asText("");
      if (s.equals("0.0.0.0/0") || s.equals("::/0")) {
        return true;
      }
    }
    return false;
  }

  private CloudTypes() {}
}
