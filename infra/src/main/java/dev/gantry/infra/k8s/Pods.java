package dev.gantry.infra.k8s;

import com.pulumi.kubernetes.core.v1.Service;
import com.pulumi.kubernetes.core.v1.ServiceArgs;
import com.pulumi.kubernetes.core.v1.inputs.CapabilitiesArgs;
import com.pulumi.kubernetes.core.v1.inputs.ServicePortArgs;
import com.pulumi.kubernetes.core.v1.inputs.ServiceSpecArgs;
import com.pulumi.kubernetes.policy.v1.PodDisruptionBudget;
import com.pulumi.kubernetes.policy.v1.PodDisruptionBudgetArgs;
import com.pulumi.kubernetes.policy.v1.inputs.PodDisruptionBudgetSpecArgs;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.kubernetes.core.v1.inputs.EmptyDirVolumeSourceArgs;
import com.pulumi.kubernetes.core.v1.inputs.HTTPGetActionArgs;
import com.pulumi.kubernetes.core.v1.inputs.PodSecurityContextArgs;
import com.pulumi.kubernetes.core.v1.inputs.ProbeArgs;
import com.pulumi.kubernetes.core.v1.inputs.ResourceRequirementsArgs;
import com.pulumi.kubernetes.core.v1.inputs.SeccompProfileArgs;
import com.pulumi.kubernetes.core.v1.inputs.SecurityContextArgs;
import com.pulumi.kubernetes.core.v1.inputs.TopologySpreadConstraintArgs;
import com.pulumi.kubernetes.core.v1.inputs.VolumeArgs;
import com.pulumi.kubernetes.meta.v1.inputs.LabelSelectorArgs;
import com.pulumi.kubernetes.meta.v1.inputs.ObjectMetaArgs;
import com.pulumi.kubernetes.core.v1.inputs.VolumeMountArgs;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pod-level building blocks every Gantry workload shares, so that the hardening the
 * gate checks (non-root, read-only root file system, no privilege escalation, all
 * capabilities dropped, RuntimeDefault seccomp, requests = limits) is written once.
 */
final class Pods {
  /** A fixed non-root uid/gid; Jib images run as this user too, so mounted volumes are writable. */
  static final int NON_ROOT_UID = 65532;

  /**
   * The writable directory of our Jib images (stacks' {@code ContainerImages.CACHE_DIR}): the
   * JVM's {@code java.io.tmpdir} is {@code tmp/} under it, the JavaCPP cache {@code javacpp/}.
   * With a read-only root file system it must be a volume; e2e's StackContractTest checks the
   * two agree for every stack.
   */
  static final String IMAGE_CACHE_DIR = "/var/cache/gantry";
  static final String IMAGE_CACHE_VOLUME = "image-cache";

  private Pods() {}

  /**
   * Mounts for {@link #IMAGE_CACHE_DIR} on a read-only root: the {@value #IMAGE_CACHE_VOLUME}
   * emptyDir there, and {@code tmpVolume} (the pod's /tmp) at its {@code tmp/} too, because
   * a JVM never creates its temp dir and an emptyDir starts empty (a subPath directory would be
   * created root-owned, not writable by our non-root user).
   */
  static List<VolumeMountArgs> imageCacheMounts(String tmpVolume) {
    return List.of(
        VolumeMountArgs.builder().name(IMAGE_CACHE_VOLUME).mountPath(IMAGE_CACHE_DIR).build(),
        VolumeMountArgs.builder().name(tmpVolume).mountPath(IMAGE_CACHE_DIR + "/tmp").build());
  }

  static ObjectMetaArgs meta(String name, String namespace, Map<String, String> labels) {
    return ObjectMetaArgs.builder().name(name).namespace(namespace).labels(labels).build();
  }

  static ObjectMetaArgs meta(String name, String namespace, Map<String, String> labels, Map<String, String> annotations) {
    return ObjectMetaArgs.builder().name(name).namespace(namespace).labels(labels).annotations(annotations).build();
  }

