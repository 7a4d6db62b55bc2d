package dev.gantry.infra.azure;

import com.pulumi.azurenative.dbforpostgresql.Server;
import com.pulumi.azurenative.dbforpostgresql.ServerArgs;
import com.pulumi.azurenative.dbforpostgresql.inputs.BackupArgs;
import com.pulumi.azurenative.dbforpostgresql.inputs.HighAvailabilityArgs;
import com.pulumi.azurenative.dbforpostgresql.inputs.NetworkArgs;
import com.pulumi.azurenative.dbforpostgresql.inputs.SkuArgs;
import com.pulumi.azurenative.dbforpostgresql.inputs.StorageArgs;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import dev.gantry.infra.GantryComponent;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Azure Database for PostgreSQL Flexible Server for the gateway ({@code gantry:azure:Database}),
 * the Azure twin of {@code dev.gantry.infra.aws.Database}: VNet-integrated (a delegated subnet
 * and a private DNS zone, no public endpoint), automated backups kept
 * {@code backupRetentionDays} with point-in-time restore, optionally geo-redundant, zone-
 * redundant high availability when asked, and the database. Azure has no deletion-protection
 * flag on the server, so the Pulumi resource is {@code protect}ed instead: deleting it needs an
 * explicit {@code pulumi state unprotect}.
 */
public final class Database extends GantryComponent {
  public static final String DATABASE = dev.gantry.infra.aws.Database.DATABASE;
  public static final String USER = dev.gantry.infra.aws.Database.USER;
  /** Major versions the Flexible Server API of azure-native 2.10 offers. */
  public static final List<String> VERSIONS = List.of("11", "12", "13", "14");

  /**
   * @param resourceGroup       resource group
   * @param location            Azure region
   * @param serverName          server name (global DNS label)
   * @param version             PostgreSQL major version, one of {@link #VERSIONS}
   * @param sku                 SKU, e.g. {@code Standard_D2ds_v5}; the tier follows from the series (B, D, E)
   * @param storageGiB          storage size
   * @param backupRetentionDays backups kept (7..35)
   * @param geoRedundantBackup  copy backups to the paired region
   * @param highAvailability    zone-redundant standby
   * @param protect             refuse deletion through Pulumi
   * @param subnetId            subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers
   * @param privateDnsZoneId    private DNS zone linked to the VNet
   * @param password            administrator password (a Pulumi secret)
   * @param tags                tags on every resource
   */
  public record Args(Output<String> resourceGroup, String location, String serverName, String version, String sku,
      int storageGiB, int backupRetentionDays, boolean geoRedundantBackup, boolean highAvailability, boolean protect,
      Output<String> subnetId, Output<String> privateDnsZoneId, Output<String> password, Map<String, String> tags) {
    public Args {
      Objects.requireNonNull(resourceGroup, "resourceGroup");
      Objects.requireNonNull(location, "location");
      Objects.requireNonNull(subnetId, "subnetId");
      Objects.requireNonNull(privateDnsZoneId, "privateDnsZoneId");
      Objects.requireNonNull(password, "password");
      if (serverName == null || !serverName.matches("[a-z0-9][-a-z0-9]{1,61}[a-z0-9]")) {
        throw new IllegalArgumentException("PostgreSQL server name '" + serverName + "' must be 3-63 lower-case letters, digits and '-'");
      }
      if (!VERSIONS.contains(version)) {
        throw new IllegalArgumentException("PostgreSQL " + version + " is not offered by this Flexible Server API; use one of " + VERSIONS);
      }
      if (sku == null || !sku.matches("Standard_[BDE][A-Za-z0-9_]+")) {
        throw new IllegalArgumentException("Flexible Server SKU '" + sku + "' is not a B, D or E series SKU like 'Standard_D2ds_v5'");
      }
      if (backupRetentionDays < dev.gantry.infra.aws.Database.MIN_BACKUP_DAYS || backupRetentionDays > 35) {
        throw new IllegalArgumentException("Backup retention " + backupRetentionDays + " days must be within ["
            + dev.gantry.infra.aws.Database.MIN_BACKUP_DAYS + ", 35]");
      }
      if (storageGiB < 32) {
        throw new IllegalArgumentException("Storage of " + storageGiB + " GiB is below the 32 GiB Flexible Server minimum");
      }
      tags = Map.copyOf(tags == null ? Map.of() : tags);
    }

    /** Burstable, GeneralPurpose or MemoryOptimized, from the SKU's series. */
    public String tier() {
      return switch (sku.charAt("Standard_".length())) {
        case 'B' -> "Burstable";
        case 'E' -> "MemoryOptimized";
        default -> "GeneralPurpose";
      };
    }
  }

  private final Output<String> address;
  private final Output<String> connectionUrl;

  public Database(String name, Args args, ComponentResourceOptions options) {
    super("azure", "Database", name, options);
    var server = new Server(name + "-server", ServerArgs.builder()
        .resourceGroupName(args.resourceGroup())
        .location(args.location())
        .serverName(args.serverName())
        .version(args.version())
        .sku(SkuArgs.builder().name(args.sku()).tier(args.tier()).build())
        .storage(StorageArgs.builder().storageSizeGB(args.storageGiB()).build())
        .administratorLogin(USER)
        .administratorLoginPassword(args.password())
        .backup(BackupArgs.builder()
            .backupRetentionDays(args.backupRetentionDays())
            .geoRedundantBackup(args.geoRedundantBackup() ? "Enabled" : "Disabled")
            .build())
        .highAvailability(HighAvailabilityArgs.builder().mode(args.highAvailability() ? "ZoneRedundant" : "Disabled").build())
        .network(NetworkArgs.builder()
            .delegatedSubnetResourceId(args.subnetId())
            .privateDnsZoneArmResourceId(args.privateDnsZoneId())
            .build())
        .tags(tags(args.tags(), args.serverName()))
        .build(), CustomResourceOptions.builder().parent(this).protect(args.protect())
            .additionalSecretOutputs("administratorLoginPassword").build());
    new com.pulumi.azurenative.dbforpostgresql.Database(name + "-database",
        com.pulumi.azurenative.dbforpostgresql.DatabaseArgs.builder()
            .resourceGroupName(args.resourceGroup())
            .serverName(server.name())
            .databaseName(DATABASE)
            .charset("UTF8")
            .collation("en_US.utf8")
            .build(), child());
    this.address = server.fullyQualifiedDomainName();
    this.connectionUrl = Output.tuple(address, args.password())
        .applyValue(t -> "postgresql://" + USER + ":" + URLEncoder.encode(t.t2, StandardCharsets.UTF_8) + "@" + t.t1
            + ":5432/" + DATABASE + "?sslmode=require")
        .asSecret();
    registerOutputs(Map.of("address", address));
  }

  /** Fully qualified private DNS name of the server. */
  public Output<String> address() {
    return address;
  }

  /** The gateway's connection URL with the password: a secret output. */
  public Output<String> connectionUrl() {
    return connectionUrl;
  }
}
