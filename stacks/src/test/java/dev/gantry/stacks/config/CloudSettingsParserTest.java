package dev.gantry.stacks.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gantry.policies.catalog.GpuCatalog;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The per-cloud parts of stack config: the shipped GCP and Azure stacks, and each message on bad input. */
class CloudSettingsParserTest {
  static final Path STACKS = Path.of("").toAbsolutePath();

  static StackConfig parse(String stack, Consumer<Map<String, String>> edit) {
    StackFile file = StackFile.read(STACKS.resolve("Pulumi." + stack + ".yaml"));
    Map<String, String> values = new TreeMap<>(file.values());
    edit.accept(values);
    return new StackConfigParser(STACKS.resolve("models"), GpuCatalog.defaultCatalog())
        .parse("gantry", stack, values, file.secretKeys());
  }

  @Test
  void gcpProd_parsesProjectChannelZonesAndPools() {
    StackConfig c = parse("gcp-prod", v -> { });
    assertThat(c.cloud()).isEqualTo("gcp");
    assertThat(c.cloudSettings()).isEqualTo(new StackConfig.Gcp("acme-llm-prod", "REGULAR", "172.16.0.0/28", null, "gantry"));
    assertThat(c.zones()).containsExactly("us-central1-a", "us-central1-b", "us-central1-c");
    assertThat(c.cluster().gpuPools()).extracting(p -> p.instanceType().name()).containsExactly("a2-highgpu-1g", "g2-standard-8");
    assertThat(c.cluster().gpuPools()).allSatisfy(p -> assertThat(p.amiType()).isNull());
    assertThat(c.database().instanceClass()).isEqualTo("db-custom-2-7680");
  }

  static Stream<Arguments> badGcpValues() {
    return Stream.of(
        Arguments.of((Consumer<Map<String, String>>) v -> v.remove("gcp:project"),
            "gcp:project: is required for cloud 'gcp'; set it to your project id"),
        Arguments.of((Consumer<Map<String, String>>) v -> v.put("gcp:project", "Acme"),
            "gcp:project: 'Acme' is not a GCP project id"),
        Arguments.of((Consumer<Map<String, String>>) v -> v.put("gcp:region", "europe-west4"),
            "gcp:region: 'europe-west4' differs from gantry:region 'us-central1'"),
        Arguments.of((Consumer<Map<String, String>>) v -> v.put("gantry:zones", "[\"us-central1a\", \"us-central1-b\"]"),
            "gantry:zones: 'us-central1a' is not a zone of gcp region 'us-central1'; use e.g. [us-central1-a, us-central1-b]"),
        Arguments.of((Consumer<Map<String, String>>) v -> v.put("gantry:gcp", "{\"releaseChannel\": \"NIGHTLY\"}"),
            "gantry:gcp.releaseChannel: 'NIGHTLY' is not allowed"),
        Arguments.of((Consumer<Map<String, String>>) v -> v.put("gantry:gcp", "{\"masterCidr\": \"172.16.0.0/24\"}"),
            "gantry:gcp.masterCidr: '172.16.0.0/24' must be a /28"),
        Arguments.of((Consumer<Map<String, String>>) v -> v.put("gantry:gcp", "{\"modelsKmsKey\": \"my-key\"}"),
            "gantry:gcp.modelsKmsKey: 'my-key' must be a full Cloud KMS key name"),
        Arguments.of((Consumer<Map<String, String>>) v -> v.put("gantry:cluster",
                v.get("gantry:cluster").replace("e2-standard-4", "m6i.xlarge")),
            "gantry:cluster.systemPool.instanceType: 'm6i.xlarge' is not a Compute Engine machine type like 'e2-standard-4'"),
        Arguments.of((Consumer<Map<String, String>>) v -> v.put("gantry:cluster",
                v.get("gantry:cluster").replace("\"name\":\"l4\"", "\"name\":\"l4\",\"amiType\":\"AL2023_x86_64_NVIDIA\"")),
            "gantry:cluster.gpuPools[1].amiType: is an EKS setting; on gcp"),
        Arguments.of((Consumer<Map<String, String>>) v -> v.put("gantry:cluster",
                v.get("gantry:cluster").replace("g2-standard-8", "g6.xlarge")),
            "gantry:cluster.gpuPools[1].instanceType: 'g6.xlarge' is not a known instance type"),
        Arguments.of((Consumer<Map<String, String>>) v -> v.put("gantry:database",
                v.get("gantry:database").replace("db-custom-2-7680", "db.t4g.medium")),
            "gantry:database.instanceClass: 'db.t4g.medium' is not a Cloud SQL tier like 'db-custom-2-7680'"),
        Arguments.of((Consumer<Map<String, String>>) v -> v.put("gantry:azure", "{\"resourceGroup\": \"rg\"}"),
            "gantry:azure: is only read for cloud 'azure'; this stack's gantry:cloud is 'gcp'"));
  }

