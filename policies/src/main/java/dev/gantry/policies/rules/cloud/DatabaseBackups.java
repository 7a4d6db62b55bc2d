package dev.gantry.policies.rules.cloud;

import static dev.gantry.policies.rules.Category.CLOUD;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-CLOUD-004: databases keep backups for at least 7 days. */
public final class DatabaseBackups extends ResourceRule {
  public static final int MIN_DAYS = 7;
  public static final RuleInfo INFO = new RuleInfo("GNT-CLOUD-004", "Databases keep backups for at least 7 days",
      CLOUD, Severity.HIGH, Enforcement.MANDATORY, List.of("PRE-09"),
      "The gateway's database holds virtual keys, budgets and the usage ledger you bill from; a week of point-in-time"
          + " backups covers a bad migration found after a weekend.",
      "AWS: `backupRetentionPeriod: 7` or more; GCP: `settings.backupConfiguration.enabled: true` with"
          + " `backupRetentionSettings.retainedBackups` ≥ 7; Azure: `backup.backupRetentionDays` ≥ 7.");

  public DatabaseBackups() {
    super(INFO);
  }

  @Override
  public boolean appliesTo(Resource r) {
    return r.type().equals(CloudTypes.RDS_INSTANCE) || r.type().equals(CloudTypes.RDS_CLUSTER)
        || r.type().equals(CloudTypes.CLOUD_SQL) || CloudTypes.AZURE_POSTGRES.contains(r.type());
  }

  @Override
  public void check(Resource db, RuleContext ctx, Findings out) {
    if (db.type().equals(CloudTypes.RDS_INSTANCE) && db.input("replicateSourceDb").isTextual()) {
      return; // read replicas take no backups of their own
    }
    JsonNode days = switch (db.type()) {
      case CloudTypes.CLOUD_SQL -> db.input("settings.backupConfiguration.enabled").asBoolean(false)
          ? db.input("settings.backupConfiguration.backupRetentionSettings.retainedBackups")
          : com.fasterxml.jackson.databind.node.IntNode.valueOf(0);
      case CloudTypes.RDS_INSTANCE, CloudTypes.RDS_CLUSTER -> db.input("backupRetentionPeriod");
      default -> db.input("backup.backupRetentionDays");
    };
    if (Values.isUnknown(days)) {
      return;
    }
    int n = days.isMissingNode() ? defaultDays(db.type()) : days.asInt(0);
    if (n < MIN_DAYS) {
      out.report(db, "database '" + db.name() + "' keeps backups for " + n + " day(s)"
          + (days.isMissingNode() ? " (provider default)" : "") + "; at least " + MIN_DAYS + " required");
    }
  }

  private static int defaultDays(String type) {
    return switch (type) {
      case CloudTypes.RDS_INSTANCE, CloudTypes.RDS_CLUSTER -> 1; // AWS default: 1 day (0 for some engines)
      case CloudTypes.CLOUD_SQL -> 7;
      default -> 7;
    };
  }
}
