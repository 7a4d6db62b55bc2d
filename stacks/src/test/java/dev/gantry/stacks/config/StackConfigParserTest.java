package dev.gantry.stacks.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.policies.catalog.GpuCatalog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Parsing of the real aws-prod stack, layering, and every validation message. */
class StackConfigParserTest {
  static final Path STACKS = Path.of("").toAbsolutePath();
  static final StackFile AWS_PROD = StackFile.read(STACKS.resolve("Pulumi.aws-prod.yaml"));
  static final ObjectMapper JSON = new ObjectMapper();

  static StackConfig parse(Map<String, String> values, Set<String> secrets) {
    return new StackConfigParser(STACKS.resolve("models"), GpuCatalog.defaultCatalog()).parse("gantry", "aws-prod", values, secrets);
  }

  /** The aws-prod values with one config key's JSON changed at {@code pointer} ("" replaces the whole value). */
  static Map<String, String> with(String key, String pointer, String json) {
    Map<String, String> values = new TreeMap<>(AWS_PROD.values());
    try {
      JsonNode replacement = json == null ? null : JSON.readTree(json);
      if (pointer.isEmpty()) {
        if (replacement == null) {
          values.remove(key);
        } else {
          values.put(key, replacement.isTextual() ? replacement.asText() : replacement.toString());
        }
        return values;
      }
      JsonNode root = JSON.readTree(values.get(key));
      JsonPointer p = JsonPointer.compile(pointer);
      JsonNode parent = root.at(p.head());
      String last = p.last().getMatchingProperty();
      if (parent instanceof ObjectNode o) {
        if (replacement == null) {
          o.remove(last);
        } else {
          o.set(last, replacement);
        }
      } else {
        ((ArrayNode) parent).set(Integer.parseInt(last), replacement);
      }
      values.put(key, root.toString());
      return values;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void awsProd_parsesIntoTypedConfig() {
    StackConfig c = parse(AWS_PROD.values(), AWS_PROD.secretKeys());
    assertThat(c.cloud()).isEqualTo("aws");
    assertThat(c.zones()).containsExactly("us-east-1a", "us-east-1b", "us-east-1c");
    assertThat(c.cluster().gpuPools()).extracting(StackConfig.GpuPool::name).containsExactly("l40s", "l4");
    assertThat(c.gpuPool("l40s").orElseThrow().instanceType().gpuModel()).isEqualTo("L40S");
    assertThat(c.gpuPool("l4").orElseThrow().spot()).isTrue();
    assertThat(c.database().backupRetentionDays()).isEqualTo(14);
    assertThat(c.secrets()).isEqualTo(new StackConfig.Secrets(true, true, true, false, 7));
    assertThat(c.storage().bucketName()).isEqualTo("gantry-prod-models-us-east-1");
  }

  @Test
  void models_layerBuiltInDefaults_stackDefaults_modelFile_thenStackEntry() {
    StackConfig c = parse(AWS_PROD.values(), AWS_PROD.secretKeys());
    ModelConfig llama = c.models().get(0);
    assertThat(llama.name()).isEqualTo("llama-3.1-8b-instruct");
    assertThat(llama.revision()).isEqualTo("0e9e39f249a16976918f6564b8830bc894c89659");
    assertThat(llama.pinned()).isTrue();
    assertThat(llama.architecture()).isEqualTo(new ModelConfig.Architecture("llama", 8_030_261_248L, 32, 4096, 32, 8, 128,
        128_256, 131_072));
    assertThat(llama.engine().maxNumSeqs()).as("stack entry beats model file (32)").isEqualTo(16);
    assertThat(llama.engine().gpuMemoryUtilization()).as("gantry:modelDefaults").isEqualTo(0.9);
    assertThat(llama.gateway().temperature()).as("model file beats built-in 0.7").isEqualTo(0.6);
    assertThat(llama.targetQueueDepth()).as("built-in default").isEqualTo(5);
    ModelConfig qwen = c.models().get(1);
    assertThat(qwen.architecture()).isEqualTo(new ModelConfig.Architecture("qwen2", 1_543_714_304L, 28, 1536, 12, 2, 128,
        151_936, 32_768));
    assertThat(qwen.engine().maxNumSeqs()).isEqualTo(64);
    assertThat(qwen.pool()).isEqualTo("l4");
    assertThat(qwen.kubernetesName()).isEqualTo("qwen2-5-1-5b-instruct");
    assertThat(qwen.weightBytes()).isEqualTo(2 * 1_543_714_304L);
  }

  @Test
  void modelDefaults_applyToEveryModelUnlessOverridden() {
    StackConfig c = parse(with("gantry:modelDefaults", "/engine/gpuMemoryUtilization", "0.85"), AWS_PROD.secretKeys());
    assertThat(c.models()).allSatisfy(m -> assertThat(m.engine().gpuMemoryUtilization()).isEqualTo(0.85));
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of("gantry:cluster", "/gpuPools/0/instanceType", "\"p5.48xl\"",
            "gantry:cluster.gpuPools[0].instanceType: 'p5.48xl' is not a known instance type; did you mean 'p5.48xlarge'?"),
        Arguments.of("gantry:cluster", "/gpuPools/0/instanceType", "\"x1.tiny\"",
            "gantry:cluster.gpuPools[0].instanceType: 'x1.tiny' is not a known instance type; known aws GPU instance types: [g5.12xlarge"),
        Arguments.of("gantry:cloud", "", "\"oracle\"", "gantry:cloud: 'oracle' is not allowed; use one of " + StackConfigParser.CLOUDS),
        Arguments.of("gantry:cloud", "", null, "gantry:cloud: is required; use one of " + StackConfigParser.CLOUDS),
        Arguments.of("gantry:zones", "", "[\"us-east-1a\"]", "gantry:zones: [us-east-1a] has 1 zone; list at least 2 availability zones"),
        Arguments.of("gantry:zones", "/1", "\"eu-west-1a\"", "gantry:zones: 'eu-west-1a' is not a zone of region 'us-east-1'"),
        Arguments.of("gantry:zones", "/1", "\"us-east-1a\"", "gantry:zones: 'us-east-1a' is listed twice"),
        Arguments.of("gantry:cluster", "/publicAccessCidrs", "[\"0.0.0.0/0\"]",
            "gantry:cluster.publicAccessCidrs: '0.0.0.0/0' would open the Kubernetes API to the whole internet"),
        Arguments.of("gantry:cluster", "/publicAccessCidrs", "[]",
            "gantry:cluster.publicAccessCidrs: is required when endpointPublic is true"),
        Arguments.of("gantry:cluster", "/publicAccessCidrs", "[\"10.0.0/8\"]",
            "gantry:cluster.publicAccessCidrs: '10.0.0/8' is not an IPv4 CIDR block"),
        Arguments.of("gantry:cluster", "/gpuPool", "[]", "gantry:cluster.gpuPool: unknown setting; did you mean 'gpuPools'?"),
        Arguments.of("gantry:cluster", "/gpuPools", "[]", "gantry:cluster.gpuPools: is required: list at least one GPU pool"),
        Arguments.of("gantry:cluster", "/gpuPools/0/minNodes", "5",
            "gantry:cluster.gpuPools[0].minNodes: '5' is greater than maxNodes (4)"),
        Arguments.of("gantry:cluster", "/gpuPools/0/desiredNodes", "9",
            "gantry:cluster.gpuPools[0].desiredNodes: '9' must be within [minNodes, maxNodes] = [2, 4]"),
        Arguments.of("gantry:cluster", "/gpuPools/1/name", "\"l40s\"",
            "gantry:cluster.gpuPools[1].name: 'l40s' is used by two GPU pools"),
        Arguments.of("gantry:cluster", "/gpuPools/1/name", "\"GPU_pool\"",
            "gantry:cluster.gpuPools[1].name: 'GPU_pool' must be a DNS label"),
        Arguments.of("gantry:cluster", "/gpuPools/0/amiType", "\"AL2023_x86_64_STANDARD\"",
            "gantry:cluster.gpuPools[0].amiType: 'AL2023_x86_64_STANDARD' is not allowed; use one of [AL2023_x86_64_NVIDIA"),
        Arguments.of("gantry:cluster", "/gpuPools/0/maxNodes", "\"many\"",
            "gantry:cluster.gpuPools[0].maxNodes: 'many' must be a whole number"),
        Arguments.of("gantry:cluster", "/kubernetesVersion", "\"1.20\"",
            "gantry:cluster.kubernetesVersion: '1.20' is not a supported Kubernetes version"),
        Arguments.of("gantry:cluster", "/endpointPublic", "\"yes\"", "gantry:cluster.endpointPublic: 'yes' must be true or false"),
        Arguments.of("gantry:network", "/vpcCidr", "\"10.0.0.0/24\"",
            "gantry:network.vpcCidr: '10.0.0.0/24' must have a prefix length within [16, 20]"),
        Arguments.of("gantry:models", "/0/model", "\"llama-3.1-8b-instruc\"",
            "gantry:models[0].model: 'llama-3.1-8b-instruc' has no model file models/llama-3.1-8b-instruc.yaml; "
                + "did you mean 'llama-3.1-8b-instruct'?"),
        Arguments.of("gantry:models", "/0/pool", "\"l40\"",
            "gantry:models[0].pool: 'l40' is not a GPU pool of this stack; did you mean 'l40s'?"),
        Arguments.of("gantry:models", "/0/engine/dtype", "\"bf16\"",
            "gantry:models[0].engine.dtype: 'bf16' is not allowed; use one of [bfloat16, float16, float32]"),
        Arguments.of("gantry:models", "/0/engine/quantization", "\"awq\"",
            "gantry:models[0].engine.quantization: 'awq' is a vLLM GPU method the Gantry engine cannot serve; use one of "
                + "[none, q8_0, q4_0]"),
        Arguments.of("gantry:models", "/1/engine", "{\"maxModelLen\": 65536}",
            "gantry:models[1].engine.maxModelLen: '65536' exceeds the model's maxPositionEmbeddings (32768)"),
        Arguments.of("gantry:models", "/0/engine/tensorParallelSize", "2",
            "gantry:models[0].engine.tensorParallelSize: '2' exceeds the 1 GPU(s) per node of pool 'l40s' (g6e.xlarge)"),
        Arguments.of("gantry:models", "/0/engine/tensorParallelSize", "3",
            "gantry:models[0].engine.tensorParallelSize: '3' must be a power of two"),
        Arguments.of("gantry:models", "/0/engine/gpuMemoryUtilization", "1.5",
            "gantry:models[0].engine.gpuMemoryUtilization: '1.5' must be within [0.05, 0.99]"),
        Arguments.of("gantry:models", "/0/engine/maxNumSeq", "8",
            "gantry:models[0].engine.maxNumSeq: unknown setting; did you mean 'maxNumSeqs'?"),
        Arguments.of("gantry:models", "/0/engine/blockSize", "12",
            "gantry:models[0].engine.blockSize: '12' is not supported; use one of [8, 16, 32]"),
        Arguments.of("gantry:models", "/0/engine/maxNumBatchedTokens", "8",
            "gantry:models[0].engine.maxNumBatchedTokens: '8' is below maxNumSeqs (16)"),
        Arguments.of("gantry:models", "/0/architecture", "{\"numKvHeads\": 5}",
            "gantry:models[0].architecture.numKvHeads: '5' must divide numAttentionHeads (32)"),
        Arguments.of("gantry:models", "/0/replicas", "3", "gantry:models[0].replicas: unknown setting"),
        Arguments.of("gantry:models", "/0/minReplicas", "5", "gantry:models[0].minReplicas: '5' is greater than maxReplicas (4)"),
        Arguments.of("gantry:models", "/0/minReplicas", "0", "gantry:models[0].minReplicas: '0' must be within [1, 1000]"),
        Arguments.of("gantry:models", "/1/model", "\"llama-3.1-8b-instruct\"",
            "gantry:models[1].name: 'llama-3.1-8b-instruct' is served twice"),
        Arguments.of("gantry:models", "", "[]", "gantry:models: is required: list at least one model"),
        Arguments.of("gantry:models", "/0/name", "\"Llama_8B\"", "gantry:models[0].name: 'Llama_8B' is not a valid model name"),
        Arguments.of("gantry:modelDefaults", "/engine/enablePrefixCaching", "\"maybe\"",
            "gantry:modelDefaults.engine.enablePrefixCaching: 'maybe' must be true or false"),
        Arguments.of("gantry:database", "/backupRetentionDays", "3",
            "gantry:database.backupRetentionDays: '3' is below the minimum of 7 days; use 7 to 35"),
        Arguments.of("gantry:database", "/engineVersion", "\"9.6\"",
            "gantry:database.engineVersion: '9.6' is not a supported PostgreSQL version"),
        Arguments.of("gantry:gateway", "/replicas", "1", "gantry:gateway.replicas: '1' must be at least 2"),
        Arguments.of("gantry:gateway", "/routing", "\"round-robin\"",
            "gantry:gateway.routing: 'round-robin' is not allowed; use one of [simple-shuffle, least-busy, engine-aware]"),
        Arguments.of("gantry:gateway", "/memory", "\"2 GB\"", "gantry:gateway.memory: '2 GB' is not a Kubernetes quantity"),
        Arguments.of("gantry:ingress", "/host", "\"not a host\"", "gantry:ingress.host: 'not a host' is not a DNS host name"),
        Arguments.of("gantry:ingress", "/tlsIssuerEmail", "\"platform\"", "gantry:ingress.tlsIssuerEmail: 'platform' is not an e-mail"),
        Arguments.of("gantry:images", "/engine", "\"ghcr.io/acme/engine:latest\"",
            "gantry:images.engine: 'ghcr.io/acme/engine:latest' uses the mutable tag 'latest'"),
        Arguments.of("gantry:images", "/gateway", "\"ghcr.io/acme/gateway\"",
            "gantry:images.gateway: 'ghcr.io/acme/gateway' has no tag or digest"),
        Arguments.of("gantry:onCall", "/slackChannel", "\"llm-oncall\"", "gantry:onCall.slackChannel: 'llm-oncall' must start with '#'"),
        Arguments.of("gantry:onCall", "/team", null, "gantry:onCall.team: is required"),
        Arguments.of("gantry:storage", "/bucketName", "\"Models_Bucket\"", "gantry:storage.bucketName: 'Models_Bucket' is not a valid S3 bucket name"),
        Arguments.of("aws:region", "", "\"eu-west-1\"", "aws:region: 'eu-west-1' differs from gantry:region 'us-east-1'"),
        Arguments.of("gantry:model", "", "\"x\"", "gantry:model: unknown setting; did you mean 'models'?"),
        Arguments.of("gantry:databasePassword", "", null, "gantry:databasePassword: is required"));
  }

  @ParameterizedTest(name = "{0}{1} = {2}")
  @MethodSource("invalid")
  void invalidValue_isRejectedWithKeyValueAndFix(String key, String pointer, String json, String message) {
    Map<String, String> values = with(key, pointer, json);
    assertThatThrownBy(() -> parse(values, AWS_PROD.secretKeys()))
        .isInstanceOf(StackConfigException.class)
        .hasMessageStartingWith(message);
  }

  @Test
  void policy_belongsToTheGateAndIsCheckedWithItsReader() {
    StackConfig ok = parse(with("gantry:policy", "", "{\"monthlyBudgetUsd\": 12000}"), AWS_PROD.secretKeys());
    assertThat(ok.stack()).isEqualTo("aws-prod");
    assertThatThrownBy(() -> parse(with("gantry:policy", "", "{\"monthlyBudgetUsd\": -5}"), AWS_PROD.secretKeys()))
        .isInstanceOf(StackConfigException.class)
        .hasMessageStartingWith("gantry:policy: ").hasMessageContaining("monthlyBudgetUsd");
  }

  @Test
  void secretKey_inPlainText_isRejectedWithTheCommandToFixIt() {
    Set<String> secrets = new HashSet<>(AWS_PROD.secretKeys());
    secrets.remove("gantry:hfToken");
    assertThatThrownBy(() -> parse(AWS_PROD.values(), secrets))
        .hasMessage("gantry:hfToken: must be a secret, not plain text; set it with 'pulumi config set --secret "
            + "gantry:hfToken <value>' (the stack file then holds 'secure: ...')");
  }

  @Test
  void masterKey_whenAuthEnabledButUnset_isRequired() {
    Map<String, String> values = with("gantry:gatewayMasterKey", "", null);
    assertThatThrownBy(() -> parse(values, AWS_PROD.secretKeys()))
        .hasMessageStartingWith("gantry:gatewayMasterKey: is required when gantry:gateway.authEnabled is true");
  }

  @Test
  void modelFile_error_namesTheFileAndKey(@TempDir Path dir) throws IOException {
    Files.createDirectories(dir.resolve("models"));
    for (String m : new String[] {"llama-3.1-8b-instruct", "qwen2.5-1.5b-instruct"}) {
      String text = Files.readString(STACKS.resolve("models/" + m + ".yaml"));
      Files.writeString(dir.resolve("models/" + m + ".yaml"), text.replace("family: qwen2", "family: qwen3"));
    }
    var parser = new StackConfigParser(dir.resolve("models"), GpuCatalog.defaultCatalog());
    assertThatThrownBy(() -> parser.parse("gantry", "aws-prod", AWS_PROD.values(), AWS_PROD.secretKeys()))
        .hasMessageStartingWith("models/qwen2.5-1.5b-instruct.yaml: architecture.family: 'qwen3' is not allowed; "
            + "use one of [llama, qwen2, mistral]; did you mean 'qwen2'?");
  }

  @Test
  void modelFile_missingArchitectureNumber_saysWhereToFindIt(@TempDir Path dir) throws IOException {
    Files.createDirectories(dir.resolve("models"));
    Files.writeString(dir.resolve("models/llama-3.1-8b-instruct.yaml"),
        Files.readString(STACKS.resolve("models/llama-3.1-8b-instruct.yaml")).replace("  headDim: 128\n", ""));
    Files.copy(STACKS.resolve("models/qwen2.5-1.5b-instruct.yaml"), dir.resolve("models/qwen2.5-1.5b-instruct.yaml"));
    var parser = new StackConfigParser(dir.resolve("models"), GpuCatalog.defaultCatalog());
    assertThatThrownBy(() -> parser.parse("gantry", "aws-prod", AWS_PROD.values(), AWS_PROD.secretKeys()))
        .hasMessage("models/llama-3.1-8b-instruct.yaml: architecture.headDim: is required; copy it from the model's config.json");
  }
}
