package dev.gantry.infra.k8s;

import com.pulumi.core.Output;
import com.pulumi.kubernetes.core.v1.ServiceAccount;
import com.pulumi.kubernetes.core.v1.ServiceAccountArgs;
import com.pulumi.kubernetes.meta.v1.inputs.ObjectMetaArgs;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything Gantry runs inside a Kubernetes cluster, cloud-neutral: namespaces, the NVIDIA
 * device plugin, secret sync from the cloud store, monitoring (Prometheus, alerts, dashboards,
 * the queue-depth metric for autoscaling), one {@link ModelEngine} per model, the
 * {@link GatewayWorkload}, NetworkPolicies, and the TLS edge. Type token
 * {@code gantry:k8s:ServingWorkloads}.
 *
 * <p>The caller passes the cluster's {@code kubernetes} Provider in the options
 * ({@code ComponentResourceOptions.builder().providers(k8sProvider)}); every child inherits it.
 * <pre>{@code
 * new ServingWorkloads("serving", args,
 *     ComponentResourceOptions.builder().providers(k8sProvider).build());
 * }</pre>
 */
public final class ServingWorkloads extends ComponentResource {
  /** Service account the engines run under; carries the bucket-read identity. */
  public static final String ENGINE_SERVICE_ACCOUNT = Labels.ENGINE_NAME;

  private final Map<String, ModelEngine> engines = new LinkedHashMap<>();
  private final GatewayWorkload gateway;
  private final Edge edge;
  private final Monitoring monitoring; // null when the stack turns monitoring off

  public ServingWorkloads(String name, ServingWorkloadsArgs args, ComponentResourceOptions options) {
    super("gantry:k8s:ServingWorkloads", name, options);
    NamespaceNames ns = args.namespaces();
    ComponentResourceOptions child = ComponentResourceOptions.builder().parent(this).build();

    Namespaces namespaces = new Namespaces(name + "-namespaces", ns, child);
    Map<String, Resource> byName = namespaces.byName();
    Resource serving = byName.get(ns.serving());

    // CPU-only stacks (an existing cluster without GPUs) need no device plugin.
    GpuDevicePlugin devicePlugin = args.gpuPools().isEmpty() ? null : new GpuDevicePlugin(name + "-gpu-device-plugin",
        args.gpuPools(), ns.system(), args.charts().nvidiaDevicePlugin(), byName.get(ns.system()), child);
    SecretSync secrets = new SecretSync(name + "-secrets", args, byName, child);
    this.monitoring = args.monitoring().enabled()
        ? new Monitoring(name + "-monitoring", args, byName, secrets.grafanaSecret(), child) : null;
    Resource monitoringStack = monitoring == null ? null : monitoring.stack();

    ServiceAccount engineAccount = new ServiceAccount(ENGINE_SERVICE_ACCOUNT, ServiceAccountArgs.builder()
        .metadata(ObjectMetaArgs.builder()
            .name(ENGINE_SERVICE_ACCOUNT)
            .namespace(ns.serving())
            .labels(Labels.withCommon(Labels.allEngines()))
            .annotations(args.modelReaderIdentity().asOutput())
            .build())
        .automountServiceAccountToken(false)
        .build(), CustomResourceOptions.builder().parent(this).dependsOn(serving).build());

    ModelEngine.Placement placement = new ModelEngine.Placement(ns.serving(), args.modelBucketUri(),
        args.modelDownloaderImage(), ENGINE_SERVICE_ACCOUNT, args.modelReaderIdentity().podLabels());
    for (EngineSpec spec : args.engines()) {
      List<Resource> before = spec.onCpu() ? List.of(serving, engineAccount)
          : List.of(serving, engineAccount, devicePlugin.release());
      engines.put(spec.name(), new ModelEngine(name + "-engine-" + spec.name(), spec, placement, before, child));
    }

    List<Resource> beforeGateway = new java.util.ArrayList<>(List.of(serving, secrets.gatewaySecret()));
    if (args.database() != null) {
      beforeGateway.add(new InClusterDatabase(name + "-database", args.database(), ns, args.charts().cloudnativePg(),
          byName, monitoringStack, child).cluster());
    }
    this.gateway = new GatewayWorkload(name + "-gateway", args.gateway(), args.engines(), ns.serving(),
        args.ingress().requestTimeoutSeconds(), beforeGateway, child);
    new NetworkPolicies(name + "-network-policies", args, serving, child);
    this.edge = new Edge(name + "-edge", args, byName, monitoringStack, gateway.service(), child);

    Map<String, String> engineUrls = new LinkedHashMap<>();
    args.engines().forEach(spec -> engineUrls.put(spec.servedModelName(), ModelEngine.baseUrl(spec, ns.serving())));
    registerOutputs(Map.of(
        "gatewayUrl", Output.of("https://" + args.ingress().host()),
        "servingNamespace", Output.of(ns.serving()),
        "engineUrls", Output.of(engineUrls),
        "alerts", Output.of(alertNames())));
  }

  /** Engines by model name. */
  public Map<String, ModelEngine> engines() {
    return Map.copyOf(engines);
  }

  public GatewayWorkload gateway() {
    return gateway;
  }

  public Edge edge() {
    return edge;
  }

  /** The monitoring component, or null when the stack turns monitoring off. */
  public Monitoring monitoring() {
    return monitoring;
  }

  /** Names of the serving alerts; none without monitoring. */
  public List<String> alertNames() {
    return monitoring == null ? List.of() : monitoring.alertNames();
  }
}
