package dev.gantry.infra.k8s;

import com.pulumi.core.Output;
import com.pulumi.kubernetes.core.v1.Namespace;
import com.pulumi.kubernetes.core.v1.NamespaceArgs;
import com.pulumi.kubernetes.meta.v1.inputs.ObjectMetaArgs;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Gantry's namespaces with Pod Security Admission labels: serving enforces {@code restricted}
 * (only our hardened pods run there), ingress {@code baseline}, system and monitoring
 * {@code privileged} (device plugin host paths, node exporter host network) while warning and
 * auditing at a stricter level so drift is visible. Type token {@code gantry:k8s:Namespaces}.
 */
public final class Namespaces extends ComponentResource {
  static final String PSA = "pod-security.kubernetes.io/";

  private final Map<String, Resource> byName = new LinkedHashMap<>();

  public Namespaces(String name, NamespaceNames names, ComponentResourceOptions options) {
    super("gantry:k8s:Namespaces", name, options);
    create(names.serving(), "restricted", "restricted");
    create(names.ingress(), "baseline", "restricted");
    create(names.system(), "privileged", "baseline");
    create(names.monitoring(), "privileged", "baseline");
    registerOutputs(Map.of("names", Output.of(byName.keySet().stream().toList())));
  }

  /** Namespace resources by name, for dependsOn. */
  public Map<String, Resource> byName() {
    return Map.copyOf(byName);
  }

  private void create(String namespace, String enforce, String warn) {
    Map<String, String> labels = Labels.withCommon(Map.of());
    labels.put(PSA + "enforce", enforce);
    labels.put(PSA + "enforce-version", "latest");
    labels.put(PSA + "warn", warn);
    labels.put(PSA + "audit", warn);
    byName.put(namespace, new Namespace(namespace, NamespaceArgs.builder()
        .metadata(ObjectMetaArgs.builder().name(namespace).labels(labels).build())
        .build(), CustomResourceOptions.builder().parent(this).build()));
  }
}
