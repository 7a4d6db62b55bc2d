package dev.gantry.stacks.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulumi.aws.s3.BucketV2;
import com.pulumi.aws.s3.BucketV2Args;
import com.pulumi.aws.s3.BucketVersioningV2;
import com.pulumi.aws.s3.BucketVersioningV2Args;
import com.pulumi.aws.s3.inputs.BucketVersioningV2VersioningConfigurationArgs;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.test.TestOptions;
import com.pulumi.test.internal.MockMonitor;
import com.pulumi.test.internal.PulumiTestInternal;
import dev.gantry.policies.graph.Values;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;

/**
 * Pins the internal Pulumi test API the planner is built on ({@code PulumiTestInternal} with
 * config and a monitor decorator, {@code MockMonitor}): if an upgrade of com.pulumi:pulumi
 * changes it, this fails before the planner silently loses parents, dependencies or config.
 */
class RecordingMonitorTest {
  static final String PINNED_PULUMI_JAR = "pulumi-1.36.1.jar";

  @Test
  void pulumiSdk_isTheVersionThisInternalApiWasCheckedAgainst() throws Exception {
    String jar = PulumiTestInternal.class.getProtectionDomain().getCodeSource().getLocation().getPath();
    assertThat(jar).endsWith(PINNED_PULUMI_JAR);
    assertThat(PulumiTestInternal.Builder.class.getMethod("config", Map.class, Set.class)).isNotNull();
    assertThat(PulumiTestInternal.Builder.class.getMethod("monitorDecorator", Function.class)).isNotNull();
    assertThat(MockMonitor.class.getConstructor(com.pulumi.test.Mocks.class, com.pulumi.Log.class)).isNotNull();
  }

  @Test
  void monitor_recordsParentsDependenciesSecretsConfigAndStackOutputs() {
    var mocks = new PlanMocks("eu-west-1");
    var logger = PulumiTestInternal.logger(Level.WARNING);
    RecordingMonitor[] monitor = new RecordingMonitor[1];
    try {
      var result = PulumiTestInternal.builder()
          .options(TestOptions.builder().projectName("p").stackName("s").preview(true).build())
          .standardLogger(logger)
          .config(Map.of("gantry:bucket", "models-bucket", "gantry:token", "[secret]"), Set.of("gantry:token"))
          .mocks(mocks)
          .monitorDecorator(m -> monitor[0] = new RecordingMonitor(mocks, PulumiTestInternal.mockLog(logger)))
          .build()
          .runTest(ctx -> {
            var group = new ComponentResource("test:index:Group", "group");
            var bucket = new BucketV2("bucket", BucketV2Args.builder()
                .bucket(ctx.config("gantry").require("bucket"))
                .tags(ctx.config("gantry").requireSecret("token").applyValue(t -> Map.of("token", t)))
                .build(), CustomResourceOptions.builder().parent(group).build());
            new BucketVersioningV2("versioning", BucketVersioningV2Args.builder()
                .bucket(bucket.id())
                .versioningConfiguration(BucketVersioningV2VersioningConfigurationArgs.builder().status("Enabled").build())
                .build(), CustomResourceOptions.builder().parent(group).build());
            ctx.export("bucket", bucket.bucket());
            ctx.export("answer", Output.of(42));
          });
      assertThat(result.exceptions()).isEmpty();
    } finally {
      PulumiTestInternal.cleanup();
    }
    var byName = monitor[0].registrations().stream()
        .collect(java.util.stream.Collectors.toMap(RecordingMonitor.Registration::name, r -> r));
    assertThat(byName.keySet()).containsExactlyInAnyOrder("group", "bucket", "versioning");
    var group = byName.get("group");
    var bucket = byName.get("bucket");
    var versioning = byName.get("versioning");
    assertThat(group.custom()).isFalse();
    assertThat(bucket.custom()).isTrue();
    assertThat(bucket.parent()).isEqualTo(group.urn());
    assertThat(bucket.inputs().path("bucket").asText()).as("config value reached the program").isEqualTo("models-bucket");
    assertThat(Values.isSecret(bucket.inputs().path("tags"))).as("secret config stays opaque").isTrue();
    assertThat(versioning.dependencies()).contains(bucket.urn());
    assertThat(versioning.inputs().path("bucket").asText()).isEqualTo("models-bucket");
    assertThat(monitor[0].stackOutputs().path("bucket").asText()).isEqualTo("models-bucket");
    assertThat(monitor[0].stackOutputs().path("answer").asLong()).isEqualTo(42);
    assertThat(monitor[0].stackUrn()).isEqualTo("urn:pulumi:s::p::pulumi:pulumi:Stack::p-s");
    assertThat(List.of(Planner.providerUrn("urn:pulumi:s::p::pulumi:providers:kubernetes::k8s::abc123")))
        .containsExactly("urn:pulumi:s::p::pulumi:providers:kubernetes::k8s");
  }

  @Test
  void structJson_translatesPulumiSentinels() {
    var unknown = com.google.protobuf.Value.newBuilder().setStringValue(StructJson.UNKNOWN).build();
    assertThat(Values.isUnknown(StructJson.toJson(unknown))).isTrue();
    var secret = com.google.protobuf.Value.newBuilder().setStructValue(com.google.protobuf.Struct.newBuilder()
        .putFields(StructJson.SIG_KEY, com.google.protobuf.Value.newBuilder().setStringValue(StructJson.SIG_SECRET).build())
        .putFields("value", com.google.protobuf.Value.newBuilder().setStringValue("hunter2").build())).build();
    assertThat(StructJson.toJson(secret)).isEqualTo(Values.secret());
    assertThat(StructJson.toJson(secret).toString()).doesNotContain("hunter2");
    var number = com.google.protobuf.Value.newBuilder().setNumberValue(3.0).build();
    assertThat(StructJson.toJson(number).isIntegralNumber()).isTrue();
  }
}
