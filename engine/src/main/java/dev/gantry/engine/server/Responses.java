package dev.gantry.engine.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.engine.api.Usage;
import dev.gantry.engine.sampling.SampledToken;
import dev.gantry.engine.sampling.TopLogprob;
import dev.gantry.engine.server.OpenAiRequest.Endpoint;
import dev.gantry.engine.tokenizer.Tokenizer;
import java.util.List;

/**
 * Builds OpenAI-shaped bodies field by field: {@code text_completion} and
 * {@code chat.completion} responses, their stream chunks ({@code chat.completion.chunk}), usage,
 * both logprobs shapes (legacy completions and chat), and the error body. Nullable OpenAI
 * fields are written as explicit nulls, as OpenAI does, so strict clients find every key.
 */
final class Responses {
  /** JSON has no -Infinity: a token the sampler masked out gets this floor, as vLLM does. */
  private static final float LOGPROB_FLOOR = -9999.0f;

  private final ObjectMapper json;
  private final Tokenizer tokenizer;

  Responses(ObjectMapper json, Tokenizer tokenizer) {
    this.json = json;
    this.tokenizer = tokenizer;
  }

  /** What one choice produced, accumulated over its outputs. */
  static final class ChoiceState {
    final int index;
    final StringBuilder text = new StringBuilder();
    final java.util.ArrayList<SampledToken> logprobs = new java.util.ArrayList<>();
    String finishReason;
    Object stopReason;
    Usage usage;
    boolean roleSent;

    ChoiceState(int index) {
      this.index = index;
    }
  }

  ObjectNode full(OpenAiRequest r, String id, long created, List<ChoiceState> choices, int cachedTokens) {
    boolean chat = r.endpoint() == Endpoint.CHAT;
    ObjectNode body = header(id, chat ? "chat.completion" : "text_completion", created, r.model());
    ArrayNode array = body.putArray("choices");
    int completionTokens = 0;
    for (ChoiceState c : choices) {
      ObjectNode choice = array.addObject();
      choice.put("index", c.index);
      String text = r.echo() ? r.promptTexts().get(r.choices().get(c.index).promptIndex()) + c.text : c.text.toString();
      if (chat) {
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", text);
        message.putNull("refusal");
        message.putArray("tool_calls");
        choice.set("logprobs", r.logprobs() ? chatLogprobs(c.logprobs, r.tokensAsIds()) : null);
      } else {
        choice.put("text", text);
        choice.set("logprobs", r.logprobs() ? completionLogprobs(c.logprobs, 0, r.tokensAsIds()) : null);
      }
      choice.put("finish_reason", c.finishReason);
      putStopReason(choice, c.stopReason);
      completionTokens += c.usage == null ? 0 : c.usage.completionTokens();
    }
    body.set("usage", usage(r.promptTokens(), completionTokens, cachedTokens));
    if (chat) {
      body.putNull("system_fingerprint");
    }
    return body;
  }

  /** One stream chunk for one choice: a text delta, its logprobs, and on the last one the finish reason. */
  ObjectNode chunk(OpenAiRequest r, String id, long created, ChoiceState c, String delta, List<SampledToken> logprobs,
      int textOffset, boolean last) {
    boolean chat = r.endpoint() == Endpoint.CHAT;
    ObjectNode body = header(id, chat ? "chat.completion.chunk" : "text_completion", created, r.model());
    ObjectNode choice = body.putArray("choices").addObject();
    choice.put("index", c.index);
    if (chat) {
      ObjectNode d = choice.putObject("delta");
      if (!c.roleSent) {
        d.put("role", "assistant");
        c.roleSent = true;
      }
      if (!delta.isEmpty() || !last) {
        d.put("content", delta);
      }
      choice.set("logprobs", r.logprobs() && !logprobs.isEmpty() ? chatLogprobs(logprobs, r.tokensAsIds()) : null);
    } else {
      choice.put("text", delta);
      choice.set("logprobs", r.logprobs() && !logprobs.isEmpty() ? completionLogprobs(logprobs, textOffset, r.tokensAsIds()) : null);
    }
    if (last) {
      choice.put("finish_reason", c.finishReason);
      putStopReason(choice, c.stopReason);
    } else {
      choice.putNull("finish_reason");
      choice.putNull("stop_reason");
    }
    if (r.includeUsage()) {
      body.putNull("usage");
    }
    return body;
  }

