package dev.gantry.infra.k8s;

import com.pulumi.core.Output;
import com.pulumi.kubernetes.helm.v3.Release;
import com.pulumi.kubernetes.helm.v3.ReleaseArgs;
import com.pulumi.kubernetes.helm.v3.inputs.RepositoryOptsArgs;
import com.pulumi.resources.CustomResourceOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Helm releases of third-party charts. The kubernetes 4.0.0 Java SDK offers {@code helm.v3.Release}
 * (a real Helm release, which also installs the chart's CRDs) but no {@code Chart}; every release
 * gets a fixed name so the Services it creates have predictable names, and {@code atomic} so a
 * failed upgrade rolls back instead of leaving a half-applied chart.
 */
final class Charts {
  static final String INGRESS_NGINX_REPO = "https://kubernetes.github.io/ingress-nginx";
  static final String JETSTACK_REPO = "https://charts.jetstack.io";
  static final String PROMETHEUS_COMMUNITY_REPO = "https://prometheus-community.github.io/helm-charts";
  static final String NVIDIA_REPO = "https://nvidia.github.io/k8s-device-plugin";
  static final String EXTERNAL_SECRETS_REPO = "https://charts.external-secrets.io";
  static final String CLOUDNATIVE_PG_REPO = "https://cloudnative-pg.github.io/charts";

  private Charts() {}

  static Release release(String name, String chart, String repo, String version, String namespace,
      Output<Map<String, Object>> values, CustomResourceOptions options) {
    return new Release(name, ReleaseArgs.builder()
        .name(name)
        .chart(chart)
        .version(version)
        .repositoryOpts(RepositoryOptsArgs.builder().repo(repo).build())
        .namespace(namespace)
        .atomic(true)
        .cleanupOnFail(true)
        .timeout(900)
        .values(values)
        .build(), options);
  }

  static Release release(String name, String chart, String repo, String version, String namespace,
      Map<String, Object> values, CustomResourceOptions options) {
    return release(name, chart, repo, version, namespace, Output.of(values), options);
  }

  /** A mutable ordered map from alternating keys and values, for readable Helm values. */
  static Map<String, Object> map(Object... keysAndValues) {
    if (keysAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("map needs key/value pairs, got " + keysAndValues.length + " items");
    }
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }

  static List<Object> list(Object... items) {
    return List.of(items);
  }
}
