package dev.gantry.runbooks;

import java.util.List;

/**
 * The facts a runbook is rendered from, one record per thing an SRE looks up: all read from
 * the resource graph, the gate report and the GPU catalog, numbers already formatted. The
 * templates see these as nested maps (see {@link TemplateContext}).
 */
final class Facts {
  private Facts() {}

  /** Everything about one stack. */
  record Stack(String name, String project, String cloud, String region, String zones, String source, String generatedOn,
      Cluster cluster, Namespaces ns, List<Pool> pools, List<Model> models, Gateway gateway, Ingress ingress,
      Database database, Bucket bucket, List<String> secrets, List<SecretKey> secretConfigKeys, Images images,
      Monitoring monitoring, List<Alert> alerts, OnCall onCall, Cost cost, Gate gate, Diagrams diagrams) {

    Stack withDiagrams(Diagrams d) {
      return new Stack(name, project, cloud, region, zones, source, generatedOn, cluster, ns, pools, models, gateway, ingress,
          database, bucket, secrets, secretConfigKeys, images, monitoring, alerts, onCall, cost, gate, d);
    }
  }

  /** A {@code secure:} config key, a shell expression that produces a suitable value, and where it comes from. */
  record SecretKey(String key, String value, String note) {}

  record Cluster(String name, String service, String kubernetesVersion, String kubeconfig, String systemPoolInstanceType,
      int systemPoolMinNodes, int systemPoolMaxNodes, String cli) {}

  record Namespaces(String serving, String monitoring, String ingress, String system) {}

  /** A GPU node pool with its price; {@code priced} is false when the catalog lacks the type. */
  record Pool(String name, String instanceType, String gpuModel, int gpusPerNode, String gpuMemoryGiB, int minNodes,
      int desiredNodes, int maxNodes, boolean spot, String zones, boolean priced, String usdPerHour, String monthlyUsdDesired,
      String monthlyUsdMax, String nodeSelector) {}

  /** One served model, its workload names and its fit on its pool and on larger GPUs. */
  record Model(String name, String source, String revision, String pool, String instanceType, String dtype,
      String quantization, int maxModelLen, int maxNumSeqs, int tensorParallelSize, int minReplicas, int maxReplicas,
      String deployment, String service, int port, String selector, String hpa, String hpaMetric, String hpaTarget,
      int startupBudgetSeconds, String weightsPath, String weightsPrefix, Fit fit, List<Fit> largerGpus,
      int gpusAtMaxReplicas, int poolGpusAtMaxNodes) {}

  /** The GPU-fit numbers of one model on one instance type (the gate's GNT-LLM-001 computation). */
  record Fit(String instanceType, String gpuModel, int gpuCount, String gpuMemoryGiB, String weightsGiB, String kvGiB,
      String headroomGiB, String neededGiB, String availableGiB, boolean fits, int sequencesAtMaxModelLen,
      String usdPerHour, String monthlyUsd) {}

  record Gateway(String deployment, String service, int port, String host, String url, int minReplicas, int maxReplicas,
      boolean authEnabled, String masterKeySecret, String readMasterKey, String selector, String readinessPath,
      String livenessPath, String configMap) {}

  record Ingress(String name, String namespace, String host, String tlsSecret, String className, String rateLimitRps,
      String controllerNamespace) {}

  record Database(String type, String service, String identifier, String engine, String version, String instanceClass,
      int backupRetentionDays, String backupWindow, boolean multiAz, boolean deletionProtection, String finalSnapshot,
      String address, String pointInTimeRestore, String listBackups, String failover) {}

  record Bucket(String name, String url, boolean versioned, String listVersions, String restoreVersion, String example) {}

  record Images(String engine, String gateway, String engineRepository, String gatewayRepository, String listEngineImages,
      String listGatewayImages) {}

  record Monitoring(String prometheusService, String grafanaService, String alertmanagerService, String ruleName) {}

  /**
   * One alert of the stack's PrometheusRules.
   *
   * @param kind what it watches, from its PromQL: latency, ttft, kvcache, queue, preemption, replicas, unavailable,
   *             scrape or other; the templates pick the guidance by it
   */
  record Alert(String name, String anchor, String group, String severity, String forDuration, String expr, String summary,
      String description, String kind, String component, boolean critical) {}

  record OnCall(String team, String slackChannel, String pagerDutyService, List<String> other) {}

  record Cost(String monthlyUsdDesired, String monthlyUsdMin, String monthlyUsdMax, List<String> unpriced) {}

  /** The gate's verdict and the checklist items by phase. */
  record Gate(boolean ready, String day, long blocking, long advisory, long waived, List<Finding> findings,
      List<Item> items, List<String> notes) {}

  record Finding(String rule, String status, String subject, String message, String fix) {}

  /** A checklist item; {@code state} is proved, attested, waived or missing. */
  record Item(String phase, String id, String title, boolean mandatory, String state, String detail) {}

  record Diagrams(String architecture, String components) {}
}
