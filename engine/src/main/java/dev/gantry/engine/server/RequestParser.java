package dev.gantry.engine.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.engine.sampling.InvalidSamplingParamsException;
import dev.gantry.engine.sampling.SamplingParams;
import dev.gantry.engine.server.OpenAiRequest.Choice;
import dev.gantry.engine.server.OpenAiRequest.Endpoint;
import dev.gantry.engine.tokenizer.ChatTemplate;
import dev.gantry.engine.tokenizer.ChatTemplateException;
import dev.gantry.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Turns OpenAI request bodies into {@link OpenAiRequest}s, with vLLM's extra sampling fields
 * ({@code top_k}, {@code min_p}, {@code repetition_penalty}, {@code ignore_eos},
 * {@code min_tokens}, {@code stop_token_ids}, {@code skip_special_tokens},
 * {@code include_stop_str_in_output}). Every rejection is a 400 that names the field. Unknown
 * fields are ignored, as OpenAI SDKs send fields a server may not know.
 */
final class RequestParser {
  /** Most sequences one request may ask for (n times the number of prompts). */
  private final int maxSequencesPerRequest;
  private final Tokenizer tokenizer;
  private final int maxModelLen;
  private final ServedModels models;
  private final LongSupplier defaultSeed;
  private final ObjectMapper json;

  /**
   * @param defaultSeed seeds requests that give none (from {@code --seed}), or null for random
   */
  RequestParser(Tokenizer tokenizer, int maxModelLen, int maxSequencesPerRequest, ServedModels models,
      LongSupplier defaultSeed, ObjectMapper json) {
    this.tokenizer = tokenizer;
    this.maxModelLen = maxModelLen;
    this.maxSequencesPerRequest = maxSequencesPerRequest;
    this.models = models;
    this.defaultSeed = defaultSeed;
    this.json = json;
  }

  OpenAiRequest completion(JsonFields f) {
    String model = model(f);
    JsonNode promptNode = f.node("prompt").orElseThrow(() -> ApiException.badRequest("prompt",
        "prompt is required: a string, an array of strings, an array of token ids or an array of those"));
    List<int[]> prompts = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    if (promptNode.isTextual()) {
      addTextPrompt(promptNode.asText(), prompts, texts);
    } else if (promptNode.isArray() && !promptNode.isEmpty() && promptNode.get(0).isIntegralNumber()) {
      prompts.add(tokenIds("prompt", promptNode));
      texts.add(tokenizer.decode(prompts.get(0), false));
    } else if (promptNode.isArray() && !promptNode.isEmpty()) {
      for (JsonNode p : promptNode) {
        if (p.isTextual()) {
          addTextPrompt(p.asText(), prompts, texts);
        } else if (p.isArray()) {
          int[] ids = tokenIds("prompt", p);
          prompts.add(ids);
          texts.add(tokenizer.decode(ids, false));
        } else {
          throw JsonFields.wrongType("prompt", "a string, an array of strings or an array of token id arrays", promptNode);
        }
      }
    } else {
      throw JsonFields.wrongType("prompt", "a non-empty string, array of strings or array of token ids", promptNode);
    }
    Integer logprobs = f.integer("logprobs").orElse(null);
    boolean echo = f.bool("echo").orElse(false);
    Integer maxTokens = f.integer("max_tokens").orElse(null);
    return build(Endpoint.COMPLETIONS, f, model, prompts, texts, maxTokens, logprobs, echo, "prompt");
  }

