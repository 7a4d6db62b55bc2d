package dev.gantry.infra.k8s;

import com.pulumi.core.Output;
import com.pulumi.core.annotations.Export;
import com.pulumi.core.annotations.Import;
import com.pulumi.kubernetes.meta.v1.inputs.ObjectMetaArgs;
import com.pulumi.resources.CustomResource;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.ResourceArgs;
import java.util.Map;

/**
 * An instance of a CRD (ServiceMonitor, PrometheusRule, ClusterIssuer, ExternalSecret, ...).
 * The kubernetes 4.0.0 Java SDK has no {@code apiextensions.CustomResource}, so this does what
 * it does in the other SDKs: register type {@code kubernetes:<apiVersion>:<kind>} with
 * {@code apiVersion}, {@code kind}, {@code metadata} and {@code spec} inputs; the kubernetes
 * provider handles any such type generically.
 */
public final class KubeObject extends CustomResource {

  @Export(name = "apiVersion", refs = {String.class}, tree = "[0]")
  private Output<String> apiVersion;

  @Export(name = "kind", refs = {String.class}, tree = "[0]")
  private Output<String> kind;

  /** Creates the object; {@code options} must carry the CRD's installer in dependsOn. */
  public KubeObject(String name, Args args, CustomResourceOptions options) {
    super("kubernetes:" + args.apiVersionValue + ":" + args.kindValue, name, args, options);
  }

  public Output<String> apiVersion() {
    return apiVersion;
  }

  public Output<String> kind() {
    return kind;
  }

  /** The object's fields; {@code spec} is free-form because CRD schemas are not in the SDK. */
  public static final class Args extends ResourceArgs {
    @Import(name = "apiVersion", required = true)
    private final Output<String> apiVersion;

    @Import(name = "kind", required = true)
    private final Output<String> kind;

    @Import(name = "metadata")
    private final Output<ObjectMetaArgs> metadata;

    @Import(name = "spec")
    private final Output<Map<String, Object>> spec;

    private final transient String apiVersionValue;
    private final transient String kindValue;

    public Args(String apiVersion, String kind, ObjectMetaArgs metadata, Map<String, Object> spec) {
      this.apiVersionValue = Check.nonBlank("apiVersion", apiVersion);
      this.kindValue = Check.nonBlank("kind", kind);
      this.apiVersion = Output.of(apiVersion);
      this.kind = Output.of(kind);
      this.metadata = Output.of(metadata);
      this.spec = Output.of(spec);
    }
  }
}
