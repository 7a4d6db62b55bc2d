package dev.gantry.infra.azure;

import com.pulumi.azurenative.storage.BlobContainer;
import com.pulumi.azurenative.storage.BlobContainerArgs;
import com.pulumi.azurenative.storage.BlobServiceProperties;
import com.pulumi.azurenative.storage.BlobServicePropertiesArgs;
import com.pulumi.azurenative.storage.StorageAccount;
import com.pulumi.azurenative.storage.StorageAccountArgs;
import com.pulumi.azurenative.storage.enums.Kind;
import com.pulumi.azurenative.storage.enums.MinimumTlsVersion;
import com.pulumi.azurenative.storage.enums.PublicAccess;
import com.pulumi.azurenative.storage.enums.SkuName;
import com.pulumi.azurenative.storage.inputs.DeleteRetentionPolicyArgs;
import com.pulumi.azurenative.storage.inputs.SkuArgs;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResourceOptions;
import dev.gantry.infra.GantryComponent;
import java.util.Map;
import java.util.Objects;

/**
 * The storage account and Blob container that hold model weights
 * ({@code gantry:azure:ModelStorage}), the Azure twin of {@code dev.gantry.infra.aws.ModelStorage}:
 * zone-redundant, HTTPS and TLS 1.2 only, no public blob access and no shared keys (engines
 * read with their Entra ID workload identity), blob versioning, and soft delete of blobs and
 * containers for {@value #SOFT_DELETE_DAYS} days. Azure Storage always encrypts at rest.
 */
public final class ModelStorage extends GantryComponent {
  public static final int SOFT_DELETE_DAYS = 30;

  /**
   * @param resourceGroup  resource group
   * @param location       Azure region
   * @param accountName    storage account name (3-24 lower-case letters and digits, global)
   * @param containerName  Blob container of the weights
   * @param tags           tags on every resource
   */
  public record Args(Output<String> resourceGroup, String location, String accountName, String containerName,
      Map<String, String> tags) {
    public Args {
      Objects.requireNonNull(resourceGroup, "resourceGroup");
      Objects.requireNonNull(location, "location");
      if (accountName == null || !accountName.matches("[a-z0-9]{3,24}")) {
        throw new IllegalArgumentException("Storage account name '" + accountName + "' must be 3-24 lower-case letters and digits");
      }
      if (containerName == null || !containerName.matches("[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]")) {
        throw new IllegalArgumentException("Blob container name '" + containerName
            + "' must be 3-63 lower-case letters, digits and single '-', starting and ending with a letter or digit");
      }
      tags = Map.copyOf(tags == null ? Map.of() : tags);
    }
  }

  private final Output<String> accountId;
  private final String uri;

  public ModelStorage(String name, Args args, ComponentResourceOptions options) {
    super("azure", "ModelStorage", name, options);
    var account = new StorageAccount(name + "-account", StorageAccountArgs.builder()
        .resourceGroupName(args.resourceGroup())
        .location(args.location())
        .accountName(args.accountName())
        .kind(Kind.StorageV2)
        .sku(SkuArgs.builder().name(SkuName.Standard_ZRS).build())
        .allowBlobPublicAccess(false)
        .allowSharedKeyAccess(false)
        .defaultToOAuthAuthentication(true)
        .enableHttpsTrafficOnly(true)
        .minimumTlsVersion(MinimumTlsVersion.TLS1_2)
        .tags(tags(args.tags(), args.accountName()))
        .build(), child());
    new BlobServiceProperties(name + "-blob-service", BlobServicePropertiesArgs.builder()
        .resourceGroupName(args.resourceGroup())
        .accountName(account.name())
        .blobServicesName("default")
        .isVersioningEnabled(true)
        .deleteRetentionPolicy(DeleteRetentionPolicyArgs.builder().enabled(true).days(SOFT_DELETE_DAYS).build())
        .containerDeleteRetentionPolicy(DeleteRetentionPolicyArgs.builder().enabled(true).days(SOFT_DELETE_DAYS).build())
        .build(), child(account));
    new BlobContainer(name + "-container", BlobContainerArgs.builder()
        .resourceGroupName(args.resourceGroup())
        .accountName(account.name())
        .containerName(args.containerName())
        .publicAccess(PublicAccess.None)
        .build(), child(account));
    this.accountId = account.id();
    this.uri = "az://" + args.accountName() + "/" + args.containerName();
    registerOutputs(Map.of("accountId", accountId, "uri", Output.of(uri)));
  }

  /** Resource id of the storage account, the scope of read grants. */
  public Output<String> accountId() {
    return accountId;
  }

  /** {@code az://<account>/<container>}. */
  public String uri() {
    return uri;
  }
}
