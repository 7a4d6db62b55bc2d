package dev.gantry.infra.k8s;

import com.pulumi.core.Output;
import com.pulumi.kubernetes.core.v1.Secret;
import com.pulumi.kubernetes.core.v1.SecretArgs;
import com.pulumi.kubernetes.helm.v3.Release;
import com.pulumi.kubernetes.meta.v1.inputs.ObjectMetaArgs;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import java.util.List;
import java.util.Map;

/**
 * Syncs secrets from the cloud secret store into Kubernetes Secrets with External Secrets
 * Operator: the operator's Helm release (its service account carries the cloud identity), a
 * ClusterSecretStore for the cloud's store, and ExternalSecrets for the gateway (master key,
 * database URL) and Grafana's admin password. Plans and stack state only ever hold the
 * secret-store key names. Type token {@code gantry:k8s:SecretSync}.
 */
public final class SecretSync extends ComponentResource {
  /** The Kubernetes Secret the gateway reads. */
  public static final String GATEWAY_SECRET = "gantry-gateway-secrets";
  public static final String GATEWAY_MASTER_KEY = "master-key";
  public static final String GATEWAY_DATABASE_URL = "database-url";
  /** The Kubernetes Secret Grafana reads its admin credentials from. */
  public static final String GRAFANA_SECRET = "grafana-admin";
  static final String STORE_NAME = "gantry-secret-store";
  static final String API_VERSION = "external-secrets.io/v1beta1";

  private final Resource gatewaySecret;
  private final Resource grafanaSecret;

  public SecretSync(String name, ServingWorkloadsArgs args, Map<String, Resource> namespaces,
      ComponentResourceOptions options) {
    super("gantry:k8s:SecretSync", name, options);
    NamespaceNames ns = args.namespaces();
    if (args.secretStore() instanceof SecretStoreSpec.PulumiSecrets pulumi) {
      // No cloud store to sync from, hence no operator: the Secrets are written directly, their values
      // Pulumi secrets (encrypted in config and state, redacted in plans).
      this.gatewaySecret = secret(SecretSync.GATEWAY_SECRET, ns.serving(), Map.of(
          GATEWAY_MASTER_KEY, pulumi.gatewayMasterKey(), GATEWAY_DATABASE_URL, pulumi.databaseUrl()),
          namespaces.get(ns.serving()));
      this.grafanaSecret = secret(GRAFANA_SECRET, ns.monitoring(), Map.of(
          "admin-user", Output.of("admin"), "admin-password", pulumi.grafanaAdminPassword()),
          namespaces.get(ns.monitoring()));
      pulumi.hfToken().ifPresent(token -> secret(WeightDownload.HF_TOKEN_SECRET, ns.serving(),
          Map.of(WeightDownload.HF_TOKEN_KEY, token), namespaces.get(ns.serving())));
      registerOutputs(Map.of("gatewaySecretName", Output.of(GATEWAY_SECRET)));
      return;
    }
    Output<Map<String, Object>> values = args.secretStore().identity().asOutput().applyValue(annotations -> Charts.map(
        "installCRDs", true,
        "replicaCount", 2,
        "serviceAccount", Charts.map("name", "external-secrets", "annotations", annotations),
        "podLabels", args.secretStore().identity().podLabels(),
        "podDisruptionBudget", Charts.map("enabled", true, "minAvailable", 1),
        "securityContext", Charts.map("runAsNonRoot", true, "allowPrivilegeEscalation", false,
            "readOnlyRootFilesystem", true, "capabilities", Charts.map("drop", Charts.list("ALL")),
            "seccompProfile", Charts.map("type", "RuntimeDefault"))));
    Release operator = Charts.release("external-secrets", "external-secrets", Charts.EXTERNAL_SECRETS_REPO,
        args.charts().externalSecrets(), ns.system(), values,
        CustomResourceOptions.builder().parent(this).dependsOn(namespaces.get(ns.system())).build());

    KubeObject store = new KubeObject(STORE_NAME, new KubeObject.Args(API_VERSION, "ClusterSecretStore",
        ObjectMetaArgs.builder().name(STORE_NAME).labels(Labels.withCommon(Map.of())).build(),
        Charts.map("provider", provider(args.secretStore(), ns.system()))),
        CustomResourceOptions.builder().parent(this).dependsOn(operator).build());

    this.gatewaySecret = externalSecret(GATEWAY_SECRET, ns.serving(), Charts.list(
            Charts.map("secretKey", GATEWAY_MASTER_KEY,
                "remoteRef", Charts.map("key", args.gateway().masterKeySecretName())),
            Charts.map("secretKey", GATEWAY_DATABASE_URL,
                "remoteRef", Charts.map("key", args.gateway().databaseUrlSecretName()))),
        null, List.of(store, namespaces.get(ns.serving())));
    this.grafanaSecret = externalSecret(GRAFANA_SECRET, ns.monitoring(), Charts.list(
            Charts.map("secretKey", "password",
                "remoteRef", Charts.map("key", args.monitoring().grafanaAdminSecretName()))),
        Charts.map("data", Charts.map("admin-user", "admin", "admin-password", "{{ .password }}")),
        List.of(store, namespaces.get(ns.monitoring())));

    registerOutputs(Map.of("gatewaySecretName", Output.of(GATEWAY_SECRET)));
  }

