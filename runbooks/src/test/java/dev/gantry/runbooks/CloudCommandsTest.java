package dev.gantry.runbooks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Each cloud prints its own CLI with the stack's identifiers; an unknown cloud says so instead of guessing. */
class CloudCommandsTest {
  @Test
  void aws_usesRegionAndIdentifiers() {
    CloudCommands aws = CloudCommands.of("aws", "eu-west-1", null);
    assertThat(aws.kubeconfig("c1")).isEqualTo("aws eks update-kubeconfig --name c1 --region eu-west-1");
    assertThat(aws.pointInTimeRestore("db1")).contains("--source-db-instance-identifier db1", "--target-db-instance-identifier db1-restore",
        "--restore-time \"$RESTORE_TIME\"");
    assertThat(aws.listImages("123.dkr.ecr.eu-west-1.amazonaws.com/gantry/engine")).contains("--repository-name gantry/engine ");
    assertThat(aws.bucketUrl("b")).isEqualTo("s3://b");
  }

  @Test
  void gcp_usesGcloud() {
    CloudCommands gcp = CloudCommands.of("gcp", "us-central1", null);
    assertThat(gcp.kubeconfig("c1")).isEqualTo("gcloud container clusters get-credentials c1 --region us-central1");
    assertThat(gcp.pointInTimeRestore("db1")).startsWith("gcloud sql instances clone db1 db1-restore --point-in-time");
    assertThat(gcp.bucketUrl("b")).isEqualTo("gs://b");
  }

  @Test
  void azure_usesTheResourceGroup() {
    CloudCommands azure = CloudCommands.of("azure", "eastus", "rg-llm");
    assertThat(azure.kubeconfig("c1")).isEqualTo("az aks get-credentials --resource-group rg-llm --name c1");
    assertThat(azure.pointInTimeRestore("db1")).contains("--resource-group rg-llm", "--source-server db1");
  }

  @Test
  void unknownCloud_saysNoCommandIsKnown_insteadOfPrintingAnotherCloudsCli() {
    CloudCommands other = CloudCommands.of("onprem", "dc1", null);
    assertThat(other.kubeconfig("c1")).startsWith("# no kubeconfig command known for cloud 'onprem'");
    assertThat(other.pointInTimeRestore("db1")).doesNotContain("aws", "gcloud", "az ");
  }
}
