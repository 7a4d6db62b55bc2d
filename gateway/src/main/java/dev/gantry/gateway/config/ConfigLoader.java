package dev.gantry.gateway.config;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads a LiteLLM-style {@code config.yaml} into a {@link GatewayConfig}. Every key is
 * accounted for: a key we read, a LiteLLM key we do not support yet (a warning naming it),
 * or an unknown key (an error with its path, e.g. {@code model_list[1].litellm_params.api_bse}).
 * String values of the form {@code os.environ/NAME} are replaced by that environment variable.
 * All problems are collected and thrown together in one {@link ConfigException}.
 */
public final class ConfigLoader {
    /** The provider prefixes of {@code litellm_params.model} that speak the OpenAI protocol. */
    static final Set<String> OPENAI_COMPATIBLE_PROVIDERS = Set.of("openai", "hosted_vllm", "vllm", "gantry");
    static final List<String> DEFAULT_PARAM_KEYS =
            List.of("temperature", "top_p", "top_k", "repetition_penalty", "max_tokens", "min_p",
                    "presence_penalty", "frequency_penalty", "seed", "stop");

    private final Function<String, String> env;
    private final List<String> errors = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

    private ConfigLoader(Function<String, String> env) {
        this.env = env;
    }

    /** Loads a config file with the process environment for {@code os.environ/} references. */
    public static GatewayConfig load(Path file) {
        return load(file, System::getenv);
    }