  /** The ExternalSecret (or Secret) that produces the gateway's Secret; the gateway waits on it. */
  public Resource gatewaySecret() {
    return gatewaySecret;
  }

  /** The ExternalSecret (or Secret) that produces Grafana's admin Secret; kube-prometheus-stack waits on it. */
  public Resource grafanaSecret() {
    return grafanaSecret;
  }

  /** An Opaque Secret whose whole data map is a Pulumi secret, so no plan or state shows a value. */
  private Secret secret(String secretName, String namespace, Map<String, Output<String>> data, Resource namespaceResource) {
    List<String> keys = data.keySet().stream().sorted().toList();
    Output<Map<String, String>> values = Output.all(keys.stream().map(data::get).toList()).applyValue(list -> {
      Map<String, String> m = new java.util.TreeMap<>();
      for (int i = 0; i < keys.size(); i++) {
        m.put(keys.get(i), list.get(i));
      }
      return m;
    }).asSecret();
    return new Secret(secretName, SecretArgs.builder()
        .metadata(Pods.meta(secretName, namespace, Labels.withCommon(Map.of())))
        .type("Opaque")
        .stringData(values)
        .build(), CustomResourceOptions.builder().parent(this).dependsOn(namespaceResource).build());
  }

  private KubeObject externalSecret(String secretName, String namespace, List<Object> data,
      Map<String, Object> template, List<Resource> dependsOn) {
    Map<String, Object> target = Charts.map("name", secretName, "creationPolicy", "Owner");
    if (template != null) {
      target.put("template", template);
    }
    return new KubeObject(secretName, new KubeObject.Args(API_VERSION, "ExternalSecret",
        Pods.meta(secretName, namespace, Labels.withCommon(Map.of())),
        Charts.map(
            "refreshInterval", "1h",
            "secretStoreRef", Charts.map("kind", "ClusterSecretStore", "name", STORE_NAME),
            "target", target,
            "data", data)),
        CustomResourceOptions.builder().parent(this).dependsOn(dependsOn).build());
  }

  /** The ClusterSecretStore provider block; no explicit auth means "the operator's own identity". */
  static Map<String, Object> provider(SecretStoreSpec store, String operatorNamespace) {
    return switch (store) {
      case SecretStoreSpec.AwsSecretsManager aws -> Charts.map(
          "aws", Charts.map("service", "SecretsManager", "region", aws.region()));
      case SecretStoreSpec.GcpSecretManager gcp -> Charts.map(
          "gcpsm", Charts.map("projectID", gcp.projectId()));
      case SecretStoreSpec.AzureKeyVault azure -> Charts.map(
          "azurekv", Charts.map("vaultUrl", azure.vaultUrl(), "authType", "WorkloadIdentity",
              "serviceAccountRef", Charts.map("name", "external-secrets", "namespace", operatorNamespace)));
      case SecretStoreSpec.PulumiSecrets pulumi ->
          throw new IllegalStateException("Pulumi secrets are written as Secrets, not synced through a ClusterSecretStore");
    };
  }
}
