package dev.gantry.stacks.config;

import static dev.gantry.stacks.config.CloudSettingsParserTest.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Config of a stack on an existing cluster (gantry:cloud none): the shipped dev stack, and each message on bad input. */
class ExistingClusterConfigTest {

  @Test
  void dev_parsesKubeconfigContextCpuModelAndInClusterDatabase() {
    StackConfig c = parse("dev", v -> { });
    assertThat(c.cloud()).isEqualTo("none");
    assertThat(c.existingCluster()).isTrue();
    assertThat(c.cloudSettings()).isEqualTo(new StackConfig.Existing("~/.kube/config", "kind-gantry", 2, 5));
    assertThat(c.zones()).isEmpty();
    assertThat(c.cluster().gpuPools()).isEmpty();
    ModelConfig m = c.models().get(0);
    assertThat(m.name()).isEqualTo("qwen2.5-0.5b-instruct");
    assertThat(m.revision()).isEqualTo("7ae557604adf67be50417f59c2c2f167def9a775");
    assertThat(m.onCpu()).isTrue();
    assertThat(m.pool()).isNull();
    // weights 0.92 GiB + KV 24 KiB/token × 4096 × 4 = 0.375 GiB → 2 GiB, + 2 GiB headroom.
    assertThat(m.cpuKvCacheBytes()).isEqualTo(2L * 24 * 2 * 64 * 4 * 4096 * 4);
    assertThat(m.cpuResources()).isEqualTo(new ModelConfig.CpuResources(2, 4));
    assertThat(c.images().modelDownloader()).isEqualTo(StackConfigParser.CURL_IMAGE);
    assertThat(c.images().createRepositories()).isFalse();
  }

  @Test
  void dev_memoryOverride_isTakenAsIs_soTheGateCanJudgeIt() {
    StackConfig c = parse("dev", v -> v.put("gantry:models", v.get("gantry:models").replace("\"cpu\":2", "\"cpu\":4,\"memory\":\"2Gi\"")));
    assertThat(c.models().get(0).cpuResources()).isEqualTo(new ModelConfig.CpuResources(4, 2));
  }

  static Stream<Arguments> badValues() {
    return Stream.of(
        Arguments.of((Consumer<Map<String, String>>) v -> v.put("gantry:zones", "[\"a\", \"b\"]"),
            "gantry:zones: is not read for cloud 'none' (an existing cluster)"),
        Arguments.of((Consumer<Map<String, String>>) v -> v.put("gantry:cluster", "{\"name\": \"x\"}"),
            "gantry:cluster: is not read for cloud 'none'"),
        Arguments.of((Consumer<Map<String, String>>) v -> v.put("aws:region", "us-east-1"),
            "aws:region: is set but gantry:cloud is 'none'"),
        Arguments.of((Consumer<Map<String, String>>) v -> v.put("gantry:kubernetes", "{\"context\": \"kind gantry\"}"),
            "gantry:kubernetes.context: 'kind gantry' is not a kubeconfig context name"),
        Arguments.of((Consumer<Map<String, String>>) v -> v.put("gantry:database", "{\"instances\": 9}"),
            "gantry:database.instances"),
        Arguments.of((Consumer<Map<String, String>>) v -> v.put("gantry:models",
                v.get("gantry:models").replace("\"cpu\":2", "\"cpu\":2,\"pool\":\"l4\"")),
            "pool: is not read for cloud 'none'"),
        Arguments.of((Consumer<Map<String, String>>) v -> v.put("gantry:models",
                v.get("gantry:models").replace("\"cpu\":2", "\"cpu\":2,\"engine\":{\"tensorParallelSize\":2}")),
            "engine.tensorParallelSize: '2' on a CPU engine (cloud 'none')"),
        Arguments.of((Consumer<Map<String, String>>) v -> v.put("gantry:models",
                v.get("gantry:models").replace("\"cpu\":2", "\"cpu\":2,\"engine\":{\"quantization\":\"q8_0\"}")),
            "engine.quantization: 'q8_0' on a CPU engine (cloud 'none'): the stack runs CPU engines on the weights as stored (--dtype auto)"),
        Arguments.of((Consumer<Map<String, String>>) v -> v.put("gantry:models",
                v.get("gantry:models").replace("\"cpu\":2", "\"cpu\":2,\"memory\":\"4GB\"")),
            "memory: '4GB' must be whole GiB like '4Gi'"),
        Arguments.of((Consumer<Map<String, String>>) v -> v.remove("gantry:grafanaAdminPassword"),
            "gantry:grafanaAdminPassword: is required for cloud 'none'"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("badValues")
  void dev_badValue_namesKeyValueAndFix(Consumer<Map<String, String>> edit, String message) {
    assertThatThrownBy(() -> parse("dev", edit)).isInstanceOf(StackConfigException.class).hasMessageContaining(message);
  }

  @Test
  void gpuStack_withCpuResourcesOnAModel_saysTheyFollowFromThePool() {
    assertThatThrownBy(() -> parse("gcp-prod", v -> v.put("gantry:models",
        v.get("gantry:models").replace("\"pool\":\"l4\"", "\"pool\":\"l4\",\"memory\":\"8Gi\""))))
        .hasMessageContaining("memory: is only read for CPU engines (cloud 'none')");
  }

  @Test
  void gpuStack_withKubernetesSection_isRejected() {
    assertThatThrownBy(() -> parse("gcp-prod", v -> v.put("gantry:kubernetes", "{\"context\": \"x\"}")))
        .hasMessageContaining("gantry:kubernetes: is only read for cloud 'none'");
  }
}