  /** The chat stream's opening chunk per choice: the assistant role with empty content, as OpenAI sends. */
  ObjectNode roleChunk(OpenAiRequest r, String id, long created, ChoiceState c) {
    ObjectNode body = header(id, "chat.completion.chunk", created, r.model());
    ObjectNode choice = body.putArray("choices").addObject();
    choice.put("index", c.index);
    choice.putObject("delta").put("role", "assistant").put("content", "");
    choice.putNull("logprobs");
    choice.putNull("finish_reason");
    c.roleSent = true;
    if (r.includeUsage()) {
      body.putNull("usage");
    }
    return body;
  }

  /** The last chunk of a stream with {@code stream_options.include_usage}: no choices, the whole usage. */
  ObjectNode usageChunk(OpenAiRequest r, String id, long created, int completionTokens, int cachedTokens) {
    boolean chat = r.endpoint() == Endpoint.CHAT;
    ObjectNode body = header(id, chat ? "chat.completion.chunk" : "text_completion", created, r.model());
    body.putArray("choices");
    body.set("usage", usage(r.promptTokens(), completionTokens, cachedTokens));
    return body;
  }

  ObjectNode usage(int promptTokens, int completionTokens, int cachedTokens) {
    ObjectNode u = json.createObjectNode();
    u.put("prompt_tokens", promptTokens);
    u.put("completion_tokens", completionTokens);
    u.put("total_tokens", promptTokens + completionTokens);
    u.putObject("prompt_tokens_details").put("cached_tokens", cachedTokens);
    return u;
  }

  ObjectNode error(ApiException e) {
    ObjectNode body = json.createObjectNode();
    ObjectNode error = body.putObject("error");
    error.put("message", e.getMessage());
    error.put("type", e.type());
    if (e.param() == null) {
      error.putNull("param");
    } else {
      error.put("param", e.param());
    }
    if (e.code() == null) {
      error.putNull("code");
    } else {
      error.put("code", e.code());
    }
    return body;
  }

  private ObjectNode header(String id, String object, long created, String model) {
    ObjectNode body = json.createObjectNode();
    body.put("id", id);
    body.put("object", object);
    body.put("created", created);
    body.put("model", model);
    return body;
  }

  private static void putStopReason(ObjectNode choice, Object stopReason) {
    switch (stopReason) {
      case null -> choice.putNull("stop_reason");
      case Integer id -> choice.put("stop_reason", id);
      default -> choice.put("stop_reason", stopReason.toString());
    }
  }

  private ObjectNode chatLogprobs(List<SampledToken> tokens, boolean asIds) {
    ObjectNode lp = json.createObjectNode();
    ArrayNode content = lp.putArray("content");
    for (SampledToken t : tokens) {
      ObjectNode entry = content.addObject();
      putToken(entry, t.tokenId(), t.logprob(), asIds);
      ArrayNode top = entry.putArray("top_logprobs");
      for (TopLogprob candidate : t.topLogprobs()) {
        putToken(top.addObject(), candidate.tokenId(), candidate.logprob(), asIds);
      }
    }
    lp.putNull("refusal");
    return lp;
  }

  private void putToken(ObjectNode entry, int tokenId, float logprob, boolean asIds) {
    entry.put("token", tokenText(tokenId, asIds));
    entry.put("logprob", floor(logprob));
    ArrayNode bytes = entry.putArray("bytes");
    for (byte b : tokenizer.tokenBytes(tokenId)) {
      bytes.add(b & 0xff);
    }
  }

  private ObjectNode completionLogprobs(List<SampledToken> tokens, int startOffset, boolean asIds) {
    ObjectNode lp = json.createObjectNode();
    ArrayNode offsets = lp.putArray("text_offset");
    ArrayNode logprobs = lp.putArray("token_logprobs");
    ArrayNode strings = lp.putArray("tokens");
    ArrayNode top = lp.putArray("top_logprobs");
    int offset = startOffset;
    for (SampledToken t : tokens) {
      String s = tokenText(t.tokenId(), asIds);
      offsets.add(offset);
      offset += s.length();
      logprobs.add(floor(t.logprob()));
      strings.add(s);
      ObjectNode candidates = top.addObject();
      for (TopLogprob c : t.topLogprobs()) {
        candidates.put(tokenText(c.tokenId(), asIds), floor(c.logprob()));
      }
      candidates.put(s, floor(t.logprob()));
    }
    return lp;
  }

  private String tokenText(int tokenId, boolean asId) {
    return asId ? "token_id:" + tokenId : tokenizer.decode(new int[] {tokenId}, false);
  }

  private static float floor(float logprob) {
    return Float.isNaN(logprob) || logprob < LOGPROB_FLOOR ? LOGPROB_FLOOR : logprob;
  }
}
