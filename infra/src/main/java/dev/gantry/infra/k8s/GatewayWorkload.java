package dev.gantry.infra.k8s;

import com.pulumi.core.Output;
import com.pulumi.kubernetes.apps.v1.Deployment;
import com.pulumi.kubernetes.apps.v1.DeploymentArgs;
import com.pulumi.kubernetes.apps.v1.inputs.DeploymentSpecArgs;
import com.pulumi.kubernetes.apps.v1.inputs.DeploymentStrategyArgs;
import com.pulumi.kubernetes.apps.v1.inputs.RollingUpdateDeploymentArgs;
import com.pulumi.kubernetes.autoscaling.v2.HorizontalPodAutoscaler;
import com.pulumi.kubernetes.autoscaling.v2.HorizontalPodAutoscalerArgs;
import com.pulumi.kubernetes.autoscaling.v2.inputs.CrossVersionObjectReferenceArgs;
import com.pulumi.kubernetes.autoscaling.v2.inputs.HPAScalingRulesArgs;
import com.pulumi.kubernetes.autoscaling.v2.inputs.HorizontalPodAutoscalerBehaviorArgs;
import com.pulumi.kubernetes.autoscaling.v2.inputs.HorizontalPodAutoscalerSpecArgs;
import com.pulumi.kubernetes.autoscaling.v2.inputs.MetricSpecArgs;
import com.pulumi.kubernetes.autoscaling.v2.inputs.MetricTargetArgs;
import com.pulumi.kubernetes.autoscaling.v2.inputs.ResourceMetricSourceArgs;
import com.pulumi.kubernetes.core.v1.ConfigMap;
import com.pulumi.kubernetes.core.v1.ConfigMapArgs;
import com.pulumi.kubernetes.core.v1.Service;
import com.pulumi.kubernetes.core.v1.ServiceAccount;
import com.pulumi.kubernetes.core.v1.ServiceAccountArgs;
import com.pulumi.kubernetes.core.v1.inputs.ConfigMapVolumeSourceArgs;
import com.pulumi.kubernetes.core.v1.inputs.ContainerArgs;
import com.pulumi.kubernetes.core.v1.inputs.ContainerPortArgs;
import com.pulumi.kubernetes.core.v1.inputs.EnvVarArgs;
import com.pulumi.kubernetes.core.v1.inputs.EnvVarSourceArgs;
import com.pulumi.kubernetes.core.v1.inputs.PodSpecArgs;
import com.pulumi.kubernetes.core.v1.inputs.PodTemplateSpecArgs;
import com.pulumi.kubernetes.core.v1.inputs.SecretKeySelectorArgs;
import com.pulumi.kubernetes.core.v1.inputs.VolumeArgs;
import com.pulumi.kubernetes.core.v1.inputs.VolumeMountArgs;
import com.pulumi.kubernetes.meta.v1.inputs.ObjectMetaArgs;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The LLM gateway in front of the engines: its {@code config.yaml} in a ConfigMap, a hardened
 * Deployment of at least two replicas reading the master key and database URL from the Secret
 * that {@link SecretSync} materialises, a ClusterIP Service (reached only through the
 * Ingress), a PodDisruptionBudget and a CPU/memory HPA (the gateway is a proxy: its load is
 * CPU, unlike the engines'). Type token {@code gantry:k8s:Gateway}.
 */
public final class GatewayWorkload extends ComponentResource {
  /** Port of the gateway's OpenAI API, health and metrics. */
  public static final int PORT = 4000;
  static final String CONFIG_DIR = "/etc/gantry";
  /** The gateway's data directory (ledger spool) on the pod's writable /tmp volume. */
  static final String DATA_DIR = "/tmp/gantry-gateway";

  private final Service service;
  private final Deployment deployment;

  public GatewayWorkload(String name, GatewaySpec spec, List<EngineSpec> engines, String namespace,
      int timeoutSeconds, List<Resource> dependsOn, ComponentResourceOptions options) {
    super("gantry:k8s:Gateway", name, options);
    String resourceName = Labels.GATEWAY_NAME;
    Map<String, String> selector = Labels.gatewaySelector();
    Map<String, String> labels = Labels.withCommon(selector);
    CustomResourceOptions childOptions = CustomResourceOptions.builder().parent(this).dependsOn(dependsOn).build();

    String configYaml = GatewayConfig.yaml(engines, spec, namespace, timeoutSeconds);
    ConfigMap config = new ConfigMap(resourceName + "-config", ConfigMapArgs.builder()
        .metadata(Pods.meta(resourceName + "-config", namespace, labels))
        .data(Map.of("config.yaml", configYaml))
        .build(), childOptions);

    new ServiceAccount(resourceName, ServiceAccountArgs.builder()
        .metadata(Pods.meta(resourceName, namespace, labels))
        .automountServiceAccountToken(false)
        .build(), childOptions);

    ContainerArgs gateway = ContainerArgs.builder()
        .name("gateway")
        .image(spec.image())
        // The gateway's own parser takes "--flag value" (not "--flag=value"); its usage spool goes to
        // the writable /tmp volume (the root file system is read-only).
        .args("--config", CONFIG_DIR + "/config.yaml", "--port", Integer.toString(PORT), "--data-dir", DATA_DIR)
        .ports(ContainerPortArgs.builder().name("http").containerPort(PORT).protocol("TCP").build())
        .env(
            secretEnv(GatewayConfig.MASTER_KEY_ENV, SecretSync.GATEWAY_MASTER_KEY),
            secretEnv(GatewayConfig.DATABASE_URL_ENV, SecretSync.GATEWAY_DATABASE_URL),
            EnvVarArgs.builder().name("HOME").value("/tmp").build())
        .resources(Pods.guaranteed(spec.cpu(), spec.memory(), Map.of()))
        .startupProbe(Pods.httpProbe("/health/liveliness", "http", 5, 24, 3))
        .readinessProbe(Pods.httpProbe("/health/readiness", "http", 5, 3, 3))
        .livenessProbe(Pods.httpProbe("/health/liveliness", "http", 10, 3, 5))
        .securityContext(Pods.containerSecurity())
        .volumeMounts(Stream.concat(Stream.of(
            VolumeMountArgs.builder().name("config").mountPath(CONFIG_DIR).readOnly(true).build(),
            VolumeMountArgs.builder().name("tmp").mountPath("/tmp").build()), Pods.imageCacheMounts("tmp").stream()).toList())
        .build();

    this.deployment = new Deployment(resourceName, DeploymentArgs.builder()
        .metadata(Pods.meta(resourceName, namespace, labels))
        .spec(DeploymentSpecArgs.builder()
            // No spec.replicas: the HPA (minReplicas = spec.replicas()) owns the count.
            .selector(Pods.selector(selector))
            .strategy(DeploymentStrategyArgs.builder().type("RollingUpdate")
                .rollingUpdate(RollingUpdateDeploymentArgs.builder().maxUnavailable(0).maxSurge("25%").build())
                .build())
            .template(PodTemplateSpecArgs.builder()
                .metadata(ObjectMetaArgs.builder()
                    .labels(labels)
                    .annotations(Map.of("checksum/config", GatewayConfig.checksum(configYaml)))
                    .build())
                .spec(PodSpecArgs.builder()
                    .serviceAccountName(resourceName)
                    .automountServiceAccountToken(false)
                    .enableServiceLinks(false)
                    .terminationGracePeriodSeconds(Math.max(30, timeoutSeconds))
                    .securityContext(Pods.podSecurity())
                    .topologySpreadConstraints(
                        Pods.spread("topology.kubernetes.io/zone", selector),
                        Pods.spread("kubernetes.io/hostname", selector))
                    .containers(gateway)
                    .volumes(
                        VolumeArgs.builder().name("config")
                            .configMap(ConfigMapVolumeSourceArgs.builder().name(resourceName + "-config").build())
                            .build(),
                        Pods.emptyDir("tmp", null, "1Gi"),
                        Pods.emptyDir(Pods.IMAGE_CACHE_VOLUME, null, "256Mi"))
                    .build())
                .build())
            .build())
        .build(), CustomResourceOptions.builder().parent(this).dependsOn(concat(dependsOn, config)).build());

    this.service = Pods.httpService(resourceName, namespace, labels, selector, PORT, childOptions);
    Pods.oneAtATime(resourceName, namespace, labels, selector, childOptions);

    new HorizontalPodAutoscaler(resourceName, HorizontalPodAutoscalerArgs.builder()
        .metadata(Pods.meta(resourceName, namespace, labels))
        .spec(HorizontalPodAutoscalerSpecArgs.builder()
            .scaleTargetRef(CrossVersionObjectReferenceArgs.builder()
                .apiVersion("apps/v1").kind("Deployment").name(resourceName).build())
            .minReplicas(spec.replicas())
            .maxReplicas(spec.maxReplicas())
            .metrics(resourceMetric("cpu", 70), resourceMetric("memory", 80))
            .behavior(HorizontalPodAutoscalerBehaviorArgs.builder()
                .scaleDown(HPAScalingRulesArgs.builder().stabilizationWindowSeconds(300).build())
                .build())
            .build())
        .build(), childOptions);

    registerOutputs(Map.of(
        "serviceName", Output.of(resourceName),
        "configYaml", Output.of(configYaml)));
  }

  public Service service() {
    return service;
  }

  public Deployment deployment() {
    return deployment;
  }

  private static EnvVarArgs secretEnv(String env, String key) {
    return EnvVarArgs.builder().name(env)
        .valueFrom(EnvVarSourceArgs.builder()
            .secretKeyRef(SecretKeySelectorArgs.builder().name(SecretSync.GATEWAY_SECRET).key(key).build())
            .build())
        .build();
  }

  private static MetricSpecArgs resourceMetric(String resource, int utilizationPercent) {
    return MetricSpecArgs.builder().type("Resource")
        .resource(ResourceMetricSourceArgs.builder().name(resource)
            .target(MetricTargetArgs.builder().type("Utilization").averageUtilization(utilizationPercent).build())
            .build())
        .build();
  }

  private static List<Resource> concat(List<Resource> list, Resource... more) {
    return Stream.concat(list.stream(), Arrays.stream(more)).toList();
  }
}
