package dev.gantry.infra.k8s;

import com.pulumi.core.Output;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Service-account annotations that bind a Kubernetes service account to a cloud identity
 * (e.g. {@code eks.amazonaws.com/role-arn}, {@code iam.gke.io/gcp-service-account},
 * {@code azure.workload.identity/client-id}). Values are outputs because the role or
 * identity is created by the cloud stack in the same deployment.
 *
 * @param annotations annotation name to value
 */
public record WorkloadIdentity(Map<String, Output<String>> annotations) {

  public WorkloadIdentity {
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
  }

  /** No cloud identity: node credentials or none. */
  public static WorkloadIdentity none() {
    return new WorkloadIdentity(Map.of());
  }

  /** One annotation. */
  public static WorkloadIdentity of(String annotation, Output<String> value) {
    return new WorkloadIdentity(Map.of(Check.nonBlank("identity annotation", annotation), value));
  }

  /** Annotation that names the Azure managed identity of a service account. */
  static final String AZURE_CLIENT_ID = "azure.workload.identity/client-id";

  /**
   * Labels the identity needs on the pods themselves: Azure Workload Identity's webhook only
   * injects the federated token into pods labelled {@code azure.workload.identity/use: "true"};
   * IRSA and GKE Workload Identity need none.
   */
  Map<String, String> podLabels() {
    return annotations.containsKey(AZURE_CLIENT_ID) ? Map.of("azure.workload.identity/use", "true") : Map.of();
  }

  /** The annotations as one output map, sorted by name for stable plans. */
  Output<Map<String, String>> asOutput() {
    List<String> keys = annotations.keySet().stream().sorted().toList();
    List<Output<String>> values = keys.stream().map(annotations::get).toList();
    return Output.all(values).applyValue(resolved -> {
      Map<String, String> map = new TreeMap<>();
      for (int i = 0; i < keys.size(); i++) {
        map.put(keys.get(i), resolved.get(i));
      }
      return map;
    });
  }
}
