package dev.gantry.infra.k8s;

import static dev.gantry.infra.k8s.PlanRecorder.at;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The same workloads with weights on GCS: the download and the egress policy adapt. */
class GcpVariantTest {

  @Test
  void gcsBucket_downloadsWithGcsRemoteAndAllowsTheGkeMetadataServer() {
    ServingWorkloadsArgs args = new ServingWorkloadsArgs(null, "gs://gantry-models", Fixtures.RCLONE_IMAGE,
        WorkloadIdentity.of("iam.gke.io/gcp-service-account",
            com.pulumi.core.Output.of("model-reader@proj.iam.gserviceaccount.com")),
        List.of(Fixtures.qwen7b()), Fixtures.gateway(), Fixtures.ingress(), null,
        new SecretStoreSpec.GcpSecretManager("proj", null), null);
    PlanRecorder plan = PlanRecorder.run(args);

    List<Object> initArgs = at(plan.one("kubernetes:apps/v1:Deployment", "gantry-engine-qwen25-7b").inputs(),
        "spec", "template", "spec", "initContainers", 0, "args");
    assertThat(initArgs).contains(":gcs,env_auth=true,bucket_policy_only=true:gantry-models/qwen25-7b/"
        + "a09a35458c702b33eeacc393d103063234e8bc28");
    List<Map<String, Object>> egress = at(plan.one("kubernetes:networking.k8s.io/v1:NetworkPolicy",
        "gantry-engine-egress").inputs(), "spec", "egress");
    assertThat(egress).hasSize(2);
    assertThat((Object) at(egress.get(1), "to", 0, "ipBlock", "cidr")).isEqualTo("169.254.169.254/32");
    Map<String, Object> sa = at(plan.one("kubernetes:core/v1:ServiceAccount", "gantry-engine").inputs(), "metadata");
    assertThat((Map<String, Object>) sa.get("annotations"))
        .containsEntry("iam.gke.io/gcp-service-account", "model-reader@proj.iam.gserviceaccount.com");
    List<Map<String, Object>> affinity = at(plan.one("kubernetes:helm.sh/v3:Release", "nvidia-device-plugin").inputs(),
        "values", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms", 0,
        "matchExpressions");
    assertThat(affinity).as("GKE manages its own device plugin on its GPU nodes")
        .contains(Map.of("key", "cloud.google.com/gke-accelerator", "operator", "DoesNotExist"));
    assertThat((Object) at(plan.one("kubernetes:external-secrets.io/v1beta1:ClusterSecretStore",
        "gantry-secret-store").inputs(), "spec", "provider", "gcpsm", "projectID")).isEqualTo("proj");
  }
}
