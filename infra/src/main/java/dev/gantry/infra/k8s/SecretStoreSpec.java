package dev.gantry.infra.k8s;

/**
 * The cloud secret store that gateway secrets are synced from. Gantry installs External
 * Secrets Operator, points one ClusterSecretStore at the cloud's store, and lets an
 * ExternalSecret materialise the master key and database URL as a Kubernetes Secret the
 * gateway reads through {@code secretKeyRef}; no secret value ever appears in a plan.
 * The operator authenticates with the identity of its own service account (IRSA, GKE
 * Workload Identity or Azure Workload Identity), given in {@link #identity()}.
 */
public sealed interface SecretStoreSpec {

  /** Annotations for the External Secrets controller's service account. */
  WorkloadIdentity identity();

  /** AWS Secrets Manager in {@code region}. */
  record AwsSecretsManager(String region, WorkloadIdentity identity) implements SecretStoreSpec {
    public AwsSecretsManager {
      Check.nonBlank("secretStore.region", region);
      identity = identity == null ? WorkloadIdentity.none() : identity;
    }
  }

  /** Google Secret Manager of {@code projectId}. */
  record GcpSecretManager(String projectId, WorkloadIdentity identity) implements SecretStoreSpec {
    public GcpSecretManager {
      Check.nonBlank("secretStore.projectId", projectId);
      identity = identity == null ? WorkloadIdentity.none() : identity;
    }
  }

  /** Azure Key Vault at {@code vaultUrl}. */
  record AzureKeyVault(String vaultUrl, WorkloadIdentity identity) implements SecretStoreSpec {
    public AzureKeyVault {
      Check.nonBlank("secretStore.vaultUrl", vaultUrl);
      if (!vaultUrl.startsWith("https://")) {
        throw new IllegalArgumentException("secretStore.vaultUrl: '" + vaultUrl
            + "' must be the vault's https:// URL, e.g. https://my-vault.vault.azure.net");
      }
      identity = identity == null ? WorkloadIdentity.none() : identity;
    }
  }
}
