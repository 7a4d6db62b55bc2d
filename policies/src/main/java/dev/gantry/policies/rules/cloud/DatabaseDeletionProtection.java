package dev.gantry.policies.rules.cloud;

import static dev.gantry.policies.rules.Category.CLOUD;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-CLOUD-005: databases are protected from deletion. */
public final class DatabaseDeletionProtection extends ResourceRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-CLOUD-005", "Databases have deletion protection",
      CLOUD, Severity.HIGH, Enforcement.MANDATORY, List.of("PRE-09"),
      "A renamed resource in the program means delete-and-recreate to Pulumi; deletion protection turns that into an"
          + " error instead of the loss of keys and ledger.",
      "AWS: `deletionProtection: true`; GCP: leave `deletionProtection` at its default (true).");

  public DatabaseDeletionProtection() {
    super(INFO);
  }

  @Override
  public boolean appliesTo(Resource r) {
    return r.type().equals(CloudTypes.RDS_INSTANCE) || r.type().equals(CloudTypes.RDS_CLUSTER)
        || r.type().equals(CloudTypes.CLOUD_SQL);
  }

  @Override
  public void check(Resource db, RuleContext ctx, Findings out) {
    JsonNode protection = db.input("deletionProtection");
    boolean defaultOn = db.type().equals(CloudTypes.CLOUD_SQL);
    if (!protection.asBoolean(defaultOn && protection.isMissingNode())) {
      out.report(db, "database '" + db.name() + "' has no deletion protection");
    }
  }
}
