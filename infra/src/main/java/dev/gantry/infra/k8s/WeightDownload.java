package dev.gantry.infra.k8s;

import java.util.List;

/**
 * The init container's job: copy one model revision from the model bucket to the pod's local
 * model volume with rclone. rclone speaks S3, GCS and Azure Blob with the ambient workload
 * identity ({@code env_auth}), so one image serves all three clouds; its "on-the-fly" remote
 * syntax needs no config file.
 */
final class WeightDownload {
  static final String MODEL_ROOT = "/models";

  private WeightDownload() {}

  /** rclone remote path for {@code <bucketUri>/<model>/<revision>}. */
  static String remote(String bucketUri, String model, String revision) {
    String suffix = "/" + model + "/" + revision;
    if (bucketUri.startsWith("s3://")) {
      return ":s3,provider=AWS,env_auth=true:" + bucketUri.substring("s3://".length()) + suffix;
    }
    if (bucketUri.startsWith("gs://")) {
      return ":gcs,env_auth=true,bucket_policy_only=true:" + bucketUri.substring("gs://".length()) + suffix;
    }
    if (bucketUri.startsWith("az://")) {
      String rest = bucketUri.substring("az://".length());
      int slash = rest.indexOf('/');
      return ":azureblob,env_auth=true,account=" + rest.substring(0, slash) + ":" + rest.substring(slash + 1) + suffix;
    }
    throw new IllegalArgumentException("modelBucketUri: '" + bucketUri + "' has no supported scheme; use s3://, gs:// or az://");
  }

  /** Local directory the engine loads the model from. */
  static String localDir(String model) {
    return MODEL_ROOT + "/" + model;
  }

  /** rclone arguments: checksummed, parallel copy into the model volume. */
  static List<String> rcloneArgs(String bucketUri, String model, String revision) {
    return List.of(
        "copy",
        "--checksum",
        "--transfers=16",
        "--multi-thread-streams=8",
        "--retries=5",
        "--stats=30s",
        "--stats-one-line",
        remote(bucketUri, model, revision),
        localDir(model));
  }
}
