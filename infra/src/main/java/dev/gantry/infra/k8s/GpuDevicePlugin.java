package dev.gantry.infra.k8s;

import com.pulumi.core.Output;
import com.pulumi.kubernetes.helm.v3.Release;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import java.util.List;
import java.util.Map;

/**
 * The NVIDIA device plugin DaemonSet (Helm chart {@code nvidia-device-plugin}), which advertises
 * {@code nvidia.com/gpu} on GPU nodes. It is pinned to Gantry's GPU pools by node affinity on
 * {@code gantry.dev/pool} and tolerates their {@code nvidia.com/gpu} taint. The GPU operator is
 * not used: the clouds' GPU node images already ship the driver and container toolkit.
 * Type token {@code gantry:k8s:GpuDevicePlugin}.
 */
public final class GpuDevicePlugin extends ComponentResource {
  /** Label GKE puts on GPU nodes, whose NVIDIA device plugin GKE itself manages. */
  static final String GKE_ACCELERATOR_LABEL = "cloud.google.com/gke-accelerator";

  private final Release release;

  public GpuDevicePlugin(String name, List<String> gpuPools, String namespace, String chartVersion,
      Resource namespaceResource, ComponentResourceOptions options) {
    super("gantry:k8s:GpuDevicePlugin", name, options);
    Map<String, Object> values = Charts.map(
        "priorityClassName", "system-node-critical",
        "affinity", Charts.map("nodeAffinity", Charts.map(
            "requiredDuringSchedulingIgnoredDuringExecution", Charts.map(
                "nodeSelectorTerms", Charts.list(Charts.map("matchExpressions", Charts.list(
                    Charts.map("key", Labels.POOL, "operator", "In", "values", List.copyOf(gpuPools)),
                    // GKE runs its own device plugin on nodes it installed the driver on; a second one conflicts.
                    Charts.map("key", GKE_ACCELERATOR_LABEL, "operator", "DoesNotExist"))))))),
        "tolerations", Charts.list(
            Charts.map("key", ModelEngine.GPU_RESOURCE, "operator", "Exists", "effect", "NoSchedule"),
            Charts.map("key", "CriticalAddonsOnly", "operator", "Exists")),
        "updateStrategy", Charts.map("type", "RollingUpdate"));
    this.release = Charts.release("nvidia-device-plugin", "nvidia-device-plugin", Charts.NVIDIA_REPO,
        chartVersion, namespace, values,
        CustomResourceOptions.builder().parent(this).dependsOn(namespaceResource).build());
    registerOutputs(Map.of("pools", Output.of(List.copyOf(gpuPools))));
  }

  public Release release() {
    return release;
  }
}
