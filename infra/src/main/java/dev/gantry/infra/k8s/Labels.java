package dev.gantry.infra.k8s;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The label contract between the workloads and the production-readiness gate: engine pods
 * carry {@code app.kubernetes.io/name=gantry-engine}, {@code app.kubernetes.io/component=engine}
 * and {@code gantry.dev/model=<model>}; gateway pods {@code app.kubernetes.io/name=gantry-gateway}
 * and {@code app.kubernetes.io/component=gateway}. Selectors use exactly these keys, so
 * PDBs, Services, NetworkPolicies and ServiceMonitors all match the same pods.
 */
public final class Labels {
  public static final String NAME = "app.kubernetes.io/name";
  public static final String COMPONENT = "app.kubernetes.io/component";
  public static final String PART_OF = "app.kubernetes.io/part-of";
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String MODEL = "gantry.dev/model";
  public static final String POOL = "gantry.dev/pool";
  public static final String ENGINE_NAME = "gantry-engine";
  public static final String GATEWAY_NAME = "gantry-gateway";

  private Labels() {}

  /** Selects the pods of one model's engine. */
  public static Map<String, String> engineSelector(String model) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(NAME, ENGINE_NAME);
    labels.put(COMPONENT, "engine");
    labels.put(MODEL, model);
    return labels;
  }

  /** Selects the pods of every engine (ServiceMonitor, NetworkPolicy). */
  public static Map<String, String> allEngines() {
    return Map.of(NAME, ENGINE_NAME, COMPONENT, "engine");
  }

  /** Selects the gateway pods. */
  public static Map<String, String> gatewaySelector() {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(NAME, GATEWAY_NAME);
    labels.put(COMPONENT, "gateway");
    return labels;
  }

  /** Selector labels plus the ownership labels every object carries. */
  static Map<String, String> withCommon(Map<String, String> selector) {
    Map<String, String> labels = new LinkedHashMap<>(selector);
    labels.put(PART_OF, "gantry");
    labels.put(MANAGED_BY, "pulumi");
    return labels;
  }
}
