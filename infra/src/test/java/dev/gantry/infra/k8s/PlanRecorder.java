package dev.gantry.infra.k8s;

import com.pulumi.kubernetes.Provider;
import com.pulumi.kubernetes.ProviderArgs;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.test.Mocks;
import com.pulumi.test.PulumiTest;
import com.pulumi.test.TestOptions;
import com.pulumi.test.TestResult;
import com.pulumi.core.Output;
import com.pulumi.resources.Resource;
import com.pulumi.resources.ResourceTransformation;
import java.util.concurrent.ConcurrentHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Runs {@link ServingWorkloads} under Pulumi's mock monitor and records every custom resource
 * registered (type, name, inputs as the engine would send them, provider reference).
 */
final class PlanRecorder implements Mocks {
  /** One registered custom resource. */
  record Registered(String type, String name, Map<String, Object> inputs, String provider) {}

  private final List<Registered> registered = new CopyOnWriteArrayList<>();
  private final Map<String, Output<List<Resource>>> dependsOnOutputs = new ConcurrentHashMap<>();
  private final Map<String, List<String>> dependsOn = new ConcurrentHashMap<>();
  private final Map<String, com.pulumi.resources.CustomTimeouts> timeouts = new ConcurrentHashMap<>();

  @Override
  public CompletableFuture<ResourceResult> newResourceAsync(ResourceArgs args) {
    registered.add(new Registered(args.type, args.name, args.inputs, args.provider));
    return CompletableFuture.completedFuture(ResourceResult.of(Optional.of(args.name + "-id"), args.inputs));
  }

  static PlanRecorder run(ServingWorkloadsArgs args) {
    PlanRecorder recorder = new PlanRecorder();
    try {
      // A stack transformation sees every resource's options, including dependsOn, which the
      // mock monitor's public API does not report.
      ResourceTransformation recordDependsOn = t -> {
        recorder.dependsOnOutputs.put(key(t.resource().pulumiResourceType(), t.resource().pulumiResourceName()),
            t.options().getDependsOn());
        t.options().getCustomTimeouts().ifPresent(ct ->
            recorder.timeouts.put(key(t.resource().pulumiResourceType(), t.resource().pulumiResourceName()), ct));
        return Optional.empty();
      };
      TestResult result = PulumiTest.withOptions(TestOptions.builder()
              .resourceTransformations(List.of(recordDependsOn)).build())
          .withMocks(recorder).runTest(ctx -> {
        Provider provider = new Provider("cluster", ProviderArgs.builder().kubeconfig("{}").build());
        new ServingWorkloads("serving", args, ComponentResourceOptions.builder().providers(provider).build());
      });
      if (!result.errors().isEmpty() || !result.exceptions().isEmpty()) {
        throw new AssertionError("program failed: " + result.errors() + " " + result.exceptions());
      }
      recorder.dependsOnOutputs.forEach((resource, output) -> recorder.dependsOn.put(resource,
          PulumiTest.extractValue(output).stream()
              .map(d -> key(d.pulumiResourceType(), d.pulumiResourceName())).sorted().toList()));
    } finally {
      PulumiTest.cleanup();
    }
    return recorder;
  }

  static String key(String type, String name) {
    return type + "/" + name;
  }

  /** "type/name" of the resources that {@code type/name} explicitly depends on. */
  List<String> dependsOn(String type, String name) {
    List<String> deps = dependsOn.get(key(type, name));
    if (deps == null) {
      throw new AssertionError("no resource " + key(type, name) + " was registered");
    }
    return deps;
  }

  /** Custom timeouts of {@code type/name}, if any were set. */
  Optional<com.pulumi.resources.CustomTimeouts> timeouts(String type, String name) {
    return Optional.ofNullable(timeouts.get(key(type, name)));
  }

  List<Registered> all() {
    return List.copyOf(registered);
  }

  List<Registered> ofType(String type) {
    return registered.stream().filter(r -> r.type().equals(type)).toList();
  }

  Registered one(String type, String name) {
    List<Registered> matches = registered.stream()
        .filter(r -> r.type().equals(type) && r.name().equals(name)).toList();
    if (matches.size() != 1) {
      throw new AssertionError("expected one " + type + " named " + name + ", found " + matches.size()
          + " among " + registered.stream().map(r -> r.type() + "/" + r.name()).sorted().toList());
    }
    return matches.get(0);
  }

  /** Navigates nested maps and lists: {@code at(inputs, "spec", "template", "spec", "containers", 0)}. */
  @SuppressWarnings("unchecked")
  static <T> T at(Object root, Object... path) {
    Object node = root;
    for (Object step : path) {
      if (node == null) {
        throw new AssertionError("path " + List.of(path) + " ends early before " + step);
      }
      node = step instanceof Integer i ? ((List<Object>) node).get(i) : ((Map<String, Object>) node).get(step);
    }
    return (T) node;
  }
}
