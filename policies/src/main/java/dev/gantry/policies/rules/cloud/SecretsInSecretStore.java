package dev.gantry.policies.rules.cloud;

import static dev.gantry.policies.rules.Category.CLOUD;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-CLOUD-007: secrets live in the cloud secret store, not in plain Kubernetes manifests. */
public final class SecretsInSecretStore extends StackRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-CLOUD-007", "Secrets come from the cloud secret store",
      CLOUD, Severity.HIGH, Enforcement.MANDATORY, List.of("PRE-04"),
      "A Kubernetes Secret with a literal value in the program is a secret in Git and in the state file; the cloud"
          + " secret store gives rotation, audit and one place to revoke.",
      "Create the value in AWS Secrets Manager / GCP Secret Manager / Azure Key Vault (as a Pulumi secret) and sync it"
          + " into the cluster; never put literal values in `data`/`stringData`. A stack on an existing cluster"
          + " (`gantry:cloud: none`) has no cloud store: its Kubernetes Secrets must then hold Pulumi secrets only"
          + " (encrypted in the stack config and state).");

  /** The cloud of a stack on an existing cluster. */
  static final String NO_CLOUD = "none";

  public SecretsInSecretStore() {
    super(INFO);
  }

  @Override
  public void check(RuleContext ctx, Findings out) {
    List<Resource> k8sSecrets = ctx.ofType(K8s.SECRET);
    // A cloud secret resource in the stack, or External Secrets syncing from a cloud store.
    boolean hasStore = CloudTypes.SECRET_STORES.stream().anyMatch(t -> !ctx.ofType(t).isEmpty())
        || ctx.graph().resources().stream().anyMatch(r -> r.type().startsWith("kubernetes:external-secrets.io/")
            && (r.type().endsWith(":ClusterSecretStore") || r.type().endsWith(":SecretStore")));
    // A stack on an existing cluster (cloud none) has no cloud store: its store is the stack's encrypted
    // Pulumi config, and the per-Secret check below still rejects any value that is not a Pulumi secret.
    boolean existingCluster = NO_CLOUD.equals(ctx.cloud());
    if (!hasStore && !existingCluster && (!k8sSecrets.isEmpty() || !ctx.component(K8s.GATEWAY).isEmpty())) {
      out.reportStack("stack " + ctx.graph().stack(), "the stack has secrets (gateway master key, database password)"
          + " but no cloud secret store resource (" + CloudTypes.SECRET_STORES + ")", null);
    }
    for (Resource s : k8sSecrets) {
      List<String> literal = new ArrayList<>();
      for (String field : List.of("data", "stringData")) {
        if (Values.isSecret(s.input(field)) || Values.isUnknown(s.input(field))) {
          continue; // the whole map is a Pulumi secret (or computed at deploy time)
        }
        s.input(field).fields().forEachRemaining(e -> {
          if (!Values.isSecret(e.getValue()) && !Values.isUnknown(e.getValue())) {
            literal.add(field + "." + e.getKey());
          }
        });
      }
      if (!literal.isEmpty()) {
        out.report(s, "Secret '" + K8s.objectName(s) + "' has literal values " + literal
            + " (not Pulumi secrets, not from the secret store)");
      }
    }
  }
}
