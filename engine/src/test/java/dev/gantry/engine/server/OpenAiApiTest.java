package dev.gantry.engine.server;

import static dev.gantry.engine.server.ServerHarness.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAI endpoints end to end over HTTP on loopback, against the real engine on a small
 * random model: response shapes field by field, streaming vs non-streaming, n > 1, stop strings
 * and stop token ids, seeds, logprobs, usage, tokenize/detokenize.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OpenAiApiTest {
  @TempDir static Path dir;
  static ServerHarness h;
  static final List<Map<String, String>> CHAT = List.of(Map.of("role", "system", "content", "You are terse."),
      Map.of("role", "user", "content", "Hello, world! How are you today?"));

  @BeforeAll
  static void start() {
    h = ServerHarness.start(ServerHarness.writeModel(dir));
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static int promptTokens(String prompt) {
    return h.post("/tokenize", json("prompt", prompt)).json().get("count").asInt();
  }

  @Test
  void completions_nonStreaming_hasOpenAiShapeAndUsage() {
    long before = Instant.now().getEpochSecond();
    JsonNode r = h.post("/v1/completions", json("model", ServerHarness.MODEL, "prompt", "The quick brown fox",
        "max_tokens", 7, "temperature", 0, "ignore_eos", true)).json();
    assertThat(r.get("id").asText()).startsWith("cmpl-");
    assertThat(r.get("object").asText()).isEqualTo("text_completion");
    assertThat(r.get("created").asLong()).isBetween(before, Instant.now().getEpochSecond());
    assertThat(r.get("model").asText()).isEqualTo(ServerHarness.MODEL);
    JsonNode choice = r.get("choices").get(0);
    assertThat(r.get("choices")).hasSize(1);
    assertThat(choice.get("index").asInt()).isZero();
    assertThat(choice.get("text").isTextual()).isTrue();
    assertThat(choice.get("logprobs").isNull()).isTrue();
    assertThat(choice.get("finish_reason").asText()).isEqualTo("length");
    JsonNode usage = r.get("usage");
    int prompt = promptTokens("The quick brown fox");
    assertThat(usage.get("prompt_tokens").asInt()).isEqualTo(prompt);
    assertThat(usage.get("completion_tokens").asInt()).isEqualTo(7);
    assertThat(usage.get("total_tokens").asInt()).isEqualTo(prompt + 7);
  }

  @Test
  void completions_streaming_concatenatesToTheNonStreamingText_andEndsWithDone() {
    String body = json("model", ServerHarness.MODEL, "prompt", "Hello, world!", "max_tokens", 12, "temperature", 0,
        "ignore_eos", true);
    String whole = h.post("/v1/completions", body).json().at("/choices/0/text").asText();
    List<JsonNode> events = h.stream("/v1/completions", body.replace("{", "{\"stream\":true,\"stream_options\":{\"include_usage\":true},"));
    StringBuilder text = new StringBuilder();
    String id = events.get(0).get("id").asText();
    for (int i = 0; i < events.size() - 1; i++) {
      JsonNode e = events.get(i);
      assertThat(e.get("id").asText()).isEqualTo(id);
      assertThat(e.get("object").asText()).isEqualTo("text_completion");
      assertThat(e.get("usage").isNull()).isTrue();
      text.append(e.at("/choices/0/text").asText());
      boolean last = i == events.size() - 2;
      assertThat(e.at("/choices/0/finish_reason").isNull()).isEqualTo(!last);
    }
    assertThat(text.toString()).isEqualTo(whole);
    assertThat(events.get(events.size() - 2).at("/choices/0/finish_reason").asText()).isEqualTo("length");
    JsonNode usageChunk = events.get(events.size() - 1);
    assertThat(usageChunk.get("choices")).isEmpty();
    assertThat(usageChunk.at("/usage/completion_tokens").asInt()).isEqualTo(12);
    assertThat(usageChunk.at("/usage/prompt_tokens").asInt()).isEqualTo(promptTokens("Hello, world!"));
  }

  @Test
  void chat_nonStreaming_hasOpenAiShape_andCountsTheTemplatedPrompt() {
    JsonNode r = h.post("/v1/chat/completions", json("model", ServerHarness.MODEL, "messages", CHAT,
        "max_completion_tokens", 6, "temperature", 0, "ignore_eos", true)).json();
    assertThat(r.get("id").asText()).startsWith("chatcmpl-");
    assertThat(r.get("object").asText()).isEqualTo("chat.completion");
    JsonNode choice = r.at("/choices/0");
    assertThat(choice.get("index").asInt()).isZero();
    assertThat(choice.at("/message/role").asText()).isEqualTo("assistant");
    assertThat(choice.at("/message/content").isTextual()).isTrue();
    assertThat(choice.get("finish_reason").asText()).isEqualTo("length");
    int templated = h.post("/tokenize", json("messages", CHAT)).json().get("count").asInt();
    assertThat(templated).isGreaterThan(promptTokens("Hello, world! How are you today?"));
    assertThat(r.at("/usage/prompt_tokens").asInt()).isEqualTo(templated);
    assertThat(r.at("/usage/completion_tokens").asInt()).isEqualTo(6);
  }

  @Test
  void chat_streaming_startsWithTheRole_andMatchesNonStreaming() {
    String body = json("model", ServerHarness.MODEL, "messages", CHAT, "max_tokens", 10, "temperature", 0,
        "ignore_eos", true);
    String whole = h.post("/v1/chat/completions", body).json().at("/choices/0/message/content").asText();
    List<JsonNode> events = h.stream("/v1/chat/completions", body.replace("{", "{\"stream\":true,"));
    assertThat(events.get(0).at("/choices/0/delta/role").asText()).isEqualTo("assistant");
    StringBuilder text = new StringBuilder();
    for (JsonNode e : events) {
      assertThat(e.get("object").asText()).isEqualTo("chat.completion.chunk");
      assertThat(e.has("usage")).as("no usage without include_usage").isFalse();
      text.append(e.at("/choices/0/delta/content").asText(""));
    }
    assertThat(text.toString()).isEqualTo(whole);
    assertThat(events.get(events.size() - 1).at("/choices/0/finish_reason").asText()).isEqualTo("length");
  }

  @Test
  void nGreaterThanOne_returnsIndexedChoices_andCountsThePromptOnce() {
    JsonNode r = h.post("/v1/completions", json("prompt", "The engine", "n", 3, "max_tokens", 5, "seed", 11,
        "temperature", 1.0, "ignore_eos", true)).json();
    assertThat(r.get("choices")).hasSize(3);
    for (int i = 0; i < 3; i++) {
      assertThat(r.at("/choices/" + i + "/index").asInt()).isEqualTo(i);
    }
    assertThat(r.at("/usage/prompt_tokens").asInt()).isEqualTo(promptTokens("The engine"));
    assertThat(r.at("/usage/completion_tokens").asInt()).isEqualTo(15);

    List<JsonNode> events = h.stream("/v1/chat/completions", json("messages", CHAT, "n", 2, "max_tokens", 4,
        "stream", true, "ignore_eos", true, "stream_options", Map.of("include_usage", true)));
    Set<Integer> finished = new HashSet<>();
    for (JsonNode e : events) {
      for (JsonNode c : e.get("choices")) {
        if (!c.get("finish_reason").isNull()) {
          finished.add(c.get("index").asInt());
        }
      }
    }
    assertThat(finished).containsExactlyInAnyOrder(0, 1);
    assertThat(events.get(events.size() - 1).at("/usage/completion_tokens").asInt()).isEqualTo(8);
  }

  @Test
  void batchPrompts_andTokenIdPrompts_giveAChoicePerPrompt_andUsageSumsThePrompts() {
    int[] ids = {5, 6, 7, 8};
    JsonNode r = h.post("/v1/completions", json("prompt", List.of("Hello", "The engine"), "n", 2, "max_tokens", 3,
        "ignore_eos", true)).json();
    assertThat(r.get("choices")).hasSize(4);
    assertThat(r.at("/usage/prompt_tokens").asInt()).isEqualTo(promptTokens("Hello") + promptTokens("The engine"));
    assertThat(r.at("/usage/completion_tokens").asInt()).isEqualTo(12);
    JsonNode t = h.post("/v1/completions", json("prompt", ids, "max_tokens", 2, "ignore_eos", true)).json();
    assertThat(t.at("/usage/prompt_tokens").asInt()).isEqualTo(ids.length);
  }

  @Test
  void echo_prefixesThePrompt() {
    JsonNode r = h.post("/v1/completions", json("prompt", "Hello there", "max_tokens", 3, "echo", true,
        "temperature", 0, "ignore_eos", true)).json();
    String plain = h.post("/v1/completions", json("prompt", "Hello there", "max_tokens", 3, "temperature", 0,
        "ignore_eos", true)).json().at("/choices/0/text").asText();
    assertThat(r.at("/choices/0/text").asText()).isEqualTo("Hello there" + plain);
  }

  @Test
  void seed_sameSeedSameText_otherSeedOtherText() {
    String a = sampled(1234);
    assertThat(sampled(1234)).isEqualTo(a);
    assertThat(sampled(99)).isNotEqualTo(a);
  }

  private static String sampled(long seed) {
    return h.post("/v1/completions", json("prompt", "Numbers:", "max_tokens", 24, "seed", seed, "temperature", 1.0,
        "ignore_eos", true)).json().at("/choices/0/text").asText();
  }

  @Test
  void stopString_spanningTwoTokens_endsTheOutputBeforeIt_streamingAndNot() {
    // Find a token boundary in the greedy output, and stop on text that straddles it.
    JsonNode probe = h.post("/v1/completions", json("prompt", "The quick brown fox", "max_tokens", 24, "temperature", 0,
        "ignore_eos", true, "logprobs", 0)).json();
    String full = probe.at("/choices/0/text").asText();
    JsonNode tokens = probe.at("/choices/0/logprobs/tokens");
    JsonNode offsets = probe.at("/choices/0/logprobs/text_offset");
    String stop = null;
    for (int i = 1; i < tokens.size() && stop == null; i++) {
      int boundary = offsets.get(i).asInt();
      if (boundary >= 2 && boundary + 1 < full.length() && tokens.get(i).asText().length() >= 1
          && tokens.get(i - 1).asText().length() >= 1 && !full.substring(boundary - 1, boundary + 1).contains("\uFFFD")) {
        stop = full.substring(boundary - 1, boundary + 1);
      }
    }
    assertThat(stop).as("a stop string across a token boundary in %s", full).isNotNull();
    String expected = full.substring(0, full.indexOf(stop));
    String body = json("prompt", "The quick brown fox", "max_tokens", 24, "temperature", 0, "ignore_eos", true,
        "stop", List.of(stop));
    JsonNode r = h.post("/v1/completions", body).json();
    assertThat(r.at("/choices/0/text").asText()).isEqualTo(expected);
    assertThat(r.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    assertThat(r.at("/choices/0/stop_reason").asText()).isEqualTo(stop);

    StringBuilder streamed = new StringBuilder();
    List<JsonNode> events = h.stream("/v1/completions", body.replace("{", "{\"stream\":true,"));
    for (JsonNode e : events) {
      streamed.append(e.at("/choices/0/text").asText());
    }
    assertThat(streamed.toString()).isEqualTo(expected);
    assertThat(events.get(events.size() - 1).at("/choices/0/finish_reason").asText()).isEqualTo("stop");
  }

  @Test
  void stopTokenIds_endOnThatToken_withItAsStopReason() {
    JsonNode probe = h.post("/v1/completions", json("prompt", "Hello", "max_tokens", 8, "temperature", 0,
        "ignore_eos", true, "logprobs", 0, "return_tokens_as_token_ids", true)).json();
    List<Integer> ids = new ArrayList<>();
    for (JsonNode t : probe.at("/choices/0/logprobs/tokens")) {
      assertThat(t.asText()).startsWith("token_id:");
      ids.add(Integer.parseInt(t.asText().substring("token_id:".length())));
    }
    assertThat(ids).hasSize(8);
    int stopId = ids.get(2);
    int firstAt = ids.indexOf(stopId);
    JsonNode r = h.post("/v1/completions", json("prompt", "Hello", "max_tokens", 8, "temperature", 0,
        "ignore_eos", true, "stop_token_ids", List.of(stopId))).json();
    assertThat(r.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    assertThat(r.at("/choices/0/stop_reason").asInt()).isEqualTo(stopId);
    assertThat(r.at("/usage/completion_tokens").asInt()).isEqualTo(firstAt + 1);
  }

  @Test
  void logprobs_completionsAndChat_haveOneEntryPerToken_withTopCandidates() {
    // Token ids as keys: the legacy format keys top_logprobs by token text, and byte-fragment
    // tokens of a random model often share the text "\uFFFD".
    JsonNode c = h.post("/v1/completions", json("prompt", "Hello", "max_tokens", 5, "logprobs", 2, "ignore_eos", true,
        "return_tokens_as_token_ids", true)).json().at("/choices/0/logprobs");
    assertThat(c.get("tokens")).hasSize(5);
    assertThat(c.get("token_logprobs")).hasSize(5);
    assertThat(c.get("text_offset")).hasSize(5);
    for (JsonNode lp : c.get("token_logprobs")) {
      assertThat(lp.asDouble()).isLessThanOrEqualTo(0.0);
    }
    for (JsonNode top : c.get("top_logprobs")) {
      assertThat(top.size()).isBetween(2, 3);
    }
    JsonNode chat = h.post("/v1/chat/completions", json("messages", CHAT, "max_tokens", 4, "logprobs", true,
        "top_logprobs", 3, "ignore_eos", true)).json().at("/choices/0/logprobs/content");
    assertThat(chat).hasSize(4);
    for (JsonNode t : chat) {
      assertThat(t.get("token").isTextual()).isTrue();
      assertThat(t.get("bytes").isArray()).isTrue();
      assertThat(t.get("top_logprobs")).hasSize(3);
      assertThat(t.get("logprob").asDouble()).isLessThanOrEqualTo(0.0);
      assertThat(t.at("/top_logprobs/0/logprob").asDouble()).as("most likely first")
          .isGreaterThanOrEqualTo(t.at("/top_logprobs/2/logprob").asDouble());
    }
  }

  @Test
  void maxTokensDefaults_areVllms_16ForCompletions_restOfContextForChat() {
    JsonNode c = h.post("/v1/completions", json("prompt", "Hello", "ignore_eos", true)).json();
    assertThat(c.at("/usage/completion_tokens").asInt()).isEqualTo(16);
    JsonNode chat = h.post("/v1/chat/completions", json("messages", CHAT, "ignore_eos", true)).json();
    assertThat(chat.at("/usage/total_tokens").asInt()).isEqualTo(256);
  }

  @Test
  void tokenize_detokenize_roundTrip_andModelsAndVersion() {
    JsonNode t = h.post("/tokenize", json("prompt", "Über café", "add_special_tokens", false)).json();
    assertThat(t.get("max_model_len").asInt()).isEqualTo(256);
    List<Integer> ids = new ArrayList<>();
    t.get("tokens").forEach(n -> ids.add(n.asInt()));
    assertThat(ids).hasSize(t.get("count").asInt());
    assertThat(h.post("/detokenize", json("tokens", ids)).json().get("prompt").asText()).isEqualTo("Über café");

    JsonNode models = h.get("/v1/models").json();
    assertThat(models.get("object").asText()).isEqualTo("list");
    assertThat(models.at("/data/0/id").asText()).isEqualTo(ServerHarness.MODEL);
    assertThat(models.at("/data/0/object").asText()).isEqualTo("model");
    assertThat(models.at("/data/0/max_model_len").asInt()).isEqualTo(256);
    assertThat(h.get("/version").json().get("version").asText()).isNotBlank();
    assertThat(h.get("/health").status()).isEqualTo(200);
  }
}
