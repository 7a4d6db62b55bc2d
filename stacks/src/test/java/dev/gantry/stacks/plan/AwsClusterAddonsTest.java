package dev.gantry.stacks.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.ResourceGraph;
import dev.gantry.stacks.config.StackCatalog;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The aws-prod plan installs what its workloads need from EKS beyond the control plane:
 * metrics-server for the gateway's CPU autoscaler, the EBS CSI driver with its IRSA role, and
 * an encrypted gp3 default StorageClass on which Prometheus's volume claim binds.
 */
class AwsClusterAddonsTest {
  static ResourceGraph graph;

  @BeforeAll
  static void planOnce() {
    graph = new Planner(StackCatalog.at(Path.of(""))).plan("aws-prod").graph();
  }

  static Resource one(String type, String name) {
    return graph.ofType(type).stream().filter(r -> r.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + type + " " + name + " in the aws-prod plan"));
  }

  static Resource addon(String addonName) {
    return graph.ofType("aws:eks/addon:Addon").stream()
        .filter(r -> r.input("addonName").asText().equals(addonName)).findFirst()
        .orElseThrow(() -> new AssertionError("no EKS add-on " + addonName + " in the aws-prod plan"));
  }

  @Test
  void awsProd_installsMetricsServer_onTheStacksCluster_afterTheNodeGroups() {
    Resource metricsServer = addon("metrics-server");
    assertThat(metricsServer.input("clusterName").asText()).isEqualTo("gantry-prod");
    assertThat(metricsServer.parent()).isEqualTo(one("gantry:aws:GpuCluster", "cluster").urn());
    assertThat(metricsServer.dependencies()).containsAll(
        graph.ofType("aws:eks/nodeGroup:NodeGroup").stream().map(Resource::urn).toList());
  }

  @Test
  void awsProd_installsTheEbsCsiDriver_withAnIrsaRoleForItsControllerOnly() {
    Resource driver = addon("aws-ebs-csi-driver");
    Resource role = one("aws:iam/role:Role", "cluster-ebs-csi");
    Resource attachment = one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "cluster-ebs-csi");

    assertThat(driver.input("clusterName").asText()).isEqualTo("gantry-prod");
    assertThat(driver.input("serviceAccountRoleArn").asText()).startsWith("arn:aws:iam::").contains(":role/cluster-ebs-csi");
    assertThat(driver.dependencies()).contains(role.urn(), attachment.urn());
    assertThat(attachment.input("policyArn").asText())
        .isEqualTo("arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy");
    assertThat(attachment.dependencies()).contains(role.urn());

    String trust = role.input("assumeRolePolicy").asText();
    assertThat(trust).contains("sts:AssumeRoleWithWebIdentity", ":sub", "system:serviceaccount:kube-system:ebs-csi-controller-sa",
        ":aud", "sts.amazonaws.com");
  }

  @Test
  void awsProd_defaultStorageClass_isEncryptedGp3OnTheCsiDriver_andPrometheusClaimsItByDefault() {
    List<Resource> classes = graph.ofType("kubernetes:storage.k8s.io/v1:StorageClass");
    assertThat(classes).hasSize(1);
    Resource gp3 = classes.get(0);
    assertThat(gp3.input("metadata.name").asText()).isEqualTo("gp3");
    assertThat(gp3.input("metadata.annotations").path("storageclass.kubernetes.io/is-default-class").asText())
        .isEqualTo("true");
    assertThat(gp3.input("provisioner").asText()).isEqualTo("ebs.csi.aws.com");
    assertThat(gp3.input("parameters").path("type").asText()).isEqualTo("gp3");
    assertThat(gp3.input("parameters").path("encrypted").asText()).isEqualTo("true");
    assertThat(gp3.input("volumeBindingMode").asText()).isEqualTo("WaitForFirstConsumer");
    assertThat(gp3.dependencies()).contains(addon("aws-ebs-csi-driver").urn());
    assertThat(gp3.provider()).startsWith(graph.ofType("pulumi:providers:kubernetes").get(0).urn());

    // The claim names no class, so it binds on the default one: the serving workloads wait for it.
    Resource workloads = one("gantry:k8s:ServingWorkloads", "serving");
    assertThat(workloads.dependencies()).contains(gp3.urn(), addon("metrics-server").urn());
    JsonNode storage = graph.ofType("kubernetes:helm.sh/v3:Release").stream()
        .filter(r -> r.input("chart").asText().equals("kube-prometheus-stack")).findFirst().orElseThrow()
        .input("values").path("prometheus").path("prometheusSpec").path("storageSpec").path("volumeClaimTemplate")
        .path("spec");
    assertThat(storage.path("resources").path("requests").path("storage").asText()).isEqualTo("100Gi");
    assertThat(storage.has("storageClassName")).isFalse();
  }
}