  OpenAiRequest chat(JsonFields f) {
    String model = model(f);
    JsonNode messagesNode = f.node("messages").orElseThrow(() -> ApiException.badRequest("messages",
        "messages is required: an array of {\"role\", \"content\"} objects"));
    if (!messagesNode.isArray() || messagesNode.isEmpty()) {
      throw JsonFields.wrongType("messages", "a non-empty array of {\"role\", \"content\"} objects", messagesNode);
    }
    int[] ids = chatPromptIds(f, messagesNode);
    String rendered = tokenizer.decode(ids, false);
    Integer maxTokens = f.integer("max_completion_tokens").orElse(f.integer("max_tokens").orElse(null));
    boolean logprobs = f.bool("logprobs").orElse(false);
    Integer top = f.integer("top_logprobs").orElse(null);
    if (top != null && !logprobs) {
      throw ApiException.badRequest("top_logprobs", "top_logprobs requires logprobs: true");
    }
    Integer engineLogprobs = logprobs ? (top == null ? 0 : top) : null;
    if (engineLogprobs != null && (engineLogprobs < 0 || engineLogprobs > SamplingParams.MAX_LOGPROBS)) {
      throw ApiException.badRequest("top_logprobs",
          "top_logprobs must be within [0, " + SamplingParams.MAX_LOGPROBS + "], got " + engineLogprobs);
    }
    return build(Endpoint.CHAT, f, model, List.of(ids), List.of(rendered), maxTokens, engineLogprobs, false, "messages");
  }

  /** Renders {@code messages} with the model's chat template and tokenizes the result (also for /tokenize). */
  int[] chatPromptIds(JsonFields f, JsonNode messagesNode) {
    if (!messagesNode.isArray() || messagesNode.isEmpty()) {
      throw JsonFields.wrongType("messages", "a non-empty array of {\"role\", \"content\"} objects", messagesNode);
    }
    List<Map<String, Object>> messages = messages(messagesNode);
    ChatTemplate template = tokenizer.chatTemplate().orElseThrow(() -> ApiException.badRequest("messages",
        "this model has no chat template (tokenizer_config.json chat_template); use /v1/completions with a prompt"));
    boolean addGenerationPrompt = f.bool("add_generation_prompt").orElse(true);
    Map<String, Object> extra = new LinkedHashMap<>();
    f.node("chat_template_kwargs").ifPresent(n -> {
      if (!n.isObject()) {
        throw JsonFields.wrongType("chat_template_kwargs", "an object", n);
      }
      extra.putAll(toMap(n));
    });
    f.node("tools").ifPresent(n -> {
      if (!n.isArray()) {
        throw JsonFields.wrongType("tools", "an array", n);
      }
      extra.put("tools", json.convertValue(n, List.class));
    });
    String rendered;
    try {
      rendered = template.render(messages, addGenerationPrompt, extra);
    } catch (ChatTemplateException e) {
      throw ApiException.badRequest("messages", "the model's chat template rejected the messages: " + e.getMessage());
    }
    // The template already wrote BOS (as text) where the model wants it: add no special tokens.
    return tokenizer.encode(rendered, false);
  }

  /** Token ids of a {@code /tokenize} or {@code /detokenize} array field, checked against the vocabulary. */
  int[] checkedTokenIds(String field, JsonNode array) {
    if (!array.isArray()) {
      throw JsonFields.wrongType(field, "an array of token ids", array);
    }
    return tokenIds(field, array);
  }

  /** The served model a request names, defaulting to the primary; 404 for others. */
  String model(JsonFields f) {
    String model = f.string("model").orElse(null);
    if (model == null) {
      // vLLM serves the first name when a request names none; OpenAI requires it. Be lenient.
      return models.primary();
    }
    if (!models.serves(model)) {
      throw ApiException.modelNotFound(model, models.describe());
    }
    return model;
  }

