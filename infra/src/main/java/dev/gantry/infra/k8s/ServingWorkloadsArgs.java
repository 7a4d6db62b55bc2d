package dev.gantry.infra.k8s;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Everything {@link ServingWorkloads} deploys into a cluster, as plain validated values. The
 * stacks module builds one from the typed stack config; nothing here is cloud specific except
 * the URI scheme of the model bucket and the kind of secret store.
 *
 * <p>Weights of engine {@code e} are read from {@code <modelBucketUri>/<e.name>/<e.modelRevision>/}
 * by an init container running {@code modelDownloaderImage} (an rclone image) under the
 * engine service account, which carries {@code modelReaderIdentity}. Without a bucket
 * ({@code modelBucketUri} null: an existing cluster, no cloud) the init container fetches the
 * pinned revision straight from Hugging Face with {@code modelDownloaderImage} (a curl image).
 *
 * @param namespaces           namespaces to create
 * @param modelBucketUri       {@code s3://bucket[/prefix]}, {@code gs://bucket[/prefix]} or {@code az://account/container[/prefix]};
 *                             null: no bucket, weights come from Hugging Face ({@code hf://} sources only)
 * @param modelDownloaderImage rclone image used by the weight-download init container, pinned by digest
 * @param modelReaderIdentity  annotations for the engine service account (bucket read access)
 * @param engines              one entry per served model, names and served names unique
 * @param gateway              the LLM gateway
 * @param ingress              public host, TLS and edge rate limits
 * @param monitoring           Prometheus settings and alert thresholds
 * @param secretStore          cloud secret store the gateway secrets are synced from, or the stack's Pulumi secrets
 * @param charts               Helm chart versions
 * @param database             the gateway's in-cluster PostgreSQL, or null when the database is a cloud service
 */
public record ServingWorkloadsArgs(
    NamespaceNames namespaces,
    String modelBucketUri,
    String modelDownloaderImage,
    WorkloadIdentity modelReaderIdentity,
    List<EngineSpec> engines,
    GatewaySpec gateway,
    IngressSpec ingress,
    MonitoringSpec monitoring,
    SecretStoreSpec secretStore,
    HelmCharts charts,
    DatabaseSpec database) {

  /** A stack whose gateway database is a cloud service (no in-cluster PostgreSQL). */
  public ServingWorkloadsArgs(NamespaceNames namespaces, String modelBucketUri, String modelDownloaderImage,
      WorkloadIdentity modelReaderIdentity, List<EngineSpec> engines, GatewaySpec gateway, IngressSpec ingress,
      MonitoringSpec monitoring, SecretStoreSpec secretStore, HelmCharts charts) {
    this(namespaces, modelBucketUri, modelDownloaderImage, modelReaderIdentity, engines, gateway, ingress, monitoring,
        secretStore, charts, null);
  }

  private static final Pattern BUCKET_URI = Pattern.compile("(s3|gs)://[a-z0-9][a-z0-9.\\-_]{1,62}(/[^\\s]*)?|az://[a-z0-9]{3,24}/[a-z0-9][a-z0-9\\-]{1,62}(/[^\\s]*)?");

  public ServingWorkloadsArgs {
    namespaces = namespaces == null ? NamespaceNames.defaults() : namespaces;
    if (modelBucketUri != null) {
      if (!BUCKET_URI.matcher(modelBucketUri).matches()) {
        throw new IllegalArgumentException("modelBucketUri: '" + modelBucketUri
            + "' is not a bucket URI; use s3://bucket[/prefix], gs://bucket[/prefix] or az://account/container[/prefix]");
      }
      while (modelBucketUri.endsWith("/")) {
        modelBucketUri = modelBucketUri.substring(0, modelBucketUri.length() - 1);
      }
    }
    Check.image("modelDownloaderImage", modelDownloaderImage);
    modelReaderIdentity = modelReaderIdentity == null ? WorkloadIdentity.none() : modelReaderIdentity;
    if (engines == null || engines.isEmpty()) {
      throw new IllegalArgumentException("engines: no model to serve; add at least one model to the stack");
    }
    engines = List.copyOf(engines);
    Set<String> names = new HashSet<>();
    Set<String> resourceNames = new HashSet<>();
    Set<String> served = new HashSet<>();
    for (EngineSpec engine : engines) {
      if (!names.add(engine.name())) {
        throw new IllegalArgumentException("engines: model name '" + engine.name()
            + "' appears twice; each model needs its own name");
      }
      if (!resourceNames.add(engine.resourceName())) {
        throw new IllegalArgumentException("engines: model name '" + engine.name() + "' maps to Kubernetes name '"
            + engine.resourceName() + "' like another model ('.' becomes '-'); rename one of them");
      }
      if (!served.add(engine.servedModelName())) {
        throw new IllegalArgumentException("engines: servedModelName '" + engine.servedModelName()
            + "' is used by two models; the gateway could not tell them apart");
      }
    }
    if (modelBucketUri == null) {
      for (EngineSpec engine : engines) {
        if (!engine.modelSource().startsWith(WeightDownload.HF_SCHEME)) {
          throw new IllegalArgumentException("engines: model '" + engine.name() + "' comes from '" + engine.modelSource()
              + "' but the stack has no model bucket; use an hf:// source or give the stack a bucket");
        }
      }
    }
    Objects.requireNonNull(gateway, "gateway is missing; set the gateway section of the stack");
    Objects.requireNonNull(ingress, "ingress is missing; set the ingress section of the stack");
    monitoring = monitoring == null ? MonitoringSpec.defaults() : monitoring;
    Objects.requireNonNull(secretStore, "secretStore is missing; name the cloud secret store the gateway secrets live in");
    charts = charts == null ? HelmCharts.defaults() : charts;
  }

  /** GPU pools the engines run on, in first-use order; empty when every engine runs on CPUs. */
  public List<String> gpuPools() {
    return engines.stream().filter(e -> !e.onCpu()).map(EngineSpec::pool).distinct().toList();
  }

  /** True when weights come from a bucket of the stack, false when straight from Hugging Face. */
  public boolean hasModelBucket() {
    return modelBucketUri != null;
  }
}
