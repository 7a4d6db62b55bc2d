package dev.gantry.infra.azure;

import com.pulumi.azurenative.keyvault.Secret;
import com.pulumi.azurenative.keyvault.SecretArgs;
import com.pulumi.azurenative.keyvault.Vault;
import com.pulumi.azurenative.keyvault.VaultArgs;
import com.pulumi.azurenative.keyvault.enums.SkuFamily;
import com.pulumi.azurenative.keyvault.enums.SkuName;
import com.pulumi.azurenative.keyvault.inputs.SecretPropertiesArgs;
import com.pulumi.azurenative.keyvault.inputs.SkuArgs;
import com.pulumi.azurenative.keyvault.inputs.VaultPropertiesArgs;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResourceOptions;
import dev.gantry.infra.GantryComponent;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The stack's secrets in Azure Key Vault ({@code gantry:azure:Secrets}), the Azure twin of
 * {@code dev.gantry.infra.aws.SecretStore}: a vault with Azure RBAC authorization (no access
 * policies), soft delete for {@code softDeleteDays} and purge protection, holding the gateway
 * master key, the Hugging Face token, the gateway database URL and the Grafana admin
 * password as secrets named {@code <prefix>-<logical name>}. Values come from Pulumi secrets;
 * a secret not set in config is not created (Key Vault has no empty secrets) and is set by
 * an operator with {@code az keyvault secret set}. Pods read secrets through External
 * Secrets or the Secrets Store CSI driver with their workload identity.
 */
public final class SecretStore extends GantryComponent {
  public static final String GATEWAY_MASTER_KEY = dev.gantry.infra.aws.SecretStore.GATEWAY_MASTER_KEY;
  public static final String HF_TOKEN = dev.gantry.infra.aws.SecretStore.HF_TOKEN;
  public static final String GATEWAY_DATABASE_URL = dev.gantry.infra.aws.SecretStore.GATEWAY_DATABASE_URL;
  public static final String GRAFANA_ADMIN = dev.gantry.infra.aws.SecretStore.GRAFANA_ADMIN;

  /**
   * @param resourceGroup        resource group
   * @param location             Azure region
   * @param tenantId             Entra ID tenant of the vault
   * @param vaultName            vault name (3-24 letters, digits, '-', global)
   * @param namePrefix           secret name prefix (letters, digits, '-')
   * @param gatewayMasterKey     value of the master key, when set in config
   * @param hfToken              value of the Hugging Face token, when set in config
   * @param databaseUrl          the gateway's database connection URL
   * @param grafanaAdminSecretName exact name of the Grafana admin password secret
   * @param grafanaAdminPassword its value, when set in config
   * @param softDeleteDays       days a deleted secret stays recoverable (7..90)
   * @param tags                 tags on every resource
   */
  public record Args(Output<String> resourceGroup, String location, Output<String> tenantId, String vaultName,
      String namePrefix, Optional<Output<String>> gatewayMasterKey, Optional<Output<String>> hfToken,
      Optional<Output<String>> databaseUrl, String grafanaAdminSecretName, Optional<Output<String>> grafanaAdminPassword,
      int softDeleteDays, Map<String, String> tags) {
    public Args {
      Objects.requireNonNull(resourceGroup, "resourceGroup");
      Objects.requireNonNull(location, "location");
      Objects.requireNonNull(tenantId, "tenantId");
      Objects.requireNonNull(gatewayMasterKey, "gatewayMasterKey");
      Objects.requireNonNull(hfToken, "hfToken");
      Objects.requireNonNull(databaseUrl, "databaseUrl");
      Objects.requireNonNull(grafanaAdminPassword, "grafanaAdminPassword");
      if (vaultName == null || !vaultName.matches("[A-Za-z][-A-Za-z0-9]{1,22}[A-Za-z0-9]") || vaultName.contains("--")) {
        throw new IllegalArgumentException("Key Vault name '" + vaultName
            + "' must be 3-24 letters, digits and single '-', starting with a letter");
      }
      for (String n : new String[] {namePrefix, grafanaAdminSecretName}) {
        if (n == null || !n.matches("[A-Za-z0-9-]{1,100}")) {
          throw new IllegalArgumentException("Key Vault secret name '" + n + "' may only hold letters, digits and '-'");
        }
      }
      if (softDeleteDays < 7 || softDeleteDays > 90) {
        throw new IllegalArgumentException("Key Vault soft delete of " + softDeleteDays + " days must be within [7, 90]");
      }
      tags = Map.copyOf(tags == null ? Map.of() : tags);
    }
  }

  private final Output<String> vaultId;
  private final Output<String> vaultUrl;
  private final Map<String, String> names = new LinkedHashMap<>();

  public SecretStore(String name, Args args, ComponentResourceOptions options) {
    super("azure", "Secrets", name, options);
    var vault = new Vault(name + "-vault", VaultArgs.builder()
        .resourceGroupName(args.resourceGroup())
        .location(args.location())
        .vaultName(args.vaultName())
        .properties(VaultPropertiesArgs.builder()
            .tenantId(args.tenantId())
            .sku(SkuArgs.builder().family(SkuFamily.A).name(SkuName.Standard).build())
            .enableRbacAuthorization(true)
            .enableSoftDelete(true)
            .softDeleteRetentionInDays(args.softDeleteDays())
            .enablePurgeProtection(true)
            .build())
        .tags(tags(args.tags(), args.vaultName()))
        .build(), child());
    secret(name, args, vault, GATEWAY_MASTER_KEY, args.namePrefix() + "-" + GATEWAY_MASTER_KEY, args.gatewayMasterKey());
    secret(name, args, vault, HF_TOKEN, args.namePrefix() + "-" + HF_TOKEN, args.hfToken());
    secret(name, args, vault, GATEWAY_DATABASE_URL, args.namePrefix() + "-" + GATEWAY_DATABASE_URL, args.databaseUrl());
    secret(name, args, vault, GRAFANA_ADMIN, args.grafanaAdminSecretName(), args.grafanaAdminPassword());
    this.vaultId = vault.id();
    this.vaultUrl = Output.of("https://" + args.vaultName() + ".vault.azure.net");
    registerOutputs(Map.of("vaultId", vaultId, "vaultUrl", vaultUrl));
  }

  private void secret(String name, Args args, Vault vault, String logical, String secretName, Optional<Output<String>> value) {
    value.ifPresent(v -> new Secret(name + "-" + logical, SecretArgs.builder()
        .resourceGroupName(args.resourceGroup())
        .vaultName(vault.name())
        .secretName(secretName)
        .properties(SecretPropertiesArgs.builder().value(v.asSecret()).build())
        .build(), child()));
    names.put(logical, secretName);
  }

  /** Resource id of the vault, the scope of read grants. */
  public Output<String> vaultId() {
    return vaultId;
  }

  /** {@code https://<vault>.vault.azure.net}. */
  public Output<String> vaultUrl() {
    return vaultUrl;
  }

  /** Secret name by logical name. */
  public String secretName(String logical) {
    return Objects.requireNonNull(names.get(logical), () -> "no secret " + logical);
  }
}
