package dev.gantry.policies.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PulumiJsonTest {
  private static final String STACK_URN = "urn:pulumi:aws-prod::gantry::pulumi:pulumi:Stack::gantry-aws-prod";
  private static final String EKS = "urn:pulumi:aws-prod::gantry::gantry:aws:GpuCluster$aws:eks/cluster:Cluster::main-eks";

  static Path fixture(String name) {
    try {
      return Path.of(PulumiJsonTest.class.getResource("/fixtures/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void readPreview_mapsStepsToResources_withStackNameProjectAndSource() {
    ResourceGraph graph = PulumiJson.readPreview(fixture("preview.json"));

    assertThat(graph.source()).isEqualTo(GraphSource.PREVIEW);
    assertThat(graph.stack()).isEqualTo("aws-prod");
    assertThat(graph.project()).isEqualTo("gantry");
    assertThat(graph.resources()).extracting(Resource::name)
        .containsExactlyInAnyOrder("default_6_83_0", "main", "main-eks", "models", "gateway");
    assertThat(graph.byUrn()).doesNotContainKey(STACK_URN);
  }

  @Test
  void readPreview_dropsDeletedResources_andKeepsReplacementOnce() {
    ResourceGraph graph = PulumiJson.readPreview(fixture("preview.json"));

    assertThat(graph.resources()).noneMatch(r -> r.name().equals("legacy"));
    assertThat(graph.ofType("aws:s3/bucketV2:BucketV2")).hasSize(1);
  }

  @Test
  void readPreview_mapsUnknownSentinelToUnknownMarker_andSecretsToSecretMarker() {
    ResourceGraph graph = PulumiJson.readPreview(fixture("preview.json"));
    Resource eks = graph.byUrn().get(EKS);
    Resource gateway = graph.ofType("kubernetes:apps/v1:Deployment").get(0);

    assertThat(Values.isUnknown(eks.input("roleArn"))).isTrue();
    assertThat(Values.isUnknown(eks.input("vpcConfig.subnetIds[1]"))).isTrue();
    assertThat(Values.isSecret(gateway.input("spec.template.spec.containers[0].env[0].value"))).isTrue();
    assertThat(gateway.input("spec.template.spec.containers[0].env[0].value").toString()).doesNotContain("hunter2");
    assertThat(Values.isUnknown(graph.outputs().path("clusterName"))).isTrue();
  }

  @Test
  void readPreview_stripsProviderIdAndStackParent() {
    ResourceGraph graph = PulumiJson.readPreview(fixture("preview.json"));
    Resource eks = graph.byUrn().get(EKS);

    assertThat(eks.provider()).isEqualTo("urn:pulumi:aws-prod::gantry::pulumi:providers:aws::default_6_83_0");
    assertThat(eks.type()).isEqualTo("aws:eks/cluster:Cluster");
    assertThat(eks.parent()).isEqualTo("urn:pulumi:aws-prod::gantry::gantry:aws:GpuCluster::main");
    assertThat(eks.custom()).isTrue();
    assertThat(graph.byUrn().get("urn:pulumi:aws-prod::gantry::gantry:aws:GpuCluster::main").parent()).isNull();
    assertThat(graph.byUrn().get("urn:pulumi:aws-prod::gantry::gantry:aws:GpuCluster::main").custom()).isFalse();
  }

  @Test
  void readPreview_parsesConfig_jsonStringsAsObjects_andSecretsAsMarkers() {
    ResourceGraph graph = PulumiJson.readPreview(fixture("preview.json"));

    assertThat(graph.configValue("gantry:cloud").asText()).isEqualTo("aws");
    assertThat(graph.configValue("gantry:gateway").path("replicas").asInt()).isEqualTo(2);
    assertThat(Values.isSecret(graph.configValue("gantry:gatewayMasterKey"))).isTrue();
  }

  @Test
  void readPreview_exposesServingSpecFromStackOutputs() {
    ServingSpec spec = PulumiJson.readPreview(fixture("preview.json")).servingSpec().orElseThrow();

    assertThat(spec.gpuPools()).singleElement().satisfies(p -> {
      assertThat(p.instanceType()).isEqualTo("g6.12xlarge");
      assertThat(p.gpusPerNode()).isEqualTo(4);
    });
    assertThat(spec.gateway().masterKeySecret()).isEqualTo("gateway-master-key");
  }

  @Test
  void readStackExport_mapsResources_secretsAndDependencies() {
    ResourceGraph graph = PulumiJson.readStackExport(fixture("stack-export.json"));

    assertThat(graph.source()).isEqualTo(GraphSource.EXPORT);
    assertThat(graph.stack()).isEqualTo("aws-prod");
    Resource db = graph.ofType("aws:rds/instance:Instance").get(0);
    assertThat(Values.isSecret(db.input("password"))).isTrue();
    assertThat(db.input("password").toString()).doesNotContain("ciphertext");
    assertThat(db.input("backupRetentionPeriod").asInt()).isEqualTo(7);
    assertThat(db.dependencies()).containsExactly("urn:pulumi:aws-prod::gantry::aws:rds/subnetGroup:SubnetGroup::ledger");
    assertThat(db.parent()).isNull();
    assertThat(db.provider()).isEqualTo("urn:pulumi:aws-prod::gantry::pulumi:providers:aws::default_6_83_0");
  }

  @Test
  void readStackExport_skipsPendingDeletes_andReadsOutputs() {
    ResourceGraph graph = PulumiJson.readStackExport(fixture("stack-export.json"));

    assertThat(graph.resources()).extracting(Resource::name).doesNotContain("stale");
    assertThat(Values.isSecret(graph.outputs().path("gatewayMasterKey"))).isTrue();
    assertThat(graph.servingSpec()).isPresent();
  }

  @Test
  void read_detectsEachSourceFromTopLevelKeys(@TempDir Path dir) throws IOException {
    ResourceGraph export = PulumiJson.readStackExport(fixture("stack-export.json"));
    Path plan = dir.resolve("plan.json");
    GraphJson.write(new ResourceGraph(null, "gantry", "aws-prod", GraphSource.PLAN, null, export.outputs(),
        export.resources(), List.of()), plan);

    assertThat(PulumiJson.read(fixture("preview.json")).source()).isEqualTo(GraphSource.PREVIEW);
    assertThat(PulumiJson.read(fixture("stack-export.json")).source()).isEqualTo(GraphSource.EXPORT);
    ResourceGraph roundTrip = PulumiJson.read(plan);
    assertThat(roundTrip.source()).isEqualTo(GraphSource.PLAN);
    assertThat(roundTrip.resources()).isEqualTo(export.resources());
  }

  @Test
  void read_whenFileIsNotJson_namesFileAndProblem(@TempDir Path dir) throws IOException {
    Path bad = Files.writeString(dir.resolve("bad.json"), "steps: [");

    assertThatThrownBy(() -> PulumiJson.read(bad))
        .isInstanceOf(GraphFormatException.class)
        .hasMessageContaining("bad.json").hasMessageContaining("not valid JSON");
  }

  @Test
  void read_whenJsonHasNoKnownShape_saysWhichFilesAreAccepted(@TempDir Path dir) throws IOException {
    Path other = Files.writeString(dir.resolve("other.json"), "{\"hello\": 1}");

    assertThatThrownBy(() -> PulumiJson.read(other))
        .hasMessageContaining("other.json").hasMessageContaining("pulumi preview --json");
  }

  @Test
  void read_whenFileMissing_namesFile() {
    assertThatThrownBy(() -> PulumiJson.read(Path.of("/nonexistent/preview.json")))
        .isInstanceOf(GraphFormatException.class).hasMessageContaining("/nonexistent/preview.json");
  }

  @Test
  void readPreview_whenStepHasNoUrn_reportsStepIndex() {
    assertThatThrownBy(() -> PulumiJson.fromPreview(GraphJson.mapper().readTree("{\"steps\":[{\"op\":\"create\"}]}")))
        .hasMessageContaining("step 0").hasMessageContaining("no 'urn'");
  }

  @Test
  void readPreview_whenUrnMalformed_quotesIt() throws IOException {
    String json = "{\"steps\":[{\"op\":\"create\",\"urn\":\"bogus\",\"newState\":{\"urn\":\"bogus\",\"type\":\"x:y:Z\"}}]}";
    assertThatThrownBy(() -> PulumiJson.fromPreview(GraphJson.mapper().readTree(json)))
        .hasMessageContaining("'bogus' is not a Pulumi URN");
  }

  @Test
  void readPreview_whenNewStateHasNoUrn_takesTheStepsUrn() throws IOException {
    String json = "{\"steps\":[{\"op\":\"create\",\"urn\":\"urn:pulumi:dev::p::aws:s3/bucketV2:BucketV2::b\","
        + "\"newState\":{\"type\":\"aws:s3/bucketV2:BucketV2\",\"inputs\":{}}}]}";
    assertThat(PulumiJson.fromPreview(GraphJson.mapper().readTree(json)).resources()).singleElement()
        .satisfies(r -> assertThat(r.urn()).isEqualTo("urn:pulumi:dev::p::aws:s3/bucketV2:BucketV2::b"));
  }
}
