package dev.gantry.infra.k8s;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The pieces of the serving workloads that do not depend on Kubernetes: the engine's
 * command-line flags, where it loads the weights from, the gateway's {@code config.yaml},
 * the Grafana dashboards and the Prometheus alert rules. The cluster components build their
 * objects from these; {@code gantry compose} builds a single-host docker-compose project
 * from the same calls, so both run a model with the same flags and watch it with the same
 * dashboards.
 */
public final class ServingFiles {
  /** Port of the engine's OpenAI API, /health and /metrics. */
  public static final int ENGINE_PORT = ModelEngine.PORT;
  /** Port of the gateway's OpenAI API, health and metrics. */
  public static final int GATEWAY_PORT = GatewayWorkload.PORT;
  /** Directory the weights volume is mounted at in the engine (and the downloader) container. */
  public static final String MODEL_ROOT = WeightDownload.MODEL_ROOT;
  /** Environment variable the gateway config reads the admin master key from. */
  public static final String MASTER_KEY_ENV = GatewayConfig.MASTER_KEY_ENV;
  /** Environment variable the gateway config reads the usage-ledger database URL from. */
  public static final String DATABASE_URL_ENV = GatewayConfig.DATABASE_URL_ENV;
  /** Shared memory for NCCL between tensor-parallel workers, per GPU of a replica. */
  public static final int SHM_GIB_PER_GPU = ModelEngine.SHM_GIB_PER_GPU;

  private ServingFiles() {}

  /** The engine's flags (named like {@code vllm serve}'s), exactly as the engine Deployment passes them. */
  public static List<String> engineArgs(EngineSpec engine) {
    return List.copyOf(ModelEngine.engineArgs(engine));
  }

  /** Directory the engine loads {@code model}'s weights from ({@code --model}). */
  public static String modelDir(String model) {
    return WeightDownload.localDir(model);
  }

  /**
   * The gateway's LiteLLM-style {@code config.yaml}: one model_list entry per engine, whose
   * {@code api_base} is {@code apiBase} of that engine; master key and database URL are read
   * from {@link #MASTER_KEY_ENV} and {@link #DATABASE_URL_ENV}.
   */
  public static String gatewayConfigYaml(List<EngineSpec> engines, GatewaySpec gateway,
      Function<EngineSpec, String> apiBase, int timeoutSeconds) {
    return GatewayConfig.yaml(engines, gateway, apiBase, timeoutSeconds);
  }

  /**
   * Grafana dashboards, file name to JSON. They select series by {@code namespace} (the
   * given value) and {@code model} labels, which a non-Kubernetes scrape config must attach.
   */
  public static Map<String, String> dashboards(String namespaceLabel) {
    return Dashboards.all(namespaceLabel);
  }

  /** The serving alerts as Prometheus rule groups (the {@code groups:} list of a rule file). */
  public static List<Object> alertRuleGroups(MonitoringSpec spec, String namespaceLabel) {
    return ServingAlerts.groups(spec, namespaceLabel);
  }
}
