package dev.gantry.infra.aws;

import com.pulumi.aws.ec2.SecurityGroup;
import com.pulumi.aws.ec2.SecurityGroupArgs;
import com.pulumi.aws.ec2.inputs.SecurityGroupIngressArgs;
import com.pulumi.aws.rds.Instance;
import com.pulumi.aws.rds.InstanceArgs;
import com.pulumi.aws.rds.SubnetGroup;
import com.pulumi.aws.rds.SubnetGroupArgs;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResourceOptions;
import dev.gantry.infra.GantryComponent;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The gateway's PostgreSQL ({@code gantry:aws:Database}): an RDS instance in the private
 * subnets, reachable only from the cluster's security group, storage encrypted with its own
 * KMS key, automated backups kept at least {@value #MIN_BACKUP_DAYS} days, deletion
 * protection on and a final snapshot on delete. The master password is a Pulumi secret
 * from stack config: the gateway needs a complete connection URL in the secret store, which
 * an RDS-managed password ({@code manageMasterUserPassword}) would not give it.
 */
public final class Database extends GantryComponent {
  public static final int MIN_BACKUP_DAYS = 7;
  public static final int MAX_BACKUP_DAYS = 35;
  public static final int PORT = 5432;
  public static final String USER = "gantry";
  public static final String DATABASE = "gantry";

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
   * @param masterPassword         password of the {@value #USER} user (a Pulumi secret)
   * @param tags                   tags on every resource
   */
  public record Args(String identifier, String engineVersion, String instanceClass, int allocatedStorageGiB,
      int maxAllocatedStorageGiB, int backupRetentionDays, boolean multiAz, boolean deletionProtection,
      Output<String> vpcId, Output<List<String>> subnetIds, Output<String> clientSecurityGroupId,
      Output<String> masterPassword, Map<String, String> tags) {
    public Args {
      Objects.requireNonNull(identifier, "identifier");
      Objects.requireNonNull(engineVersion, "engineVersion");
      Objects.requireNonNull(instanceClass, "instanceClass");
      Objects.requireNonNull(vpcId, "vpcId");
      Objects.requireNonNull(subnetIds, "subnetIds");
      Objects.requireNonNull(clientSecurityGroupId, "clientSecurityGroupId");
      Objects.requireNonNull(masterPassword, "masterPassword");
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
  private final Output<String> connectionUrl;

  public Database(String name, Args args, ComponentResourceOptions options) {
    super("aws", "Database", name, options);
    var key = Kms.customerKey(name + "-key", "Encryption of RDS instance " + args.identifier(),
        tags(args.tags(), args.identifier()), child());
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
        .dbName(DATABASE)
        .username(USER)
        .password(args.masterPassword().asSecret())
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
    this.connectionUrl = Output.tuple(address, port, args.masterPassword())
        .applyValue(t -> "postgresql://" + USER + ":" + URLEncoder.encode(t.t3, StandardCharsets.UTF_8) + "@" + t.t1 + ":" + t.t2
            + "/" + DATABASE + "?sslmode=require")
        .asSecret();
    registerOutputs(Map.of("address", address, "port", port));
  }

  public Output<String> address() {
    return address;
  }

  public Output<Integer> port() {
    return port;
  }

  /** {@code postgresql://gantry:<password>@<address>:5432/gantry?sslmode=require}, a secret. */
  public Output<String> connectionUrl() {
    return connectionUrl;
  }
}
