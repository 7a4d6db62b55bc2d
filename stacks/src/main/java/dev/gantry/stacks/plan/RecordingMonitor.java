package dev.gantry.stacks.plan;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.pulumi.Log;
import com.pulumi.resources.Resource;
import com.pulumi.test.Mocks;
import com.pulumi.test.internal.MockMonitor;
import dev.gantry.policies.graph.Invoke;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import pulumirpc.Resource.RegisterResourceOutputsRequest;
import pulumirpc.Resource.RegisterResourceRequest;
import pulumirpc.Resource.RegisterResourceResponse;
import pulumirpc.Resource.ResourceInvokeRequest;
import pulumirpc.Resource.ResourceInvokeResponse;

/**
 * Pulumi's mock monitor, plus a record of what the program asked for: every registered
 * resource with its parent, dependencies, provider and inputs (which the public test API
 * does not expose), every invoke, and the stack outputs.
 *
 * <p>Relies on {@code com.pulumi.test.internal.MockMonitor}, an internal-use class that has
 * kept the same shape from Pulumi Java 1.16 to 1.36; {@code InternalApiPinTest} fails
 * first if an upgrade changes it.
 */
final class RecordingMonitor extends MockMonitor {
  static final String STACK_TYPE = "pulumi:pulumi:Stack";

  /**
   * One registration as sent by the SDK.
   *
   * @param urn          URN the monitor assigned
   * @param type         type token
   * @param name         logical name
   * @param custom       provider-managed (not a component)
   * @param parent       parent URN, or empty
   * @param dependencies URNs the resource depends on
   * @param provider     provider reference ({@code urn::id}), or empty
   * @param inputs       inputs as JSON
   */
  record Registration(String urn, String type, String name, boolean custom, String parent, Set<String> dependencies,
      String provider, ObjectNode inputs) {}

  private final Map<String, Registration> registrations = new ConcurrentHashMap<>();
  private final List<Invoke> invokes = new ArrayList<>();
  private volatile String stackUrn;
  private volatile ObjectNode stackOutputs;

  RecordingMonitor(Mocks mocks, Log log) {
    super(mocks, log);
  }

  @Override
  public CompletableFuture<RegisterResourceResponse> registerResourceAsync(Resource resource, RegisterResourceRequest request) {
    return super.registerResourceAsync(resource, request).thenApply(response -> {
      if (STACK_TYPE.equals(request.getType())) {
        stackUrn = response.getUrn();
      } else {
        Set<String> deps = new TreeSet<>(request.getDependenciesList());
        request.getPropertyDependenciesMap().values().forEach(d -> deps.addAll(d.getUrnsList()));
        registrations.put(response.getUrn(), new Registration(response.getUrn(), request.getType(), request.getName(),
            request.getCustom(), request.getParent(), deps, request.getProvider(), StructJson.toJson(request.getObject())));
      }
      return response;
    });
  }

  @Override
  public CompletableFuture<ResourceInvokeResponse> invokeAsync(ResourceInvokeRequest request) {
    synchronized (invokes) {
      invokes.add(new Invoke(request.getTok(), StructJson.toJson(request.getArgs())));
    }
    return super.invokeAsync(request);
  }

  @Override
  public CompletableFuture<Void> registerResourceOutputsAsync(RegisterResourceOutputsRequest request) {
    if (request.getUrn().equals(stackUrn) || request.getUrn().contains("::" + STACK_TYPE + "::")) {
      stackOutputs = StructJson.toJson(request.getOutputs());
    }
    return super.registerResourceOutputsAsync(request);
  }

  List<Registration> registrations() {
    return List.copyOf(registrations.values());
  }

  List<Invoke> invokes() {
    synchronized (invokes) {
      return List.copyOf(invokes);
    }
  }

  String stackUrn() {
    return stackUrn;
  }

  ObjectNode stackOutputs() {
    return stackOutputs;
  }
}