    public static GatewayConfig load(Path file, Function<String, String> env) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file.toString(), List.of("cannot read the file: " + e.getMessage()
                    + "; pass an existing file with --config"));
        }
        return parse(text, file.toString(), env);
    }

    /** Parses YAML text; {@code source} names it in error messages. */
    public static GatewayConfig parse(String yaml, String source, Function<String, String> env) {
        Object root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
        } catch (YAMLException e) {
            throw new ConfigException(source, List.of("not valid YAML: " + e.getMessage()));
        }
        var loader = new ConfigLoader(env);
        GatewayConfig config = loader.read(root);
        if (!loader.errors.isEmpty() || config == null) {
            throw new ConfigException(source, loader.errors.isEmpty() ? List.of("empty config") : loader.errors);
        }
        return config;
    }

    private GatewayConfig read(Object rootObject) {
        if (!(rootObject instanceof Map<?, ?>)) {
            errors.add("the top level must be a mapping with model_list, router_settings, general_settings, litellm_settings");
            return null;
        }
        Node root = new Node("", rootObject);
        List<Deployment> deployments = readModelList(root.list("model_list"));
        GatewayConfig.Router router = readRouter(root.map("router_settings"));
        GatewayConfig.General general = readGeneral(root.map("general_settings"));
        GatewayConfig.Settings settings = readSettings(root.map("litellm_settings"));
        GatewayConfig.Gantry gantry = readGantry(root.map("gantry_settings"));
        root.unsupported("environment_variables", "set them in the process environment and use os.environ/NAME");
        root.unsupported("assistant_settings", null);
        root.unsupported("guardrails", null);
        root.unsupported("callback_settings", null);
        root.finish();
        for (String fallbackFrom : router.fallbacks().keySet()) {
            if (deployments.stream().noneMatch(d -> d.modelName().equals(fallbackFrom))) {
                errors.add("router_settings.fallbacks: '" + fallbackFrom + "' is not a model_name in model_list");
            }
            for (String to : router.fallbacks().get(fallbackFrom)) {
                if (deployments.stream().noneMatch(d -> d.modelName().equals(to))) {
                    errors.add("router_settings.fallbacks." + fallbackFrom + ": '" + to + "' is not a model_name in model_list");
                }
            }
        }
        if (deployments.isEmpty() && errors.isEmpty()) {
            errors.add("model_list: at least one deployment is needed (model_name + litellm_params.model/api_base)");
        }
        if (!errors.isEmpty()) return null;
        // Global defaults are overridden per model.
        List<Deployment> withDefaults = new ArrayList<>();
        for (Deployment d : deployments) {
            var params = new LinkedHashMap<>(settings.defaultParams());
            params.putAll(d.defaultParams());
            withDefaults.add(new Deployment(d.id(), d.modelName(), d.upstreamModel(), d.apiBase(), d.apiKey(), d.rpm(),
                    d.tpm(), d.weight(), d.timeout() != null ? d.timeout() : settings.requestTimeout(),
                    d.streamTimeout() != null ? d.streamTimeout() : settings.requestTimeout(), params,
                    d.inputCostPerToken(), d.outputCostPerToken()));
        }
        return new GatewayConfig(withDefaults, router, general, settings, gantry, warnings);
    }

    private List<Deployment> readModelList(List<Node> entries) {
        List<Deployment> out = new ArrayList<>();
        var ids = new java.util.HashSet<String>();
        for (int i = 0; i < entries.size(); i++) {
            Node entry = entries.get(i);
            String modelName = entry.requiredString("model_name");
            Node params = entry.map("litellm_params");
            Node info = entry.map("model_info");
            String id = info.string("id");
            info.unsupported("mode", null);
            info.unsupported("base_model", null);
            info.unsupported("max_tokens", null);
            info.unsupported("max_input_tokens", "the engine enforces its --max-model-len and answers 400 beyond it");
            info.unsupported("max_output_tokens", null);
            info.finish();
            if (!params.present()) {
                errors.add(entry.path + ".litellm_params: missing; it needs at least model and api_base");
                continue;
            }
            String model = params.requiredString("model");
            String apiBase = params.requiredString("api_base");
            String apiKey = params.string("api_key");
            Integer rpm = params.positiveInt("rpm");
            Integer tpm = params.positiveInt("tpm");
            Double weight = params.positiveDouble("weight");
            Duration timeout = params.seconds("timeout");
            Duration streamTimeout = params.seconds("stream_timeout");
            double inputCost = Optional.ofNullable(params.nonNegativeDouble("input_cost_per_token")).orElse(0.0);
            double outputCost = Optional.ofNullable(params.nonNegativeDouble("output_cost_per_token")).orElse(0.0);
            Map<String, Object> defaults = new LinkedHashMap<>();
            for (String key : DEFAULT_PARAM_KEYS) {
                Object v = params.raw(key);
                if (v != null) defaults.put(key, v);
            }
            params.unsupported("api_version", "Azure OpenAI is not supported; point api_base at an OpenAI-compatible endpoint");
            params.unsupported("organization", null);
            params.unsupported("max_retries", "use router_settings.num_retries");
            params.unsupported("tpm_limit", null);
            params.unsupported("custom_llm_provider", "use a provider prefix in model, e.g. openai/NAME");
            params.finish();
            // model_list entries may also carry tpm/rpm at their top level in older LiteLLM configs.
            if (entry.raw("rpm") != null || entry.raw("tpm") != null) {
                errors.add(entry.path + ": rpm/tpm belong under litellm_params (LiteLLM reads them there)");
            }
            entry.finish();
            if (modelName == null || model == null || apiBase == null) continue;
            int slash = model.indexOf('/');
            String provider = slash < 0 ? "openai" : model.substring(0, slash);
            String upstreamModel = slash < 0 ? model : model.substring(slash + 1);
            if (!OPENAI_COMPATIBLE_PROVIDERS.contains(provider)) {
                errors.add(params.path + ".model: provider '" + provider + "' in '" + model
                        + "' is not supported yet; use an OpenAI-compatible endpoint with the prefix openai/ or hosted_vllm/");
                continue;
            }
            URI base;
            try {
                base = URI.create(apiBase.endsWith("/") ? apiBase.substring(0, apiBase.length() - 1) : apiBase);
                if (base.getScheme() == null || !(base.getScheme().equals("http") || base.getScheme().equals("https"))
                        || base.getHost() == null) {
                    throw new IllegalArgumentException("needs http:// or https:// and a host");
                }
            } catch (IllegalArgumentException e) {
                errors.add(params.path + ".api_base: '" + apiBase + "' is not a usable URL (" + e.getMessage()
                        + "); write e.g. http://engine-0:8000/v1");
                continue;
            }
            if (id == null) id = modelName + "#" + i;
            if (!ids.add(id)) {
                errors.add(entry.path + ".model_info.id: '" + id + "' is used twice; deployment ids must be unique");
                continue;
            }
            out.add(new Deployment(id, modelName, upstreamModel, base, apiKey, rpm, tpm, weight, timeout, streamTimeout,
                    defaults, inputCost, outputCost));
        }
        return out;
    }

    private GatewayConfig.Router readRouter(Node n) {
        String strategyName = n.string("routing_strategy");
        RoutingStrategy strategy = RoutingStrategy.SIMPLE_SHUFFLE;
        if (strategyName != null) {
            var found = RoutingStrategy.byConfigName(strategyName);
            if (found.isPresent()) {
                strategy = found.get();
            } else if (Set.of("usage-based-routing", "usage-based-routing-v2", "latency-based-routing",
                    "cost-based-routing").contains(strategyName)) {
                errors.add(n.path + ".routing_strategy: '" + strategyName
                        + "' is a LiteLLM strategy that is not supported yet; use simple-shuffle, least-busy or engine-aware");
            } else {
                errors.add(n.path + ".routing_strategy: unknown strategy '" + strategyName
                        + "'; use simple-shuffle, least-busy or engine-aware");
            }
        }
        int numRetries = Optional.ofNullable(n.nonNegativeInt("num_retries")).orElse(2);
        int allowedFails = Optional.ofNullable(n.nonNegativeInt("allowed_fails")).orElse(3);
        Duration cooldown = Optional.ofNullable(n.seconds("cooldown_time")).orElse(Duration.ofSeconds(5));
        Map<String, List<String>> fallbacks = readFallbacks(n);
        String redisHost = n.string("redis_host");
        Integer redisPort = n.positiveInt("redis_port");
        String redisPassword = n.string("redis_password");
        String failure = n.string("redis_failure_mode");
        FailureMode mode = FailureMode.FAIL_OPEN;
        if (failure != null) {
            switch (failure) {
                case "fail_open", "fail-open" -> mode = FailureMode.FAIL_OPEN;
                case "fail_closed", "fail-closed" -> mode = FailureMode.FAIL_CLOSED;
                default -> errors.add(n.path + ".redis_failure_mode: '" + failure + "' must be fail_open or fail_closed");
            }
        }
        n.unsupported("redis_url", "use redis_host and redis_port");
        n.unsupported("context_window_fallbacks", null);
        n.unsupported("content_policy_fallbacks", null);
        n.unsupported("retry_policy", "use num_retries");
        n.unsupported("allowed_fails_policy", "use allowed_fails");
        n.unsupported("enable_pre_call_checks", null);
        n.unsupported("model_group_alias", null);
        n.unsupported("timeout", "set litellm_settings.request_timeout or per-deployment timeout");
        n.finish();
        Optional<GatewayConfig.Redis> redis = redisHost == null ? Optional.empty()
                : Optional.of(new GatewayConfig.Redis(redisHost, redisPort == null ? 6379 : redisPort, redisPassword, mode));
        if (redisHost == null && failure != null) {
            errors.add(n.path + ".redis_failure_mode: set without redis_host; it only applies to Redis-shared limits");
        }
        return new GatewayConfig.Router(strategy, numRetries, allowedFails, cooldown, fallbacks, redis);
    }

    /** LiteLLM writes fallbacks as a list of one-entry maps: {@code [{"a": ["b", "c"]}]}. */
    private Map<String, List<String>> readFallbacks(Node router) {
        Object raw = router.raw("fallbacks");
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (raw == null) return out;
        String path = router.path + ".fallbacks";
        if (!(raw instanceof List<?> list)) {
            errors.add(path + ": must be a list like [{\"model-a\": [\"model-b\"]}]");
            return out;
        }
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map<?, ?> m)) {
                errors.add(path + "[" + i + "]: must be a mapping from a model_name to a list of model_names");
                continue;
            }
            for (var e : m.entrySet()) {
                if (!(e.getValue() instanceof List<?> targets) || targets.stream().anyMatch(t -> !(t instanceof String))) {
                    errors.add(path + "[" + i + "]." + e.getKey() + ": must be a list of model_names");
                    continue;
                }
                out.put(String.valueOf(e.getKey()), targets.stream().map(Object::toString).toList());
            }
        }
        return out;
    }

    private GatewayConfig.General readGeneral(Node n) {
        String master = n.string("master_key");
        if (master != null && master.length() < 8) {
            errors.add(n.path + ".master_key: too short (" + master.length() + " characters); use at least 8, e.g. sk-<random>");
        }
        String salt = n.string("salt_key");
        String db = n.string("database_url");
        n.unsupported("alerting", null);
        n.unsupported("proxy_batch_write_at", null);
        n.unsupported("database_connection_pool_limit", null);
        n.unsupported("disable_spend_logs", null);
        n.unsupported("store_model_in_db", null);
        n.unsupported("allowed_routes", null);
        Optional<GatewayConfig.JwtAuth> jwt = readJwt(n, master);
        n.unsupported("background_health_checks", "health comes from the engines' /health, checked in the background always");
        n.unsupported("health_check_interval", "use gantry_settings.health_check_interval");
        n.finish();
        return new GatewayConfig.General(master, salt, db, jwt);
    }

    /** LiteLLM JWT settings that this gateway reads the same way, or warns about. */
    private Optional<GatewayConfig.JwtAuth> readJwt(Node general, String master) {
        Boolean enabled = general.bool("enable_jwt_auth");
        Node n = general.map("litellm_jwtauth");
        if (enabled == null || !enabled) {
            if (n.present()) {
                warnings.add(n.path + ": ignored because general_settings.enable_jwt_auth is not true");
                n.seen.addAll(n.map.keySet());
            }
            return Optional.empty();
        }
        String url = n.string("jwks_url");
        String issuer = n.string("issuer");
        String audience = n.string("audience");
        String claim = Optional.ofNullable(n.string("virtual_key_claim_field")).orElse("sub");
        Duration ttl = Optional.ofNullable(n.seconds("public_key_ttl")).orElse(Duration.ofSeconds(600));
        for (String key : List.of("admin_jwt_scope", "admin_allowed_routes", "team_id_jwt_field", "team_ids_jwt_field",
                "team_id_default", "team_allowed_routes", "user_id_jwt_field", "user_email_jwt_field", "user_id_upsert",
                "team_id_upsert", "org_id_jwt_field", "end_user_id_jwt_field", "enforce_team_based_model_access",
                "enforce_scope_based_access", "scope_mappings", "role_mappings", "roles_jwt_field", "issuers",
                "disable_audience_validation", "virtual_key_mapping_cache_ttl", "user_allowed_email_domain")) {
            n.unsupported(key, "the Gantry gateway maps one claim (virtual_key_claim_field) to a virtual key's key_alias");
        }
        n.finish();
        java.net.URI jwks = null;
        if (url == null) {
            errors.add(n.path + ".jwks_url: missing; set the issuer's JWKS endpoint, e.g. "
                    + "https://idp.example.com/realms/r/protocol/openid-connect/certs (LiteLLM's JWT_PUBLIC_KEY_URL)");
        } else {
            try {
                jwks = java.net.URI.create(url);
                if (!"https".equals(jwks.getScheme()) && !"http".equals(jwks.getScheme())) throw new IllegalArgumentException();
                jwks.toURL();
            } catch (Exception e) {
                errors.add(n.path + ".jwks_url: '" + url + "' is not an http(s) URL");
                jwks = null;
            }
        }
        if (issuer == null) errors.add(n.path + ".issuer: missing; set the exact 'iss' your identity provider puts in tokens");
        if (audience == null) {
            errors.add(n.path + ".audience: missing; set the 'aud' your identity provider issues for this gateway "
                    + "(LiteLLM's JWT_AUDIENCE)");
        }
        if (master == null) {
            errors.add(general.path + ".enable_jwt_auth: needs general_settings.master_key (JWTs map to virtual keys, "
                    + "which are created with the admin API)");
        }
        if (jwks == null || issuer == null || audience == null) return Optional.empty();
        return Optional.of(new GatewayConfig.JwtAuth(jwks, issuer, audience, claim, ttl));
    }

    private GatewayConfig.Settings readSettings(Node n) {
        Duration timeout = Optional.ofNullable(n.seconds("request_timeout")).orElse(Duration.ofSeconds(600));
        Boolean drop = n.bool("drop_params");
        Node defaults = n.map("default_params");
        Map<String, Object> params = new LinkedHashMap<>();
        for (String key : DEFAULT_PARAM_KEYS) {
            Object v = defaults.raw(key);
            if (v != null) params.put(key, v);
        }
        defaults.finish();
        for (String key : List.of("success_callback", "failure_callback", "callbacks", "cache", "cache_params",
                "set_verbose", "json_logs", "telemetry", "num_retries", "turn_off_message_logging", "redact_user_api_key_info",
                "service_callback", "max_budget", "budget_duration")) {
            n.unsupported(key, null);
        }
        n.finish();
        return new GatewayConfig.Settings(timeout, drop != null && drop, params);
    }

    private GatewayConfig.Gantry readGantry(Node n) {
        var g = new GatewayConfig.Gantry(
                Optional.ofNullable(n.seconds("connect_timeout")).orElse(Duration.ofSeconds(5)),
                Optional.ofNullable(n.seconds("first_token_timeout")).orElse(Duration.ofSeconds(120)),
                Optional.ofNullable(n.seconds("stream_idle_timeout")).orElse(Duration.ofSeconds(60)),
                Optional.ofNullable(n.seconds("keepalive_interval")).orElse(Duration.ofSeconds(5)),
                Optional.ofNullable(n.seconds("health_check_interval")).orElse(Duration.ofSeconds(10)),
                Optional.ofNullable(n.seconds("cooldown_window")).orElse(Duration.ofSeconds(60)),
                Optional.ofNullable(n.string("spool_dir")).orElse("gantry-gateway-spool"),
                Optional.ofNullable(n.positiveInt("max_request_bytes")).orElse(10 * 1024 * 1024),
                Optional.ofNullable(n.positiveInt("max_concurrent_requests")).orElse(4096));
        n.finish();
        return g;
    }

    /** A YAML mapping being read, with its path and the keys already consumed. */
    private final class Node {
        final String path;
        final Map<?, ?> map;
        final Set<Object> seen = new java.util.HashSet<>();

        Node(String path, Object value) {
            this.path = path;
            this.map = value instanceof Map<?, ?> m ? m : Map.of();
        }

        boolean present() {
            return !map.isEmpty();
        }

        private String child(String key) {
            return path.isEmpty() ? key : path + "." + key;
        }

        Object raw(String key) {
            seen.add(key);
            Object v = map.get(key);
            if (v instanceof String s && s.startsWith("os.environ/")) {
                String name = s.substring("os.environ/".length());
                String resolved = env.apply(name);
                if (resolved == null || resolved.isEmpty()) {
                    errors.add(child(key) + ": environment variable " + name + " (from '" + s
                            + "') is not set; export it or write the value directly");
                    return null;
                }
                return resolved;
            }
            return v;
        }

        Node map(String key) {
            Object v = raw(key);
            if (v != null && !(v instanceof Map<?, ?>)) {
                errors.add(child(key) + ": must be a mapping, got " + describe(v));
            }
            return new Node(child(key), v);
        }

        List<Node> list(String key) {
            Object v = raw(key);
            if (v == null) return List.of();
            if (!(v instanceof List<?> l)) {
                errors.add(child(key) + ": must be a list, got " + describe(v));
                return List.of();
            }
            List<Node> out = new ArrayList<>();
            for (int i = 0; i < l.size(); i++) {
                String p = child(key) + "[" + i + "]";
                if (!(l.get(i) instanceof Map<?, ?>)) {
                    errors.add(p + ": must be a mapping, got " + describe(l.get(i)));
                } else {
                    out.add(new Node(p, l.get(i)));
                }
            }
            return out;
        }

        String string(String key) {
            Object v = raw(key);
            if (v == null) return null;
            if (v instanceof String s) return s;
            if (v instanceof Number || v instanceof Boolean) return v.toString();
            errors.add(child(key) + ": must be a string, got " + describe(v));
            return null;
        }

        String requiredString(String key) {
            String s = string(key);
            if (s == null && map.get(key) == null) errors.add(child(key) + ": missing (required)");
            return s;
        }

        Boolean bool(String key) {
            Object v = raw(key);
            if (v == null) return null;
            if (v instanceof Boolean b) return b;
            if (v instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
                return Boolean.parseBoolean(s);
            }
            errors.add(child(key) + ": must be true or false, got " + describe(v));
            return null;
        }

        private Double number(String key) {
            Object v = raw(key);
            if (v == null) return null;
            if (v instanceof Number num) return num.doubleValue();
            if (v instanceof String s) {
                try {
                    return Double.parseDouble(s.trim());
                } catch (NumberFormatException e) {
                    // reported below
                }
            }
            errors.add(child(key) + ": must be a number, got " + describe(v));
            return null;
        }

        Integer positiveInt(String key) {
            Double d = number(key);
            if (d == null) return null;
            if (d <= 0 || d != Math.floor(d) || d > Integer.MAX_VALUE) {
                errors.add(child(key) + ": must be a positive whole number, got " + describe(map.get(key)));
                return null;
            }
            return d.intValue();
        }

        Integer nonNegativeInt(String key) {
            Double d = number(key);
            if (d == null) return null;
            if (d < 0 || d != Math.floor(d) || d > Integer.MAX_VALUE) {
                errors.add(child(key) + ": must be a whole number >= 0, got " + describe(map.get(key)));
                return null;
            }
            return d.intValue();
        }

        Double positiveDouble(String key) {
            Double d = number(key);
            if (d != null && !(d > 0)) {
                errors.add(child(key) + ": must be > 0, got " + describe(map.get(key)));
                return null;
            }
            return d;
        }

        Double nonNegativeDouble(String key) {
            Double d = number(key);
            if (d != null && !(d >= 0)) {
                errors.add(child(key) + ": must be >= 0, got " + describe(map.get(key)));
                return null;
            }
            return d;
        }

        /** A duration in seconds (LiteLLM's unit), fractional allowed. */
        Duration seconds(String key) {
            Double d = number(key);
            if (d == null) return null;
            if (!(d > 0)) {
                errors.add(child(key) + ": must be a positive number of seconds, got " + describe(map.get(key)));
                return null;
            }
            return Duration.ofNanos((long) (d * 1e9));
        }

        /** A LiteLLM key that we recognise but do not implement yet: a warning, not an error. */
        void unsupported(String key, String hint) {
            if (map.containsKey(key)) {
                seen.add(key);
                warnings.add(child(key) + ": LiteLLM setting not supported yet by the Gantry gateway; ignored"
                        + (hint == null ? "" : " (" + hint + ")"));
            }
        }

        /** Reports every key of this mapping that nobody read. */
        void finish() {
            for (Object key : map.keySet()) {
                if (!seen.contains(key)) {
                    errors.add(child(String.valueOf(key)) + ": unknown key; check the spelling (LiteLLM config format)");
                }
            }
        }
    }

    private static String describe(Object v) {
        if (v == null) return "nothing";
        if (v instanceof String s) return "'" + s + "'";
        if (v instanceof Map<?, ?>) return "a mapping";
        if (v instanceof List<?>) return "a list";
        return v.toString().toLowerCase(Locale.ROOT).equals(v.toString()) ? v.toString() : "'" + v + "'";
    }
}
