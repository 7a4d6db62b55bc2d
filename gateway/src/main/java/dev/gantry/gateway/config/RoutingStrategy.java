package dev.gantry.gateway.config;

import java.util.Arrays;
import java.util.Optional;

/** How the router picks one deployment among those serving a model name. */
public enum RoutingStrategy {
    /** Weighted random (weight, else rpm, else tpm, else equal), LiteLLM's default. */
    SIMPLE_SHUFFLE("simple-shuffle"),
    /** Fewest requests in flight from this gateway. */
    LEAST_BUSY("least-busy"),
    /** Least loaded by the engines' own /metrics: waiting requests, then KV cache usage. */
    ENGINE_AWARE("engine-aware");

    private final String configName;

    RoutingStrategy(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    public static Optional<RoutingStrategy> byConfigName(String name) {
        return Arrays.stream(values()).filter(s -> s.configName.equals(name)).findFirst();
    }
}
