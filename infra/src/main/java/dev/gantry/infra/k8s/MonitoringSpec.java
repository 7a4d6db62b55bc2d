package dev.gantry.infra.k8s;

/**
 * Prometheus retention and storage, and the thresholds of the serving alerts. KV cache
 * saturation is fixed at 95 % for 5 minutes (the point where vLLM starts preempting), the
 * other thresholds depend on the models and the SLA and come from stack config.
 *
 * @param retention                  Prometheus retention, e.g. {@code 15d}
 * @param storageSize                Prometheus volume size, e.g. {@code 100Gi}
 * @param p99E2eLatencySeconds       alert when p99 end-to-end request latency exceeds this
 * @param p99TtftSeconds             alert when p99 time to first token exceeds this
 * @param queueDepthThreshold        alert when waiting requests of a model stay above this
 * @param preemptionsPerSecond       alert when preemptions of a model exceed this rate
 * @param grafanaAdminSecretName     existing Secret with Grafana admin credentials ({@code admin-user}, {@code admin-password})
 * @param enabled                    install the monitoring stack at all; off saves a small cluster about 2 GiB, and
 *                                   the gate then reports PRE-08 unmet (nothing scrapes, alerts or charts)
 */
public record MonitoringSpec(
    String retention,
    String storageSize,
    double p99E2eLatencySeconds,
    double p99TtftSeconds,
    int queueDepthThreshold,
    double preemptionsPerSecond,
    String grafanaAdminSecretName,
    boolean enabled) {

  /** Monitoring on: the shape of every cloud stack. */
  public MonitoringSpec(String retention, String storageSize, double p99E2eLatencySeconds, double p99TtftSeconds,
      int queueDepthThreshold, double preemptionsPerSecond, String grafanaAdminSecretName) {
    this(retention, storageSize, p99E2eLatencySeconds, p99TtftSeconds, queueDepthThreshold, preemptionsPerSecond,
        grafanaAdminSecretName, true);
  }

  public MonitoringSpec {
    Check.nonBlank("monitoring.retention", retention);
    if (!retention.matches("[0-9]+(ms|s|m|h|d|w|y)")) {
      throw new IllegalArgumentException("monitoring.retention: '" + retention
          + "' is not a Prometheus duration; use e.g. '15d'");
    }
    Check.quantity("monitoring.storageSize", storageSize);
    Check.within("monitoring.p99E2eLatencySeconds", p99E2eLatencySeconds, 0, 3600);
    Check.within("monitoring.p99TtftSeconds", p99TtftSeconds, 0, 600);
    Check.atLeast("monitoring.queueDepthThreshold", queueDepthThreshold, 1);
    Check.within("monitoring.preemptionsPerSecond", preemptionsPerSecond, 0, 1e6);
    Check.dnsLabel("monitoring.grafanaAdminSecretName", grafanaAdminSecretName, 253);
  }

  /** Defaults for an interactive chat workload: 30 s p99 latency, 2 s p99 TTFT. */
  public static MonitoringSpec defaults() {
    return new MonitoringSpec("15d", "100Gi", 30.0, 2.0, 20, 1.0, "grafana-admin");
  }
}
