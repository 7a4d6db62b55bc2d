package dev.gantry.infra.aws;

import com.pulumi.core.Output;
import com.pulumi.test.Mocks;
import com.pulumi.test.PulumiTest;
import com.pulumi.test.TestResult;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Runs AWS components under Pulumi's mock monitor, echoing inputs as outputs and adding the
 * few outputs the components read back (EKS identity, security group, CA), and records the
 * inputs of every custom resource.
 */
final class AwsMocks implements Mocks {
  record Registered(String type, String name, Map<String, Object> inputs) {}

  private final List<Registered> registered = new CopyOnWriteArrayList<>();

  @Override
  public CompletableFuture<ResourceResult> newResourceAsync(ResourceArgs args) {
    registered.add(new Registered(args.type, args.name, args.inputs));
    Map<String, Object> state = new HashMap<>(args.inputs);
    state.putIfAbsent("arn", "arn:aws:test:::" + args.name);
    state.putIfAbsent("name", args.name);
    if (args.type.equals("aws:eks/cluster:Cluster")) {
      state.put("endpoint", "https://example.eks.amazonaws.com");
      state.put("certificateAuthority", Map.of("data", "Q0E="));
      state.put("identities", List.of(Map.of("oidcs", List.of(Map.of("issuer", "https://oidc.eks.us-east-1.amazonaws.com/id/ABC")))));
      Map<String, Object> vpc = new HashMap<>((Map<String, Object>) args.inputs.getOrDefault("vpcConfig", Map.of()));
      vpc.put("clusterSecurityGroupId", "sg-cluster");
      state.put("vpcConfig", vpc);
    }
    if (args.type.equals("aws:rds/instance:Instance")) {
      state.put("address", "db.example.rds.amazonaws.com");
      state.put("port", 5432);
    }
    return CompletableFuture.completedFuture(ResourceResult.of(Optional.of(args.name + "-id"), state));
  }

  static AwsMocks run(Consumer<com.pulumi.Context> program) {
    AwsMocks mocks = new AwsMocks();
    try {
      TestResult result = PulumiTest.withMocks(mocks).runTest(program);
      if (!result.errors().isEmpty() || !result.exceptions().isEmpty()) {
        throw new AssertionError("program failed: " + result.errors() + " " + result.exceptions());
      }
    } finally {
      PulumiTest.cleanup();
    }
    return mocks;
  }

  List<Registered> ofType(String type) {
    return registered.stream().filter(r -> r.type().equals(type)).toList();
  }

  Registered one(String type, String name) {
    return registered.stream().filter(r -> r.type().equals(type) && r.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + type + " named " + name + "; got " + registered.stream().map(Registered::name).toList()));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object o) {
    return (List<Object>) o;
  }

  static Output<List<String>> subnets() {
    return Output.of(List.of("subnet-a", "subnet-b"));
  }
}
