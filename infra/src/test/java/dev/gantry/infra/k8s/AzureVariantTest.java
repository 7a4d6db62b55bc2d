package dev.gantry.infra.k8s;

import static dev.gantry.infra.k8s.PlanRecorder.at;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The same workloads with an Azure identity: pods carry the label the workload identity webhook needs. */
class AzureVariantTest {

  @Test
  void azureIdentity_labelsEnginePodsAndTheSecretOperatorForTheWebhook() {
    ServingWorkloadsArgs args = new ServingWorkloadsArgs(null, "az://gantrymodels/models", Fixtures.RCLONE_IMAGE,
        WorkloadIdentity.of("azure.workload.identity/client-id", com.pulumi.core.Output.of("engine-client")),
        List.of(Fixtures.qwen7b()), Fixtures.gateway(), Fixtures.ingress(), null,
        new SecretStoreSpec.AzureKeyVault("https://gantry-kv.vault.azure.net",
            WorkloadIdentity.of("azure.workload.identity/client-id", com.pulumi.core.Output.of("sync-client"))), null);
    PlanRecorder plan = PlanRecorder.run(args);

    Map<String, Object> podLabels = at(plan.one("kubernetes:apps/v1:Deployment", "gantry-engine-qwen25-7b").inputs(),
        "spec", "template", "metadata", "labels");
    assertThat(podLabels).containsEntry("azure.workload.identity/use", "true");
    Map<String, Object> sa = at(plan.one("kubernetes:core/v1:ServiceAccount", "gantry-engine").inputs(), "metadata");
    assertThat((Map<String, Object>) sa.get("annotations")).containsEntry("azure.workload.identity/client-id", "engine-client");
  }

  @Test
  void gcpIdentity_addsNoPodLabel() {
    assertThat(WorkloadIdentity.of("iam.gke.io/gcp-service-account", com.pulumi.core.Output.of("x")).podLabels()).isEmpty();
  }
}
