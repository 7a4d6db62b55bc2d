package dev.gantry.infra.gcp;

import com.pulumi.core.Output;
import com.pulumi.gcp.sql.DatabaseInstance;
import com.pulumi.gcp.sql.DatabaseInstanceArgs;
import com.pulumi.gcp.sql.User;
import com.pulumi.gcp.sql.UserArgs;
import com.pulumi.gcp.sql.inputs.DatabaseInstanceSettingsArgs;
import com.pulumi.gcp.sql.inputs.DatabaseInstanceSettingsBackupConfigurationArgs;
import com.pulumi.gcp.sql.inputs.DatabaseInstanceSettingsBackupConfigurationBackupRetentionSettingsArgs;
import com.pulumi.gcp.sql.inputs.DatabaseInstanceSettingsInsightsConfigArgs;
import com.pulumi.gcp.sql.inputs.DatabaseInstanceSettingsIpConfigurationArgs;
import com.pulumi.gcp.sql.inputs.DatabaseInstanceSettingsMaintenanceWindowArgs;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import dev.gantry.infra.GantryComponent;
import java.util.Map;
import java.util.Objects;

/**
 * Cloud SQL for PostgreSQL for the gateway's keys, budgets and usage ledger
 * ({@code gantry:gcp:Database}), the GCP twin of {@code dev.gantry.infra.aws.Database}: a
 * private IP only (reached over the VPC's private services connection, no public IP),
 * TLS required, daily automated backups kept {@code backupRetentionDays} with point-in-time
 * recovery from the write-ahead log, regional high availability when {@code highAvailability},
 * storage that grows on its own, deletion protection on both the API and the Pulumi resource,
 * and the database and its user.
 */
public final class Database extends GantryComponent {
  public static final String DATABASE = dev.gantry.infra.aws.Database.DATABASE;
  public static final String USER = dev.gantry.infra.aws.Database.USER;

  /**
   * @param project             GCP project id
   * @param instanceName        Cloud SQL instance name
   * @param region              region of the instance
   * @param postgresMajor       PostgreSQL major version, 13 to 17
   * @param tier                machine tier, e.g. {@code db-custom-2-7680}
   * @param diskSizeGiB         initial disk; it grows automatically up to {@code maxDiskSizeGiB}
   * @param maxDiskSizeGiB      autoresize limit
   * @param backupRetentionDays daily backups kept (7..365)
   * @param highAvailability    regional (standby in another zone) instead of zonal
   * @param deletionProtection  refuse deletion
   * @param networkId           VPC with the private services connection
   * @param privateServices     that connection; the instance is created after it
   * @param password            password of the database user (a Pulumi secret)
   * @param tags                labels (sanitized for GCP)
   */
  public record Args(String project, String instanceName, String region, int postgresMajor, String tier, int diskSizeGiB,
      int maxDiskSizeGiB, int backupRetentionDays, boolean highAvailability, boolean deletionProtection,
      Output<String> networkId, Resource privateServices, Output<String> password, Map<String, String> tags) {
    public Args {
      Objects.requireNonNull(project, "project");
      Objects.requireNonNull(instanceName, "instanceName");
      Objects.requireNonNull(region, "region");
      Objects.requireNonNull(networkId, "networkId");
      Objects.requireNonNull(password, "password");
      tags = Map.copyOf(tags == null ? Map.of() : tags);
      if (postgresMajor < 13 || postgresMajor > 17) {
        throw new IllegalArgumentException("PostgreSQL " + postgresMajor + " is not offered; use 13 to 17");
      }
      if (tier == null || !tier.matches("db-[a-z0-9-]+")) {
        throw new IllegalArgumentException("Cloud SQL tier '" + tier + "' is not a tier like 'db-custom-2-7680'");
      }
      if (backupRetentionDays < dev.gantry.infra.aws.Database.MIN_BACKUP_DAYS || backupRetentionDays > 365) {
        throw new IllegalArgumentException("Backup retention " + backupRetentionDays + " days must be within ["
            + dev.gantry.infra.aws.Database.MIN_BACKUP_DAYS + ", 365]");
      }
      if (diskSizeGiB < 10 || maxDiskSizeGiB < diskSizeGiB) {
        throw new IllegalArgumentException("Disk " + diskSizeGiB + " GiB (autoresize limit " + maxDiskSizeGiB
            + " GiB) needs 10 <= diskSizeGiB <= maxDiskSizeGiB");
      }
    }
  }

