package dev.gantry.infra.azure;

import com.pulumi.core.Output;

/** Built-in Azure role definitions, addressed by id within a subscription. */
final class Roles {
  private Roles() {}

  static Output<String> definition(Output<String> subscriptionId, String roleId) {
    return subscriptionId.applyValue(s -> "/subscriptions/" + s + "/providers/Microsoft.Authorization/roleDefinitions/" + roleId);
  }
}