  @ParameterizedTest
  @MethodSource("badGcpValues")
  void gcpProd_badValue_isRejectedNamingKeyValueAndFix(Consumer<Map<String, String>> edit, String message) {
    assertThatThrownBy(() -> parse("gcp-prod", edit)).isInstanceOf(StackConfigException.class).hasMessageStartingWith(message);
  }

  @Test
  void awsProd_withAGcpSection_isRejected() {
    assertThatThrownBy(() -> parse("aws-prod", v -> v.put("gantry:gcp", "{\"releaseChannel\": \"STABLE\"}")))
        .hasMessageStartingWith("gantry:gcp: is only read for cloud 'gcp'; this stack's gantry:cloud is 'aws'");
  }

  @Test
  void azureProd_parsesResourceGroupGlobalNamesAndZones() {
    StackConfig c = parse("azure-prod", v -> { });
    assertThat(c.cloudSettings()).isEqualTo(new StackConfig.Azure("gantry-azure-prod", "acmegantrymodels",
        "acme-gantry-prod-kv", "acmegantryprod", true));
    assertThat(c.zones()).containsExactly("1", "2", "3");
    assertThat(c.models().get(1).engine().dtype()).isEqualTo("float16");
  }

  static Stream<Arguments> badAzureValues() {
    return Stream.of(
        Arguments.of((Consumer<Map<String, String>>) v -> v.remove("azure-native:location"),
            "azure-native:location: is required for cloud 'azure'"),
        Arguments.of((Consumer<Map<String, String>>) v -> v.put("gantry:zones", "[\"eastus-1\", \"2\"]"),
            "gantry:zones: 'eastus-1' is not a zone of azure region 'eastus'; use e.g. ['1', '2', '3']"),
        Arguments.of((Consumer<Map<String, String>>) v -> v.put("gantry:azure",
                v.get("gantry:azure").replace("acmegantrymodels", "Acme-Models")),
            "gantry:azure.storageAccount: 'Acme-Models' must be 3-24 lower-case letters and digits"),
        Arguments.of((Consumer<Map<String, String>>) v -> v.put("gantry:azure",
                v.get("gantry:azure").replace("acme-gantry-prod-kv", "kv")),
            "gantry:azure.keyVault: 'kv' must be 3-24 letters"),
        Arguments.of((Consumer<Map<String, String>>) v -> v.put("gantry:database",
                v.get("gantry:database").replace("Standard_D2ds_v5", "db-custom-2-7680")),
            "gantry:database.instanceClass: 'db-custom-2-7680' is not a PostgreSQL Flexible Server SKU"));
  }

  @ParameterizedTest
  @MethodSource("badAzureValues")
  void azureProd_badValue_isRejectedNamingKeyValueAndFix(Consumer<Map<String, String>> edit, String message) {
    assertThatThrownBy(() -> parse("azure-prod", edit)).isInstanceOf(StackConfigException.class).hasMessageStartingWith(message);
  }
}
