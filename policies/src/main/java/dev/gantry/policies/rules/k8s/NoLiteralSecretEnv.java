package dev.gantry.policies.rules.k8s;

import static dev.gantry.policies.rules.Category.KUBERNETES;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-K8S-018: no secrets as literal environment values. */
public final class NoLiteralSecretEnv extends ContainerRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-K8S-018", "Secrets are not passed as literal env values",
      KUBERNETES, Severity.CRITICAL, Enforcement.MANDATORY, List.of("PRE-04"),
      "An env `value` is stored in the Deployment object in clear text: anyone who can read Deployments (and every"
          + " `kubectl describe`) sees the key. Pulumi secrets passed as a literal `value` end up there too.",
      "Put the value in a Kubernetes Secret (synced from the cloud secret store) and use `valueFrom.secretKeyRef`"
          + " or `envFrom.secretRef`.");
  private static final java.util.regex.Pattern SECRETISH =
      java.util.regex.Pattern.compile("(?i).*(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|MASTER_?KEY|PRIVATE_?KEY|CREDENTIAL).*");

  public NoLiteralSecretEnv() {
    super(INFO);
  }

  @Override
  protected String violation(Workload w, JsonNode c, RuleContext ctx) {
    List<String> bad = new ArrayList<>();
    for (JsonNode env : K8s.list(c.path("env"))) {
      JsonNode value = env.path("value");
      if (value.isMissingNode() || value.isNull()) {
        continue;
      }
      String name = env.path("name").asText();
      if (Values.isSecret(value) || (SECRETISH.matcher(name).matches() && !Values.isUnknown(value))) {
        bad.add(name);
      }
    }
    return bad.isEmpty() ? null : "env " + bad + " set as literal value(s)";
  }
}
