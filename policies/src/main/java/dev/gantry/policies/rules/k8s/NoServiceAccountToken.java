package dev.gantry.policies.rules.k8s;

import static dev.gantry.policies.rules.Category.KUBERNETES;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-K8S-023: no service account token unless the pod needs the Kubernetes API. */
public final class NoServiceAccountToken extends WorkloadRule {
  public static final String NEEDS_API = "gantry.dev/needs-kube-api";
  public static final RuleInfo INFO = new RuleInfo("GNT-K8S-023", "Service account tokens are not mounted where not needed",
      KUBERNETES, Severity.MEDIUM, Enforcement.MANDATORY, List.of("PRE-04"),
      "Every pod gets a Kubernetes API token by default; engines and gateways never call the API, so a compromised"
          + " pod would only gain a credential.",
      "Set `automountServiceAccountToken: false` in the pod spec, or label the workload `" + NEEDS_API
          + ": \"true\"` when it really calls the API.");

  public NoServiceAccountToken() {
    super(INFO);
  }

  @Override
  protected void check(Workload w, RuleContext ctx, Findings out) {
    if ("true".equals(w.labels().get(NEEDS_API))) {
      return;
    }
    JsonNode automount = w.podSpec().path("automountServiceAccountToken");
    if (!(automount.isBoolean() && !automount.asBoolean())) {
      out.report(w.resource(), w.kind() + " '" + w.name() + "' mounts a service account token"
          + " (automountServiceAccountToken is not false) and is not labelled " + NEEDS_API);
    }
  }
}
