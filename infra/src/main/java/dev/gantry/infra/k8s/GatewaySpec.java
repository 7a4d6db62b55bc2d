package dev.gantry.infra.k8s;

import java.util.Set;

/**
 * The LLM gateway as the cluster runs it: image, replica bounds, resources of one replica,
 * the names of the secrets (in the cloud secret store) that hold its master key and database
 * URL, and the default per-model limits written into its {@code config.yaml}. The public
 * host lives in {@link IngressSpec}, the one place it is routed.
 *
 * @param image                 gateway image, pinned by digest in stack config
 * @param replicas              steady-state replicas and the autoscaler minimum; >= 2 so one pod can drain
 * @param maxReplicas           autoscaler maximum
 * @param cpu                   CPU of one replica (request = limit)
 * @param memory                memory of one replica (request = limit)
 * @param masterKeySecretName   secret-store key holding the admin master key
 * @param databaseUrlSecretName secret-store key holding the usage-ledger database URL
 * @param defaultRpm            default requests per minute per model deployment
 * @param defaultTpm            default tokens per minute per model deployment
 * @param routingStrategy       simple-shuffle, least-busy or engine-aware
 */
public record GatewaySpec(
    String image,
    int replicas,
    int maxReplicas,
    String cpu,
    String memory,
    String masterKeySecretName,
    String databaseUrlSecretName,
    int defaultRpm,
    int defaultTpm,
    String routingStrategy) {

  private static final Set<String> STRATEGIES = Set.of("simple-shuffle", "least-busy", "engine-aware");

  public GatewaySpec {
    Check.image("gateway.image", image);
    if (replicas < 2) {
      throw new IllegalArgumentException("gateway.replicas: " + replicas
          + " must be >= 2 so a rollout or a node drain never takes the only gateway away");
    }
    if (maxReplicas < replicas) {
      throw new IllegalArgumentException("gateway.maxReplicas: " + maxReplicas
          + " is below gateway.replicas " + replicas + "; raise maxReplicas");
    }
    Check.quantity("gateway.cpu", cpu);
    Check.quantity("gateway.memory", memory);
    Check.nonBlank("gateway.masterKeySecretName", masterKeySecretName);
    Check.nonBlank("gateway.databaseUrlSecretName", databaseUrlSecretName);
    Check.atLeast("gateway.defaultRpm", defaultRpm, 1);
    Check.atLeast("gateway.defaultTpm", defaultTpm, 1);
    routingStrategy = routingStrategy == null ? "engine-aware" : routingStrategy;
    if (!STRATEGIES.contains(routingStrategy)) {
      throw new IllegalArgumentException("gateway.routingStrategy: '" + routingStrategy
          + "' is not known; use simple-shuffle, least-busy or engine-aware");
    }
  }
}
