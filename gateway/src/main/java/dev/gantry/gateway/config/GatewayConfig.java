package dev.gantry.gateway.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed, validated LiteLLM-style {@code config.yaml}. {@code warnings} lists the LiteLLM
 * settings that were present but that this gateway does not support yet (they are not
 * errors so an existing config still starts, but they are printed at start-up).
 */
public record GatewayConfig(
        List<Deployment> deployments,
        Router router,
        General general,
        Settings settings,
        Gantry gantry,
        List<String> warnings) {

    public GatewayConfig {
        deployments = List.copyOf(deployments);
        warnings = List.copyOf(warnings);
        if (deployments.isEmpty()) throw new IllegalArgumentException("model_list must name at least one deployment");
    }

    /** Public model names in config order, each once. */
    public List<String> modelNames() {
        var names = new LinkedHashSet<String>();
        deployments.forEach(d -> names.add(d.modelName()));
        return new ArrayList<>(names);
    }

    /** {@code router_settings}. */
    public record Router(
            RoutingStrategy strategy,
            int numRetries,
            int allowedFails,
            Duration cooldownTime,
            Map<String, List<String>> fallbacks,
            Optional<Redis> redis) {
        public Router {
            fallbacks = Map.copyOf(fallbacks);
            if (numRetries < 0) throw new IllegalArgumentException("num_retries must be >= 0, got " + numRetries);
            if (allowedFails < 0) throw new IllegalArgumentException("allowed_fails must be >= 0, got " + allowedFails);
        }
    }

    /** Where shared limits live, and what happens when that Redis is down. */
    public record Redis(String host, int port, String password, FailureMode failureMode) {}

    /**
     * {@code general_settings}. {@code masterKey} may be null (the admin API is then disabled).
     * {@code jwt} is present when {@code enable_jwt_auth} is true.
     */
    public record General(String masterKey, String saltKey, String databaseUrl, Optional<JwtAuth> jwt) {
        public General(String masterKey, String saltKey, String databaseUrl) {
            this(masterKey, saltKey, databaseUrl, Optional.empty());
        }
    }

    /**
     * {@code general_settings.litellm_jwtauth}: JWTs from an OIDC issuer are accepted besides
     * virtual keys. The signature is checked against the issuer's JWKS ({@code jwks_url},
     * cached for {@code public_key_ttl} and refetched when a token names an unknown key id);
     * {@code iss}, {@code aud} and {@code exp} must match. The claim {@code virtual_key_claim_field}
     * holds the {@code key_alias} of the virtual key whose models, limits and budget apply.
     */
    public record JwtAuth(java.net.URI jwksUrl, String issuer, String audience, String keyClaim, Duration publicKeyTtl) {
        public JwtAuth {
            if (jwksUrl == null || issuer == null || audience == null || keyClaim == null || publicKeyTtl == null) {
                throw new IllegalArgumentException("jwks_url, issuer, audience, virtual_key_claim_field and public_key_ttl are required");
            }
        }
    }

    /** {@code litellm_settings}. */
    public record Settings(Duration requestTimeout, boolean dropParams, Map<String, Object> defaultParams) {
        public Settings {
            defaultParams = Map.copyOf(defaultParams);
        }
    }

    /**
     * {@code gantry_settings}: what LiteLLM has no key for. Timeouts: connect, first token
     * (headers and first chunk), idle between chunks; {@code keepAliveInterval} is how often a
     * waiting stream gets an SSE {@code : keep-alive} comment.
     */
    public record Gantry(
            Duration connectTimeout,
            Duration firstTokenTimeout,
            Duration streamIdleTimeout,
            Duration keepAliveInterval,
            Duration healthCheckInterval,
            Duration cooldownWindow,
            String spoolDir,
            long maxRequestBytes,
            int maxConcurrentRequests) {
        public Gantry {
            if (maxRequestBytes <= 0) throw new IllegalArgumentException("max_request_bytes must be > 0");
            if (maxConcurrentRequests <= 0) throw new IllegalArgumentException("max_concurrent_requests must be > 0");
        }
    }
}
