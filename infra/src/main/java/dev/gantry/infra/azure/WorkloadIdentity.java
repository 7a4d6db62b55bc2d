package dev.gantry.infra.azure;

import com.pulumi.azurenative.authorization.RoleAssignment;
import com.pulumi.azurenative.authorization.RoleAssignmentArgs;
import com.pulumi.azurenative.managedidentity.FederatedIdentityCredential;
import com.pulumi.azurenative.managedidentity.FederatedIdentityCredentialArgs;
import com.pulumi.azurenative.managedidentity.UserAssignedIdentity;
import com.pulumi.azurenative.managedidentity.UserAssignedIdentityArgs;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResourceOptions;
import dev.gantry.infra.GantryComponent;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A user-assigned managed identity bound to one Kubernetes service account through Azure
 * Workload Identity ({@code gantry:azure:WorkloadIdentity}), the Azure twin of
 * {@code dev.gantry.infra.aws.ServiceAccountRole}: a federated credential trusts tokens of
 * the cluster's OIDC issuer for exactly {@code system:serviceaccount:<namespace>:<name>},
 * and the identity holds only the listed role assignments. The service account carries
 * {@value #ANNOTATION} with {@link #clientId()}.
 */
public final class WorkloadIdentity extends GantryComponent {
  public static final String ANNOTATION = "azure.workload.identity/client-id";
  /** Built-in role Storage Blob Data Reader. */
  public static final String BLOB_READER_ROLE = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1";
  /** Built-in role Key Vault Secrets User. */
  public static final String KEY_VAULT_SECRETS_USER_ROLE = "4633458b-17de-408a-b874-0445c86b69e6";

  /** A built-in role on one scope (a storage account, a vault). */
  public record Grant(String roleId, Output<String> scope) {
    public Grant {
      Objects.requireNonNull(roleId, "roleId");
      Objects.requireNonNull(scope, "scope");
    }
  }

  /**
   * @param resourceGroup  resource group of the identity
   * @param location       Azure region
   * @param subscriptionId subscription of the role definitions
   * @param identityName   managed identity name
   * @param oidcIssuerUrl  the cluster's OIDC issuer
   * @param namespace      Kubernetes namespace of the service account
   * @param serviceAccount Kubernetes service account name
   * @param grants         role assignments of the identity
   * @param tags           tags on every resource
   */
  public record Args(Output<String> resourceGroup, String location, Output<String> subscriptionId, String identityName,
      Output<String> oidcIssuerUrl, String namespace, String serviceAccount, List<Grant> grants, Map<String, String> tags) {
    public Args {
      Objects.requireNonNull(resourceGroup, "resourceGroup");
      Objects.requireNonNull(location, "location");
      Objects.requireNonNull(subscriptionId, "subscriptionId");
      Objects.requireNonNull(identityName, "identityName");
      Objects.requireNonNull(oidcIssuerUrl, "oidcIssuerUrl");
      Objects.requireNonNull(namespace, "namespace");
      Objects.requireNonNull(serviceAccount, "serviceAccount");
      grants = List.copyOf(grants);
      tags = Map.copyOf(tags == null ? Map.of() : tags);
    }
  }

  private final Output<String> clientId;

  public WorkloadIdentity(String name, Args args, ComponentResourceOptions options) {
    super("azure", "WorkloadIdentity", name, options);
    var identity = new UserAssignedIdentity(name + "-identity", UserAssignedIdentityArgs.builder()
        .resourceGroupName(args.resourceGroup())
        .location(args.location())
        .resourceName(args.identityName())
        .tags(tags(args.tags(), args.identityName()))
        .build(), child());
    new FederatedIdentityCredential(name + "-federation", FederatedIdentityCredentialArgs.builder()
        .resourceGroupName(args.resourceGroup())
        .resourceName(identity.name())
        .federatedIdentityCredentialResourceName(args.serviceAccount())
        .issuer(args.oidcIssuerUrl())
        .subject("system:serviceaccount:" + args.namespace() + ":" + args.serviceAccount())
        .audiences("api://AzureADTokenExchange")
        .build(), child());
    for (int i = 0; i < args.grants().size(); i++) {
      Grant grant = args.grants().get(i);
      new RoleAssignment(name + "-grant-" + i, RoleAssignmentArgs.builder()
          .scope(grant.scope())
          .principalId(identity.principalId())
          .principalType("ServicePrincipal")
          .roleDefinitionId(Roles.definition(args.subscriptionId(), grant.roleId()))
          .build(), child());
    }
    this.clientId = identity.clientId();
    registerOutputs(Map.of("clientId", clientId));
  }

  /** Client id of the identity, the value of {@value #ANNOTATION}. */
  public Output<String> clientId() {
    return clientId;
  }
}
