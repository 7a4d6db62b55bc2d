package dev.gantry.infra.k8s;

import com.pulumi.core.Output;
import java.util.List;
import java.util.Map;

/** Realistic workload specs for tests: a TP=1 7B model and a TP=2 model on an H100 pool. */
final class Fixtures {
  static final String ENGINE_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/gantry-engine@sha256:"
      + "a".repeat(64);
  static final String GATEWAY_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/gantry-gateway@sha256:"
      + "b".repeat(64);
  static final String RCLONE_IMAGE = "rclone/rclone@sha256:" + "c".repeat(64);

  private Fixtures() {}

  static EngineSpec qwen7b() {
    return new EngineSpec("qwen25-7b", ENGINE_IMAGE, "hf://Qwen/Qwen2.5-7B-Instruct",
        "a09a35458c702b33eeacc393d103063234e8bc28", "qwen2.5-7b-instruct", 8192, 64, 16, 0.9, 1,
        "bfloat16", "none", true, "gpu-l4", 1, 4, "6", "28Gi", "40Gi", 600, 5);
  }

  static EngineSpec llama70b() {
    return new EngineSpec("llama31-70b", ENGINE_IMAGE, "hf://meta-llama/Llama-3.1-70B-Instruct",
        "945c8663693130f8be2ee66210e062158b2a9693", "llama-3.1-70b-instruct", 16384, 128, 16, 0.92, 2,
        "auto", "fp8", false, "gpu-h100", 2, 6, "24", "200Gi", "200Gi", 1800, 8);
  }

  static GatewaySpec gateway() {
    return new GatewaySpec(GATEWAY_IMAGE, 3, 10, "2", "2Gi", "gantry/prod/master-key",
        "gantry/prod/database-url", 600, 200000, "engine-aware");
  }

  static IngressSpec ingress() {
    return new IngressSpec("llm.example.com", "platform@example.com", null, 20, 5, 20, 600,
        Map.of("service.beta.kubernetes.io/aws-load-balancer-type", "nlb"));
  }

  static ServingWorkloadsArgs args(String bucketUri, List<EngineSpec> engines) {
    return new ServingWorkloadsArgs(NamespaceNames.defaults(), bucketUri, RCLONE_IMAGE,
        WorkloadIdentity.of("eks.amazonaws.com/role-arn", Output.of("arn:aws:iam::123456789012:role/model-reader")),
        engines, gateway(), ingress(), MonitoringSpec.defaults(),
        new SecretStoreSpec.AwsSecretsManager("us-east-1",
            WorkloadIdentity.of("eks.amazonaws.com/role-arn", Output.of("arn:aws:iam::123456789012:role/eso"))),
        HelmCharts.defaults());
  }

  static ServingWorkloadsArgs args() {
    return args("s3://gantry-models-prod/models", List.of(qwen7b(), llama70b()));
  }
}
