package dev.gantry.infra.k8s;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Writes the gateway's LiteLLM-style {@code config.yaml}: one {@code model_list} entry per
 * engine Service, router settings, and {@code general_settings} that read the master key and
 * database URL from environment variables (which come from a Secret, never from this file).
 */
final class GatewayConfig {
  static final String MASTER_KEY_ENV = "LITELLM_MASTER_KEY";
  static final String DATABASE_URL_ENV = "DATABASE_URL";

  private GatewayConfig() {}

  static String yaml(List<EngineSpec> engines, GatewaySpec gateway, String servingNamespace, int timeoutSeconds) {
    return yaml(engines, gateway, engine -> ModelEngine.baseUrl(engine, servingNamespace), timeoutSeconds);
  }

  /** The config with each engine's {@code api_base} given by {@code apiBase} (an in-cluster Service URL, or a compose service URL). */
  static String yaml(List<EngineSpec> engines, GatewaySpec gateway, Function<EngineSpec, String> apiBase, int timeoutSeconds) {
    List<Map<String, Object>> modelList = new ArrayList<>();
    for (EngineSpec engine : engines) {
      Map<String, Object> params = new LinkedHashMap<>();
      params.put("model", "hosted_vllm/" + engine.servedModelName());
      params.put("api_base", apiBase.apply(engine));
      params.put("rpm", gateway.defaultRpm());
      params.put("tpm", gateway.defaultTpm());
      Map<String, Object> info = new LinkedHashMap<>();
      info.put("id", engine.name());
      // No max_input_tokens: the gateway does not read it (the engine enforces --max-model-len).
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("model_name", engine.servedModelName());
      entry.put("litellm_params", params);
      entry.put("model_info", info);
      modelList.add(entry);
    }
    Map<String, Object> router = new LinkedHashMap<>();
    router.put("routing_strategy", gateway.routingStrategy());
    router.put("num_retries", 2);
    router.put("allowed_fails", 3);
    router.put("cooldown_time", 30);
    Map<String, Object> general = new LinkedHashMap<>();
    general.put("master_key", "os.environ/" + MASTER_KEY_ENV);
    general.put("database_url", "os.environ/" + DATABASE_URL_ENV);
    // The request timeout is litellm_settings.request_timeout: the gateway ignores LiteLLM's router_settings.timeout.
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("request_timeout", timeoutSeconds);
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("model_list", modelList);
    root.put("router_settings", router);
    root.put("litellm_settings", settings);
    root.put("general_settings", general);

    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setIndent(2);
    options.setIndicatorIndent(0);
    return new Yaml(options).dump(root);
  }

  /** Content hash put on the pod template, so a config change rolls the gateway pods. */
  static String checksum(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every JDK", e);
    }
  }
}
