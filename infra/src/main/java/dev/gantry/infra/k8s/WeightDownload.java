package dev.gantry.infra.k8s;

import java.util.List;

/**
 * The init container's job: copy one model revision from the model bucket to the pod's local
 * model volume with rclone. rclone speaks S3, GCS and Azure Blob with the ambient workload
 * identity ({@code env_auth}), so one image serves all three clouds; its "on-the-fly" remote
 * syntax needs no config file. A stack without a bucket (an existing cluster) fetches the
 * pinned revision from Hugging Face instead, with curl: the Hub API lists the revision's files
 * and each one is fetched from {@code resolve/<revision>/}, so what runs is that commit's bytes.
 */
final class WeightDownload {
  static final String MODEL_ROOT = "/models";
  static final String HF_SCHEME = "hf://";
  static final String HF_ENDPOINT = "https://huggingface.co";
  /** Secret (optional) holding a Hugging Face token under {@value #HF_TOKEN_KEY}, for gated models. */
  static final String HF_TOKEN_SECRET = "gantry-hf-token";
  static final String HF_TOKEN_KEY = "token";

  /**
   * POSIX sh run by the curl image: $1 repository, $2 revision, $3 target directory. Only the
   * files an engine loads are fetched (config and tokenizer JSON, safetensors, tokenizer.model);
   * {@code -C -} resumes a partial file after a container restart.
   */
  static final String HF_SCRIPT = String.join("\n",
      "set -eu",
      "repo=\"$1\"; rev=\"$2\"; dir=\"$3\"",
      "api=\"" + HF_ENDPOINT + "/api/models/$repo/revision/$rev\"",
      "curl -fsSL --retry 5 --retry-all-errors ${HF_TOKEN:+-H \"Authorization: Bearer $HF_TOKEN\"} -o /tmp/files.json \"$api\"",
      "files=$(grep -o '\"rfilename\":\"[^\"]*\"' /tmp/files.json | cut -d'\"' -f4"
          + " | grep -E '(\\.json|\\.safetensors|tokenizer\\.model)$' || true)",
      "[ -n \"$files\" ] || { echo \"no config or safetensors files listed at $api\" >&2; exit 1; }",
      "for f in $files; do",
      "  mkdir -p \"$dir/$(dirname \"$f\")\"",
      "  curl -fSL --retry 5 --retry-all-errors -C - ${HF_TOKEN:+-H \"Authorization: Bearer $HF_TOKEN\"}"
          + " -o \"$dir/$f\" \"" + HF_ENDPOINT + "/$repo/resolve/$rev/$f\"",
      "done",
      "echo \"fetched $(echo \"$files\" | wc -l) files of $repo@$rev\"");

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

  /** The curl image's command: {@code sh -c HF_SCRIPT} with repository, revision and target directory. */
  static List<String> huggingFaceCommand(String modelSource, String model, String revision) {
    if (!modelSource.startsWith(HF_SCHEME)) {
      throw new IllegalArgumentException("modelSource: '" + modelSource + "' is not an hf:// source; without a model bucket"
          + " weights can only come from Hugging Face");
    }
    return List.of("sh", "-c", HF_SCRIPT, "download-weights", modelSource.substring(HF_SCHEME.length()), revision,
        localDir(model));
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
