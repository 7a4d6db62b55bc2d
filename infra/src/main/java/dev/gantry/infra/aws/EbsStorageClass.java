package dev.gantry.infra.aws;

import com.pulumi.kubernetes.meta.v1.inputs.ObjectMetaArgs;
import com.pulumi.kubernetes.storage.v1.StorageClass;
import com.pulumi.kubernetes.storage.v1.StorageClassArgs;
import com.pulumi.resources.CustomResourceOptions;
import java.util.Map;

/**
 * The default StorageClass of a Gantry EKS cluster: encrypted gp3 volumes provisioned by the
 * EBS CSI driver add-on of {@link GpuCluster}. EKS ships only a gp2 class for the removed
 * in-tree plugin (and since 1.30 marks none as default), so a claim without a class, such as
 * Prometheus's volume from kube-prometheus-stack, would stay Pending without this one.
 */
public final class EbsStorageClass {
  public static final String NAME = "gp3";
  public static final String PROVISIONER = "ebs.csi.aws.com";
  /** Annotation that makes a class the cluster default for claims that name none. */
  public static final String DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";

  private EbsStorageClass() {}

  /**
   * Declares the class with the Kubernetes provider in {@code options}. Volumes bind when
   * their pod is scheduled (so they land in the pod's zone), are encrypted with the account's
   * EBS key, grow in place, and are deleted with their claim.
   */
  public static StorageClass create(String name, CustomResourceOptions options) {
    return new StorageClass(name, StorageClassArgs.builder()
        .metadata(ObjectMetaArgs.builder()
            .name(NAME)
            .annotations(Map.of(DEFAULT_CLASS_ANNOTATION, "true"))
            .labels(Map.of("app.kubernetes.io/managed-by", "pulumi", "app.kubernetes.io/part-of", "gantry"))
            .build())
        .provisioner(PROVISIONER)
        .parameters(Map.of("type", "gp3", "encrypted", "true", "csi.storage.k8s.io/fstype", "ext4"))
        .volumeBindingMode("WaitForFirstConsumer")
        .allowVolumeExpansion(true)
        .reclaimPolicy("Delete")
        .build(), options);
  }
}