  private OpenAiRequest build(Endpoint endpoint, JsonFields f, String model, List<int[]> prompts, List<String> texts,
      Integer maxTokens, Integer logprobs, boolean echo, String promptField) {
    int n = f.integer("n").orElse(1);
    if (n < 1) {
      throw ApiException.badRequest("n", "n must be at least 1, got " + n);
    }
    f.integer("best_of").ifPresent(b -> {
      if (b != n) {
        throw ApiException.badRequest("best_of", "best_of other than n is not supported, got best_of " + b + " with n " + n);
      }
    });
    if ((long) n * prompts.size() > maxSequencesPerRequest) {
      throw ApiException.badRequest("n", "n times the number of prompts (" + (long) n * prompts.size()
          + ") exceeds the " + maxSequencesPerRequest + " sequences this server runs at once (--max-num-seqs)");
    }
    int minTokens = f.integer("min_tokens").orElse(0);
    if (minTokens < 0) {
      throw ApiException.badRequest("min_tokens", "min_tokens must be >= 0, got " + minTokens);
    }
    if (maxTokens != null && maxTokens < 1) {
      String field = f.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
      throw ApiException.badRequest(field, field + " must be at least 1, got " + maxTokens);
    }
    boolean stream = f.bool("stream").orElse(false);
    boolean includeUsage = false;
    if (f.has("stream_options")) {
      JsonNode so = f.node("stream_options").get();
      if (!so.isObject()) {
        throw JsonFields.wrongType("stream_options", "an object", so);
      }
      if (!stream) {
        throw ApiException.badRequest("stream_options", "stream_options is only allowed when stream is true");
      }
      JsonFields sf = new JsonFields(so);
      includeUsage = sf.bool("include_usage").orElse(false);
    }
    SamplingParams.Builder base = SamplingParams.builder().minTokens(minTokens);
    f.number("temperature").ifPresent(base::temperature);
    f.number("top_p").ifPresent(base::topP);
    f.integer("top_k").ifPresent(base::topK);
    f.number("min_p").ifPresent(base::minP);
    f.number("repetition_penalty").ifPresent(base::repetitionPenalty);
    f.number("presence_penalty").ifPresent(base::presencePenalty);
    f.number("frequency_penalty").ifPresent(base::frequencyPenalty);
    f.bool("ignore_eos").ifPresent(base::ignoreEos);
    f.bool("skip_special_tokens").ifPresent(base::skipSpecialTokens);
    f.bool("include_stop_str_in_output").ifPresent(base::includeStopStrInOutput);
    base.stop(f.stringOrStrings("stop"));
    base.stopTokenIds(f.integers("stop_token_ids"));
    Map<Integer, Double> bias = f.logitBias("logit_bias");
    for (int id : bias.keySet()) {
      // An id past the vocabulary would fail the engine step of every request batched with this one.
      if (id < 0 || id >= tokenizer.vocabSize()) {
        throw ApiException.badRequest("logit_bias", "logit_bias token id " + id + " is outside the vocabulary [0, "
            + tokenizer.vocabSize() + ")");
      }
    }
    base.logitBias(bias);
    base.logprobs(logprobs);
    for (int id : f.integers("stop_token_ids")) {
      if (id >= tokenizer.vocabSize()) {
        throw ApiException.badRequest("stop_token_ids", "stop_token_ids must be < the vocabulary size "
            + tokenizer.vocabSize() + ", got " + id);
      }
    }
    Long seed = f.longValue("seed").orElse(null);
    int maxRequested = 0;
    List<Choice> choices = new ArrayList<>();
    List<Integer> counts = new ArrayList<>();
    for (int p = 0; p < prompts.size(); p++) {
      int[] ids = prompts.get(p);
      counts.add(ids.length);
      if (ids.length >= maxModelLen) {
        throw ApiException.badRequest(promptField, "This model's maximum context length is " + maxModelLen
            + " tokens. However, your " + (endpoint == Endpoint.CHAT ? "messages" : "prompt") + " has " + ids.length
            + " tokens, leaving no room for a completion. Please shorten it.");
      }
      int tokens;
      if (maxTokens == null) {
        // vLLM's defaults: 16 for completions; the rest of the context for chat.
        tokens = endpoint == Endpoint.CHAT ? maxModelLen - ids.length
            : Math.min(SamplingParams.DEFAULT_MAX_TOKENS, maxModelLen - ids.length);
      } else {
        tokens = maxTokens;
        if ((long) ids.length + tokens > maxModelLen) {
          String field = f.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
          throw ApiException.badRequest(field, "This model's maximum context length is " + maxModelLen
              + " tokens. However, you requested " + ((long) ids.length + tokens) + " tokens (" + ids.length + " in the "
              + (endpoint == Endpoint.CHAT ? "messages" : "prompt") + ", " + tokens + " in the completion). "
              + "Please reduce the length of the " + (endpoint == Endpoint.CHAT ? "messages" : "prompt")
              + " or " + field + ".");
        }
      }
      maxRequested = Math.max(maxRequested, tokens);
      for (int i = 0; i < n; i++) {
        // With a seed, choice i uses seed + i: reproducible, yet the n choices differ.
        Long choiceSeed = seed != null ? Long.valueOf(seed + i) : defaultSeed == null ? null : defaultSeed.getAsLong();
        SamplingParams params;
        try {
          params = base.maxTokens(tokens).seed(choiceSeed).build();
        } catch (InvalidSamplingParamsException e) {
          throw ApiException.badRequest(e.param(), e.getMessage());
        }
        choices.add(new Choice(choices.size(), p, ids, params));
      }
    }
    return new OpenAiRequest(endpoint, model, choices, counts, stream, includeUsage, echo, texts, maxRequested,
        f.bool("return_tokens_as_token_ids").orElse(false));
  }