  private final Output<String> address;
  private final Output<String> connectionName;
  private final Output<String> connectionUrl;

  public Database(String name, Args args, ComponentResourceOptions options) {
    super("gcp", "Database", name, options);
    var instance = new DatabaseInstance(name + "-instance", DatabaseInstanceArgs.builder()
        .project(args.project())
        .name(args.instanceName())
        .region(args.region())
        .databaseVersion("POSTGRES_" + args.postgresMajor())
        .deletionProtection(args.deletionProtection())
        .settings(DatabaseInstanceSettingsArgs.builder()
            .tier(args.tier())
            .availabilityType(args.highAvailability() ? "REGIONAL" : "ZONAL")
            .diskType("PD_SSD")
            .diskSize(args.diskSizeGiB())
            .diskAutoresize(true)
            .diskAutoresizeLimit(args.maxDiskSizeGiB())
            .deletionProtectionEnabled(args.deletionProtection())
            .ipConfiguration(DatabaseInstanceSettingsIpConfigurationArgs.builder()
                .ipv4Enabled(false)
                .privateNetwork(args.networkId())
                .requireSsl(true)
                .build())
            .backupConfiguration(DatabaseInstanceSettingsBackupConfigurationArgs.builder()
                .enabled(true)
                .startTime("03:00")
                .pointInTimeRecoveryEnabled(true)
                .transactionLogRetentionDays(Math.min(7, args.backupRetentionDays()))
                .backupRetentionSettings(DatabaseInstanceSettingsBackupConfigurationBackupRetentionSettingsArgs.builder()
                    .retainedBackups(args.backupRetentionDays())
                    .retentionUnit("COUNT")
                    .build())
                .build())
            .maintenanceWindow(DatabaseInstanceSettingsMaintenanceWindowArgs.builder().day(7).hour(4).updateTrack("stable").build())
            .insightsConfig(DatabaseInstanceSettingsInsightsConfigArgs.builder().queryInsightsEnabled(true).build())
            .userLabels(GcpLabels.of(args.tags(), args.instanceName()))
            .build())
        .build(), args.privateServices() == null ? child() : child(args.privateServices()));
    new com.pulumi.gcp.sql.Database(name + "-database", com.pulumi.gcp.sql.DatabaseArgs.builder()
        .project(args.project())
        .instance(instance.name())
        .name(DATABASE)
        .build(), child());
    new User(name + "-user", UserArgs.builder()
        .project(args.project())
        .instance(instance.name())
        .name(USER)
        .password(args.password())
        .build(), CustomResourceOptions.builder().parent(this).additionalSecretOutputs("password").build());
    this.address = instance.privateIpAddress();
    this.connectionName = instance.connectionName();
    this.connectionUrl = Output.tuple(instance.privateIpAddress(), args.password())
        .applyValue(t -> "postgresql://" + USER + ":" + java.net.URLEncoder.encode(t.t2, java.nio.charset.StandardCharsets.UTF_8)
            + "@" + t.t1 + ":5432/" + DATABASE + "?sslmode=require")
        .asSecret();
    registerOutputs(Map.of("address", address, "connectionName", connectionName));
  }

  /** Private IP of the instance. */
  public Output<String> address() {
    return address;
  }

  /** {@code project:region:instance}, for the Cloud SQL Auth Proxy. */
  public Output<String> connectionName() {
    return connectionName;
  }

  /** The gateway's connection URL with the password: a secret output. */
  public Output<String> connectionUrl() {
    return connectionUrl;
  }
}