  static LabelSelectorArgs selector(Map<String, String> matchLabels) {
    return LabelSelectorArgs.builder().matchLabels(matchLabels).build();
  }

  static PodSecurityContextArgs podSecurity() {
    return PodSecurityContextArgs.builder()
        .runAsNonRoot(true)
        .runAsUser(NON_ROOT_UID)
        .runAsGroup(NON_ROOT_UID)
        .fsGroup(NON_ROOT_UID)
        .seccompProfile(SeccompProfileArgs.builder().type("RuntimeDefault").build())
        .build();
  }

  static SecurityContextArgs containerSecurity() {
    return SecurityContextArgs.builder()
        .runAsNonRoot(true)
        .allowPrivilegeEscalation(false)
        .readOnlyRootFilesystem(true)
        .privileged(false)
        .capabilities(CapabilitiesArgs.builder().drop("ALL").build())
        .seccompProfile(SeccompProfileArgs.builder().type("RuntimeDefault").build())
        .build();
  }

  /** Requests equal to limits: Guaranteed QoS, so a GPU replica is the last thing the kubelet evicts. */
  static ResourceRequirementsArgs guaranteed(String cpu, String memory, Map<String, String> extra) {
    Map<String, String> amounts = new LinkedHashMap<>();
    amounts.put("cpu", cpu);
    amounts.put("memory", memory);
    amounts.putAll(extra);
    return ResourceRequirementsArgs.builder().requests(amounts).limits(amounts).build();
  }

  static ProbeArgs httpProbe(String path, String port, int periodSeconds, int failureThreshold, int timeoutSeconds) {
    return ProbeArgs.builder()
        .httpGet(HTTPGetActionArgs.builder().path(path).port(port).build())
        .periodSeconds(periodSeconds)
        .failureThreshold(failureThreshold)
        .timeoutSeconds(timeoutSeconds)
        .successThreshold(1)
        .build();
  }

  static VolumeArgs emptyDir(String name, String medium, String sizeLimit) {
    EmptyDirVolumeSourceArgs.Builder dir = EmptyDirVolumeSourceArgs.builder().sizeLimit(sizeLimit);
    if (medium != null) {
      dir.medium(medium);
    }
    return VolumeArgs.builder().name(name).emptyDir(dir.build()).build();
  }

  static TopologySpreadConstraintArgs spread(String topologyKey, Map<String, String> matchLabels) {
    return TopologySpreadConstraintArgs.builder()
        .topologyKey(topologyKey)
        .maxSkew(1)
        // ScheduleAnyway: GPU capacity is scarce; a skewed replica beats a pending one.
        .whenUnsatisfiable("ScheduleAnyway")
        .labelSelector(selector(matchLabels))
        .build();
  }

  /** A ClusterIP Service exposing the pods' port named {@code http}; nothing of ours is public but the ingress. */
  static Service httpService(String name, String namespace, Map<String, String> labels, Map<String, String> selector,
      int port, CustomResourceOptions options) {
    return new Service(name, ServiceArgs.builder()
        .metadata(meta(name, namespace, labels))
        .spec(ServiceSpecArgs.builder()
            .type("ClusterIP")
            .selector(selector)
            .ports(ServicePortArgs.builder().name("http").port(port).targetPort("http").protocol("TCP").build())
            .build())
        .build(), options);
  }

  /** One pod at a time: node drains proceed, capacity never drops by more than one replica. */
  static PodDisruptionBudget oneAtATime(String name, String namespace, Map<String, String> labels,
      Map<String, String> selector, CustomResourceOptions options) {
    return new PodDisruptionBudget(name, PodDisruptionBudgetArgs.builder()
        .metadata(meta(name, namespace, labels))
        .spec(PodDisruptionBudgetSpecArgs.builder().maxUnavailable(1).selector(selector(selector)).build())
        .build(), options);
  }
}