  private void addTextPrompt(String text, List<int[]> prompts, List<String> texts) {
    if (text.isEmpty()) {
      throw ApiException.badRequest("prompt", "prompt must not be empty");
    }
    prompts.add(tokenizer.encode(text));
    texts.add(text);
  }

  private int[] tokenIds(String field, JsonNode array) {
    if (array.isEmpty()) {
      throw ApiException.badRequest(field, field + " must not be an empty array of token ids");
    }
    int[] ids = new int[array.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = JsonFields.toInt(field, array.get(i));
      if (ids[i] < 0 || ids[i] >= tokenizer.vocabSize()) {
        throw ApiException.badRequest(field, field + " token id " + ids[i] + " is outside the vocabulary [0, "
            + tokenizer.vocabSize() + ")");
      }
    }
    return ids;
  }

  private List<Map<String, Object>> messages(JsonNode array) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      JsonNode m = array.get(i);
      String where = "messages[" + i + "]";
      if (!m.isObject()) {
        throw JsonFields.wrongType(where, "an object with role and content", m);
      }
      JsonFields mf = new JsonFields(m);
      String role = mf.string("role").orElseThrow(() -> ApiException.badRequest(where + ".role",
          where + ".role is required (system, user, assistant or tool)"));
      Map<String, Object> map = toMap(m);
      map.put("role", role);
      JsonNode content = m.get("content");
      if (content == null || content.isNull()) {
        if (!"assistant".equals(role)) {
          throw ApiException.badRequest(where + ".content", where + ".content is required for role " + role);
        }
        map.put("content", null);
      } else if (content.isTextual()) {
        map.put("content", content.asText());
      } else if (content.isArray()) {
        // Content parts: text only (this engine has no vision input); joined as vLLM does.
        StringBuilder text = new StringBuilder();
        for (int k = 0; k < content.size(); k++) {
          JsonNode part = content.get(k);
          String type = part.path("type").asText("");
          if (!"text".equals(type) || !part.path("text").isTextual()) {
            throw ApiException.badRequest(where + ".content[" + k + "]", where + ".content[" + k
                + "] must be {\"type\": \"text\", \"text\": ...}; this model takes text only, got type '" + type + "'");
          }
          if (k > 0) {
            text.append('\n');
          }
          text.append(part.get("text").asText());
        }
        map.put("content", text.toString());
      } else {
        throw JsonFields.wrongType(where + ".content", "a string or an array of text parts", content);
      }
      out.add(map);
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> toMap(JsonNode object) {
    return new LinkedHashMap<>(json.convertValue(object, Map.class));
  }
}
