package dev.gantry.gateway.config;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * One entry of {@code model_list}: an upstream OpenAI-compatible endpoint serving a public
 * model name. {@code id} is unique in the config ({@code model_name#index} unless
 * {@code model_info.id} is given); {@code upstreamModel} is the model name sent upstream
 * (the part of {@code litellm_params.model} after the provider prefix).
 */
public record Deployment(
        String id,
        String modelName,
        String upstreamModel,
        URI apiBase,
        String apiKey,
        Integer rpm,
        Integer tpm,
        Double weight,
        Duration timeout,
        Duration streamTimeout,
        Map<String, Object> defaultParams,
        double inputCostPerToken,
        double outputCostPerToken) {

    public Deployment {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(upstreamModel, "upstreamModel");
        Objects.requireNonNull(apiBase, "apiBase");
        defaultParams = Map.copyOf(defaultParams);
        if (rpm != null && rpm <= 0) throw new IllegalArgumentException("rpm must be > 0, got " + rpm);
        if (tpm != null && tpm <= 0) throw new IllegalArgumentException("tpm must be > 0, got " + tpm);
        if (weight != null && weight <= 0) throw new IllegalArgumentException("weight must be > 0, got " + weight);
    }

    /** The relative weight used by simple-shuffle: weight, else rpm, else tpm, else 1. */
    public double shuffleWeight() {
        if (weight != null) return weight;
        if (rpm != null) return rpm;
        if (tpm != null) return tpm;
        return 1;
    }

    /** Cost in dollars of a request with these token counts, from the per-model price table. */
    public double cost(long promptTokens, long completionTokens) {
        return promptTokens * inputCostPerToken + completionTokens * outputCostPerToken;
    }
}
