package dev.gantry.infra.aws;

import com.pulumi.aws.ec2.SecurityGroup;
import com.pulumi.aws.ec2.SecurityGroupArgs;
import com.pulumi.aws.ec2.inputs.SecurityGroupIngressArgs;
import com.pulumi.aws.kms.Key;
import com.pulumi.aws.kms.KeyArgs;
import com.pulumi.aws.rds.Instance;
import com.pulumi.aws.rds.InstanceArgs;
import com.pulumi.aws.rds.SubnetGroup;
import com.pulumi.aws.rds.SubnetGroupArgs;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResourceOptions;
import dev.gantry.infra.GantryComponent;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The gateway's PostgreSQL ({@code gantry:aws:Database}): an RDS instance in the private
 * subnets, reachable only from the cluster's security group, storage encrypted with its own
 * KMS key, automated backups kept at least {@value #MIN_BACKUP_DAYS} days, deletion
 * protection on and a final snapshot on delete. The master password is generated and
 * rotated by RDS in Secrets Manager ({@code manageMasterUserPassword}), so it never passes
 * through Pulumi config or state.
 */
public final class Database extends GantryComponent {
  public static final int MIN_BACKUP_DAYS = 7;
  public static final int MAX_BACKUP_DAYS = 35;
  public static final int PORT = 5432;

  /**
   * @param identifier             RDS instance identifier
   * @param engineVersion          PostgreSQL version, e.g. {@code 16.4}
   * @param instanceClass          e.g. {@code db.t4g.medium}
   * @param allocatedStorageGiB    initial storage
   * @param maxAllocatedStorageGiB storage autoscaling ceiling (>= allocated)
   * @param backupRetentionDays    automated backup retention, {@value #MIN_BACKUP_DAYS}..{@value #MAX_BACKUP_DAYS}
   * @param multiAz                standby in a second zone
   * @param deletionProtection     refuse deletion until turned off
   * @param vpcId                  VPC of the database
   * @param subnetIds              private subnets (at least two zones)
   * @param clientSecurityGroupId  the only security group allowed to connect (the cluster's)
   * @param tags                   tags on every resource
   */
  public record Args(String identifier, String engineVersion, String instanceClass, int allocatedStorageGiB,
      int maxAllocatedStorageGiB, int backupRetentionDays, boolean multiAz, boolean deletionProtection,
      Output<String> vpcId, Output<List<String>> subnetIds, Output<String> clientSecurityGroupId,
      Map<String, String> tags) {
    public Args {
      Objects.requireNonNull(identifier, "identifier");
      Objects.requireNonNull(engineVersion, "engineVersion");
      Objects.requireNonNull(instanceClass, "instanceClass");
      Objects.requireNonNull(vpcId, "vpcId");
      Objects.requireNonNull(subnetIds, "subnetIds");
      Objects.requireNonNull(clientSecurityGroupId, "clientSecurityGroupId");
      tags = Map.copyOf(tags == null ? Map.of() : tags);
      if (backupRetentionDays < MIN_BACKUP_DAYS || backupRetentionDays > MAX_BACKUP_DAYS) {
        throw new IllegalArgumentException("Backup retention of " + backupRetentionDays + " days must be within ["
            + MIN_BACKUP_DAYS + ", " + MAX_BACKUP_DAYS + "]");
      }
      if (allocatedStorageGiB < 20 || maxAllocatedStorageGiB < allocatedStorageGiB) {
        throw new IllegalArgumentException("Database storage needs 20 <= allocated <= max; got "
            + allocatedStorageGiB + " and " + maxAllocatedStorageGiB + " GiB");
      }
    }
  }

  private final Output<String> address;
  private final Output<Integer> port;
  private final Output<String> masterUserSecretArn;

  public Database(String name, Args args, ComponentResourceOptions options) {
    super("aws", "Database", name, options);
    var key = new Key(name + "-key", KeyArgs.builder()
        .description("Encryption of RDS instance " + args.identifier())
        .enableKeyRotation(true)
        .deletionWindowInDays(30)
        .tags(tags(args.tags(), args.identifier()))
        .build(), child());
    var subnets = new SubnetGroup(name + "-subnets", SubnetGroupArgs.builder()
        .name(args.identifier())
        .subnetIds(args.subnetIds())
        .tags(tags(args.tags(), args.identifier()))
        .build(), child());
    var firewall = new SecurityGroup(name + "-sg", SecurityGroupArgs.builder()
        .name(args.identifier() + "-db")
        .description("PostgreSQL of " + args.identifier() + ": only the EKS cluster may connect")
        .vpcId(args.vpcId())
        .ingress(SecurityGroupIngressArgs.builder()
            .protocol("tcp")
            .fromPort(PORT)
            .toPort(PORT)
            .securityGroups(args.clientSecurityGroupId().applyValue(List::of))
            .description("PostgreSQL from EKS nodes and pods")
            .build())
        .tags(tags(args.tags(), args.identifier() + "-db"))
        .build(), child());
    var db = new Instance(name + "-postgres", InstanceArgs.builder()
        .identifier(args.identifier())
        .engine("postgres")
        .engineVersion(args.engineVersion())
        .instanceClass(args.instanceClass())
        .allocatedStorage(args.allocatedStorageGiB())
        .maxAllocatedStorage(args.maxAllocatedStorageGiB())
        .storageType("gp3")
        .storageEncrypted(true)
        .kmsKeyId(key.arn())
        .dbName("gantry")
        .username("gantry")
        .manageMasterUserPassword(true)
        .port(PORT)
        .dbSubnetGroupName(subnets.name())
        .vpcSecurityGroupIds(firewall.id().applyValue(List::of))
        .publiclyAccessible(false)
        .multiAz(args.multiAz())
        .backupRetentionPeriod(args.backupRetentionDays())
        .backupWindow("03:00-04:00")
        .maintenanceWindow("sun:04:30-sun:05:30")
        .deletionProtection(args.deletionProtection())
        .skipFinalSnapshot(false)
        .finalSnapshotIdentifier(args.identifier() + "-final")
        .copyTagsToSnapshot(true)
        .autoMinorVersionUpgrade(true)
        .performanceInsightsEnabled(true)
        .performanceInsightsKmsKeyId(key.arn())
        .enabledCloudwatchLogsExports("postgresql", "upgrade")
        .tags(tags(args.tags(), args.identifier()))
        .build(), child());
    this.address = db.address();
    this.port = db.port();
    this.masterUserSecretArn = db.masterUserSecrets().applyValue(secrets -> secrets.stream()
        .flatMap(s -> s.secretArn().stream())
        .findFirst()
        .orElse(""));
    registerOutputs(Map.of("address", address, "port", port, "masterUserSecretArn", masterUserSecretArn));
  }

  public Output<String> address() {
    return address;
  }

  public Output<Integer> port() {
    return port;
  }

  /** JDBC URL of the gateway database (credentials come from {@link #masterUserSecretArn()}). */
  public Output<String> jdbcUrl() {
    return Output.tuple(address, port).applyValue(t -> "jdbc:postgresql://" + t.t1 + ":" + t.t2 + "/gantry?sslmode=require");
  }

  /** ARN of the RDS-managed secret holding the master user's credentials. */
  public Output<String> masterUserSecretArn() {
    return masterUserSecretArn;
  }
}
