package dev.gantry.infra.azure;

import com.pulumi.azurenative.authorization.RoleAssignment;
import com.pulumi.azurenative.authorization.RoleAssignmentArgs;
import com.pulumi.azurenative.containerregistry.Registry;
import com.pulumi.azurenative.containerregistry.RegistryArgs;
import com.pulumi.azurenative.containerregistry.inputs.SkuArgs;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResourceOptions;
import dev.gantry.infra.GantryComponent;
import java.util.Map;
import java.util.Objects;

/**
 * An Azure Container Registry for the engine and gateway images ({@code gantry:azure:ImageRegistry}),
 * the Azure twin of {@code dev.gantry.infra.aws.ImageRegistry}: no admin user (pushes and
 * pulls authenticate with Entra ID), and the cluster's kubelet identity granted
 * {@code AcrPull} so nodes pull without image pull secrets. Images live at
 * {@code <registry>.azurecr.io/gantry/engine} and {@code .../gantry/gateway}.
 */
public final class ImageRegistry extends GantryComponent {
  /** Built-in role AcrPull. */
  public static final String ACR_PULL_ROLE = "7f951dda-4ed3-4680-a7ca-43fe172d538d";

  /**
   * @param resourceGroup  resource group
   * @param location       Azure region
   * @param subscriptionId subscription of the role definition
   * @param registryName   registry name (5-50 letters and digits, global)
   * @param pullerObjectId object id of the identity that pulls (the kubelet identity)
   * @param tags           tags on every resource
   */
  public record Args(Output<String> resourceGroup, String location, Output<String> subscriptionId, String registryName,
      Output<String> pullerObjectId, Map<String, String> tags) {
    public Args {
      Objects.requireNonNull(resourceGroup, "resourceGroup");
      Objects.requireNonNull(location, "location");
      Objects.requireNonNull(subscriptionId, "subscriptionId");
      Objects.requireNonNull(pullerObjectId, "pullerObjectId");
      if (registryName == null || !registryName.matches("[A-Za-z0-9]{5,50}")) {
        throw new IllegalArgumentException("Container registry name '" + registryName + "' must be 5-50 letters and digits");
      }
      tags = Map.copyOf(tags == null ? Map.of() : tags);
    }
  }

  private final String loginServer;

  public ImageRegistry(String name, Args args, ComponentResourceOptions options) {
    super("azure", "ImageRegistry", name, options);
    var registry = new Registry(name + "-acr", RegistryArgs.builder()
        .resourceGroupName(args.resourceGroup())
        .location(args.location())
        .registryName(args.registryName())
        .sku(SkuArgs.builder().name("Standard").build())
        .adminUserEnabled(false)
        .tags(tags(args.tags(), args.registryName()))
        .build(), child());
    new RoleAssignment(name + "-kubelet-pull", RoleAssignmentArgs.builder()
        .scope(registry.id())
        .principalId(args.pullerObjectId())
        .principalType("ServicePrincipal")
        .roleDefinitionId(Roles.definition(args.subscriptionId(), ACR_PULL_ROLE))
        .build(), child());
    this.loginServer = args.registryName().toLowerCase(java.util.Locale.ROOT) + ".azurecr.io";
    registerOutputs(Map.of("loginServer", Output.of(loginServer)));
  }

  /** {@code <registry>.azurecr.io}. */
  public String loginServer() {
    return loginServer;
  }

  /** URL of one image, e.g. {@code <registry>.azurecr.io/gantry/engine}. */
  public Output<String> repositoryUrl(String image) {
    return Output.of(loginServer + "/gantry/" + image);
  }
}
