package dev.gantry.policies.rules.k8s;

import static dev.gantry.policies.rules.Category.KUBERNETES;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-K8S-020: nothing in the default namespace. */
public final class NotDefaultNamespace extends ResourceRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-K8S-020", "Nothing is deployed to the default namespace",
      KUBERNETES, Severity.MEDIUM, Enforcement.MANDATORY, List.of("DEP-01"),
      "The `default` namespace is where stray `kubectl apply`s land; sharing it defeats NetworkPolicies, quotas and RBAC scoped per namespace.",
      "Set `metadata.namespace` to the stack's namespace (e.g. `gantry`, created by the stack).");

  public NotDefaultNamespace() {
    super(INFO);
  }

  @Override
  public boolean appliesTo(Resource r) {
    return K8s.isNamespaced(r);
  }

  @Override
  public void check(Resource r, RuleContext ctx, Findings out) {
    if (K8s.namespace(r).equals("default")) {
      out.report(r, K8s.kind(r) + " '" + K8s.objectName(r) + "' is in the default namespace");
    }
  }
}
