package dev.gantry.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {
    private static final Map<String, String> ENV = Map.of(
            "ENGINE_API_KEY", "engine-secret", "GANTRY_MASTER_KEY", "sk-master-0123456789",
            "DATABASE_URL", "postgresql://gw:pw@db:5432/gateway", "REDIS_HOST", "redis", "REDIS_PASSWORD", "rpw");

    private static GatewayConfig parse(String yaml) {
        return ConfigLoader.parse(yaml, "test.yaml", ENV::get);
    }

    @Test
    void example_vllmReplicas_parsesEverySection() {
        GatewayConfig c = ConfigLoader.load(Path.of("examples/vllm-replicas.yaml"), ENV::get);
        assertThat(c.modelNames()).containsExactly("llama-3.1-8b", "qwen-1.5b");
        Deployment d0 = c.deployments().get(0);
        assertThat(d0.id()).isEqualTo("llama-8b-replica-0");
        assertThat(d0.upstreamModel()).isEqualTo("meta-llama/Llama-3.1-8B-Instruct");
        assertThat(d0.apiBase().toString()).isEqualTo("http://engine-0.engine:8000/v1");
        assertThat(d0.apiKey()).isEqualTo("engine-secret");
        assertThat(d0.rpm()).isEqualTo(600);
        assertThat(d0.timeout()).isEqualTo(Duration.ofSeconds(300));
        assertThat(d0.streamTimeout()).isEqualTo(Duration.ofSeconds(600));
        assertThat(d0.cost(1000, 1000)).isEqualTo(0.0004, org.assertj.core.data.Offset.offset(1e-12));
        // Per-model defaults override global ones; global ones fill the rest.
        assertThat(d0.defaultParams()).containsEntry("temperature", 0.6).containsEntry("top_p", 0.95).containsEntry("max_tokens", 1024);
        assertThat(c.deployments().get(1).defaultParams()).containsEntry("temperature", 0.7);
        assertThat(c.deployments().get(1).timeout()).as("request_timeout is the default").isEqualTo(Duration.ofSeconds(600));
        assertThat(c.deployments().get(2).id()).isEqualTo("qwen-1.5b#2");
        assertThat(c.router().strategy()).isEqualTo(RoutingStrategy.ENGINE_AWARE);
        assertThat(c.router().cooldownTime()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.router().fallbacks()).containsEntry("llama-3.1-8b", java.util.List.of("qwen-1.5b"));
        assertThat(c.general().masterKey()).isEqualTo("sk-master-0123456789");
        assertThat(c.general().databaseUrl()).startsWith("postgresql://");
        assertThat(c.settings().dropParams()).isTrue();
        assertThat(c.warnings()).isEmpty();
    }

    @Test
    void example_sharedLimitsRedis_readsRedisAndGantrySettings() {
        GatewayConfig c = ConfigLoader.load(Path.of("examples/shared-limits-redis.yaml"), ENV::get);
        assertThat(c.router().redis()).hasValue(new GatewayConfig.Redis("redis", 6379, "rpw", FailureMode.FAIL_CLOSED));
        assertThat(c.router().strategy()).isEqualTo(RoutingStrategy.LEAST_BUSY);
        assertThat(c.deployments().get(0).shuffleWeight()).isEqualTo(2);
        assertThat(c.gantry().streamIdleTimeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void example_minimal_usesDefaults() {
        GatewayConfig c = ConfigLoader.load(Path.of("examples/litellm-minimal.yaml"), ENV::get);
        assertThat(c.router().strategy()).isEqualTo(RoutingStrategy.SIMPLE_SHUFFLE);
        assertThat(c.router().numRetries()).isEqualTo(2);
        assertThat(c.general().masterKey()).isNull();
        assertThat(c.router().redis()).isEmpty();
    }

    @Test
    void example_oidcJwt_readsTheJwtSettings() {
        GatewayConfig c = ConfigLoader.load(Path.of("examples/oidc-jwt.yaml"), ENV::get);
        GatewayConfig.JwtAuth jwt = c.general().jwt().orElseThrow();
        assertThat(jwt.jwksUrl().toString()).isEqualTo("https://sso.example.com/realms/ml/protocol/openid-connect/certs");
        assertThat(jwt.issuer()).isEqualTo("https://sso.example.com/realms/ml");
        assertThat(jwt.audience()).isEqualTo("gantry-gateway");
        assertThat(jwt.keyClaim()).isEqualTo("client_id");
        assertThat(jwt.publicKeyTtl()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.warnings()).isEmpty();
    }

    @Test
    void unknownKeys_areErrorsNamingTheirPath() {
        assertThatThrownBy(() -> parse("""
                model_list:
                  - model_name: m
                    litellm_params: {model: openai/x, api_bse: "http://h/v1"}
                router_settings: {routing_strategi: least-busy}
                modle_list: []
                """))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).contains(
                        "model_list[0].litellm_params.api_bse: unknown key; check the spelling (LiteLLM config format)",
                        "model_list[0].litellm_params.api_base: missing (required)",
                        "router_settings.routing_strategi: unknown key; check the spelling (LiteLLM config format)",
                        "modle_list: unknown key; check the spelling (LiteLLM config format)"));
    }

    @Test
    void unsupportedLiteLlmKeys_areWarningsThatSaySo() {
        GatewayConfig c = parse("""
                model_list:
                  - model_name: m
                    litellm_params: {model: openai/x, api_base: "http://h/v1"}
                litellm_settings:
                  success_callback: ["langfuse"]
                router_settings:
                  redis_url: redis://r:6379
                """);
        assertThat(c.warnings()).containsExactly(
                "router_settings.redis_url: LiteLLM setting not supported yet by the Gantry gateway; ignored (use redis_host and redis_port)",
                "litellm_settings.success_callback: LiteLLM setting not supported yet by the Gantry gateway; ignored");
    }

    @Test
    void modelInfoTokenLimits_areLiteLlmKeys_warnedNotRejected() {
        GatewayConfig c = parse("""
                model_list:
                  - model_name: m
                    litellm_params: {model: openai/x, api_base: "http://h/v1"}
                    model_info: {id: m-1, max_input_tokens: 8192, max_output_tokens: 2048}
                """);
        assertThat(c.warnings()).containsExactly(
                "model_list[0].model_info.max_input_tokens: LiteLLM setting not supported yet by the Gantry gateway; ignored "
                        + "(the engine enforces its --max-model-len and answers 400 beyond it)",
                "model_list[0].model_info.max_output_tokens: LiteLLM setting not supported yet by the Gantry gateway; ignored");
    }

    @Test
    void envReference_toMissingVariable_isAnErrorNamingIt() {
        assertThatThrownBy(() -> parse("""
                model_list:
                  - model_name: m
                    litellm_params: {model: openai/x, api_base: "http://h/v1", api_key: os.environ/NOPE_KEY}
                """))
                .hasMessageContaining("model_list[0].litellm_params.api_key: environment variable NOPE_KEY (from 'os.environ/NOPE_KEY') is not set");
    }

    @Test
    void badValues_areErrorsWithTheValueAndTheFix() {
        assertThatThrownBy(() -> parse("""
                model_list:
                  - model_name: m
                    litellm_params: {model: anthropic/claude-3, api_base: "http://h/v1"}
                  - model_name: n
                    litellm_params: {model: openai/x, api_base: "engine:8000", rpm: -5}
                router_settings:
                  routing_strategy: latency-based-routing
                  num_retries: two
                  fallbacks: [{"m": ["missing"]}]
                  redis_failure_mode: sometimes
                general_settings: {master_key: short}
                """))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).contains(
                        "model_list[0].litellm_params.model: provider 'anthropic' in 'anthropic/claude-3' is not supported yet; use an OpenAI-compatible endpoint with the prefix openai/ or hosted_vllm/",
                        "model_list[1].litellm_params.rpm: must be a positive whole number, got -5",
                        "router_settings.routing_strategy: 'latency-based-routing' is a LiteLLM strategy that is not supported yet; use simple-shuffle, least-busy or engine-aware",
                        "router_settings.num_retries: must be a number, got 'two'",
                        "router_settings.fallbacks.m: 'missing' is not a model_name in model_list",
                        "router_settings.redis_failure_mode: 'sometimes' must be fail_open or fail_closed",
                        "general_settings.master_key: too short (5 characters); use at least 8, e.g. sk-<random>"))
                .satisfies(e -> assertThat(((ConfigException) e).problems()).anyMatch(p ->
                        p.startsWith("model_list[1].litellm_params.api_base: 'engine:8000' is not a usable URL")));
    }

    @Test
    void emptyOrNonMappingConfig_isRejected() {
        assertThatThrownBy(() -> parse("")).hasMessageContaining("top level must be a mapping");
        assertThatThrownBy(() -> parse("model_list: []\n")).hasMessageContaining("at least one deployment");
        assertThatThrownBy(() -> parse("model_list: [\n")).hasMessageContaining("not valid YAML");
    }
}
