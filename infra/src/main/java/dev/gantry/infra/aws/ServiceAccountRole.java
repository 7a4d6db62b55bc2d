package dev.gantry.infra.aws;

import com.pulumi.aws.iam.Role;
import com.pulumi.aws.iam.RoleArgs;
import com.pulumi.aws.iam.RolePolicy;
import com.pulumi.aws.iam.RolePolicyArgs;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResourceOptions;
import dev.gantry.infra.GantryComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An IAM role for one Kubernetes service account (IRSA, {@code gantry:aws:ServiceAccountRole}):
 * only pods running as {@code namespace/serviceAccount} in this cluster can assume it, and it
 * grants exactly the listed permissions. The service account is annotated with
 * {@code eks.amazonaws.com/role-arn} = {@link #roleArn()}.
 */
public final class ServiceAccountRole extends GantryComponent {
  /** One permission: actions on resources (ARNs, resolved at deploy time). */
  public record Grant(List<String> actions, List<Output<String>> resources) {
    public Grant {
      actions = List.copyOf(actions);
      resources = List.copyOf(resources);
      if (actions.isEmpty() || resources.isEmpty()) {
        throw new IllegalArgumentException("A grant needs at least one action and one resource");
      }
    }
  }

  /**
   * @param roleName          IAM role name
   * @param oidcProviderArn   the cluster's IAM OIDC provider
   * @param oidcIssuerHostPath issuer URL without {@code https://}
   * @param namespace         Kubernetes namespace of the service account
   * @param serviceAccount    service account name
   * @param grants            permissions
   * @param tags              tags on the role
   */
  public record Args(String roleName, Output<String> oidcProviderArn, Output<String> oidcIssuerHostPath,
      String namespace, String serviceAccount, List<Grant> grants, Map<String, String> tags) {
    public Args {
      Objects.requireNonNull(roleName, "roleName");
      Objects.requireNonNull(oidcProviderArn, "oidcProviderArn");
      Objects.requireNonNull(oidcIssuerHostPath, "oidcIssuerHostPath");
      Objects.requireNonNull(namespace, "namespace");
      Objects.requireNonNull(serviceAccount, "serviceAccount");
      grants = List.copyOf(grants);
      tags = Map.copyOf(tags == null ? Map.of() : tags);
    }
  }

  private final Output<String> roleArn;

  public ServiceAccountRole(String name, Args args, ComponentResourceOptions options) {
    super("aws", "ServiceAccountRole", name, options);
    Output<String> trust = Output.tuple(args.oidcProviderArn(), args.oidcIssuerHostPath())
        .applyValue(t -> Iam.webIdentityTrust(t.t1, t.t2, args.namespace(), args.serviceAccount()));
    var role = new Role(name + "-role", RoleArgs.builder()
        .name(args.roleName())
        .assumeRolePolicy(trust)
        .tags(tags(args.tags(), args.roleName()))
        .build(), child());
    List<Output<Map<String, Object>>> statements = new ArrayList<>();
    for (Grant grant : args.grants()) {
      statements.add(Output.all(grant.resources()).applyValue(arns -> Iam.allow(grant.actions(), arns)));
    }
    if (!statements.isEmpty()) {
      new RolePolicy(name + "-policy", RolePolicyArgs.builder()
          .role(role.name())
          .policy(Output.all(statements).applyValue(Iam::document))
          .build(), child());
    }
    this.roleArn = role.arn();
    registerOutputs(Map.of("roleArn", roleArn));
  }

  public Output<String> roleArn() {
    return roleArn;
  }
}
