package dev.gantry.infra.k8s;

import com.pulumi.core.Output;
import java.util.Objects;
import java.util.Optional;

/**
 * The cloud secret store that gateway secrets are synced from. Gantry installs External
 * Secrets Operator, points one ClusterSecretStore at the cloud's store, and lets an
 * ExternalSecret materialise the master key and database URL as a Kubernetes Secret the
 * gateway reads through {@code secretKeyRef}; no secret value ever appears in a plan.
 * The operator authenticates with the identity of its own service account (IRSA, GKE
 * Workload Identity or Azure Workload Identity), given in {@link #identity()}. A stack on an
 * existing cluster has no cloud store: {@link PulumiSecrets} writes plain Kubernetes Secrets from
 * the stack's Pulumi secrets (encrypted in config and state, marked secret in every plan).
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

  /**
   * No cloud store (an existing cluster): Kubernetes Secrets made from the stack's Pulumi secrets.
   *
   * @param gatewayMasterKey     the gateway's admin master key
   * @param databaseUrl          the usage ledger's PostgreSQL URL (with its password)
   * @param grafanaAdminPassword Grafana's admin password
   * @param hfToken              Hugging Face token for gated models, if the stack sets one
   */
  record PulumiSecrets(Output<String> gatewayMasterKey, Output<String> databaseUrl, Output<String> grafanaAdminPassword,
      Optional<Output<String>> hfToken) implements SecretStoreSpec {
    public PulumiSecrets {
      Objects.requireNonNull(gatewayMasterKey, "secretStore.gatewayMasterKey is missing; set gantry:gatewayMasterKey as a secret");
      Objects.requireNonNull(databaseUrl, "secretStore.databaseUrl");
      Objects.requireNonNull(grafanaAdminPassword,
          "secretStore.grafanaAdminPassword is missing; set gantry:grafanaAdminPassword as a secret");
      hfToken = hfToken == null ? Optional.empty() : hfToken;
    }

    @Override
    public WorkloadIdentity identity() {
      return WorkloadIdentity.none();
    }
  }
}
