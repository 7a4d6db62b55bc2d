package dev.gantry.infra.k8s;

/**
 * Pinned versions of the third-party Helm charts Gantry installs. Pinned so that a plan is
 * reproducible and an upgrade is a reviewed change to stack config, never a surprise.
 *
 * @param ingressNginx        https://kubernetes.github.io/ingress-nginx {@code ingress-nginx}
 * @param certManager         https://charts.jetstack.io {@code cert-manager}
 * @param kubePrometheusStack https://prometheus-community.github.io/helm-charts {@code kube-prometheus-stack}
 * @param prometheusAdapter   https://prometheus-community.github.io/helm-charts {@code prometheus-adapter}
 * @param nvidiaDevicePlugin  https://nvidia.github.io/k8s-device-plugin {@code nvidia-device-plugin}
 * @param externalSecrets     https://charts.external-secrets.io {@code external-secrets}
 * @param cloudnativePg       https://cloudnative-pg.github.io/charts {@code cloudnative-pg} (in-cluster PostgreSQL)
 */
public record HelmCharts(
    String ingressNginx,
    String certManager,
    String kubePrometheusStack,
    String prometheusAdapter,
    String nvidiaDevicePlugin,
    String externalSecrets,
    String cloudnativePg) {

  public HelmCharts {
    Check.nonBlank("charts.ingressNginx", ingressNginx);
    Check.nonBlank("charts.certManager", certManager);
    Check.nonBlank("charts.kubePrometheusStack", kubePrometheusStack);
    Check.nonBlank("charts.prometheusAdapter", prometheusAdapter);
    Check.nonBlank("charts.nvidiaDevicePlugin", nvidiaDevicePlugin);
    Check.nonBlank("charts.externalSecrets", externalSecrets);
    Check.nonBlank("charts.cloudnativePg", cloudnativePg);
  }

  /** Versions tested together (chart versions, not app versions). */
  public static HelmCharts defaults() {
    return new HelmCharts("4.11.3", "v1.16.2", "66.3.1", "4.11.0", "0.17.0", "0.10.7", "0.22.1");
  }
}
