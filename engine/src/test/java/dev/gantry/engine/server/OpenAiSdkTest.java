package dev.gantry.engine.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official OpenAI Java SDK (com.openai:openai-java) against the server: non-streaming and
 * streaming completions and chat, with the SDK's own {@code validate()} checking that every
 * required field is present with the right type, and its typed errors for 400/401/404.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OpenAiSdkTest {
  static final String KEY = "sk-sdk-test";
  @TempDir static Path dir;
  static ServerHarness h;
  static OpenAIClient client;

  @BeforeAll
  static void start() {
    h = ServerHarness.start(ServerHarness.writeModel(dir), b -> b, c -> c.withApiKey(KEY));
    client = OpenAIOkHttpClient.builder().baseUrl(h.base + "/v1").apiKey(KEY).maxRetries(0)
        .timeout(Duration.ofSeconds(60)).build();
  }

  @AfterAll
  static void stop() {
    client.close();
    h.close();
  }

  private static ChatCompletionCreateParams.Builder chat(int maxTokens) {
    return ChatCompletionCreateParams.builder().model(ServerHarness.MODEL).addUserMessage("Hello, world!")
        .maxCompletionTokens(maxTokens).temperature(0.0).putAdditionalBodyProperty("ignore_eos", JsonValue.from(true));
  }

  @Test
  void chat_nonStreaming_validatesAndCountsUsage() {
    ChatCompletion c = client.chat().completions().create(chat(6).n(2).build());
    c.validate();
    assertThat(c.id()).startsWith("chatcmpl-");
    assertThat(c.model()).isEqualTo(ServerHarness.MODEL);
    assertThat(c.choices()).hasSize(2);
    assertThat(c.choices().get(1).index()).isEqualTo(1);
    assertThat(c.choices().get(0).finishReason().toString()).isEqualTo("length");
    assertThat(c.choices().get(0).message().content()).isPresent();
    assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(12);
  }

  @Test
  void chat_streaming_validatesEveryChunk_andJoinsToTheNonStreamingText() {
    String whole = client.chat().completions().create(chat(8).build()).choices().get(0).message().content().orElseThrow();
    StringBuilder text = new StringBuilder();
    long[] usage = {-1};
    try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
        chat(8).streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
      stream.stream().forEach(chunk -> {
        chunk.validate();
        for (ChatCompletionChunk.Choice choice : chunk.choices()) {
          choice.delta().content().ifPresent(text::append);
        }
        chunk.usage().ifPresent(u -> usage[0] = u.completionTokens());
      });
    }
    assertThat(text.toString()).isEqualTo(whole);
    assertThat(usage[0]).isEqualTo(8);
  }

  @Test
  void completions_streamingAndNot_agree() {
    CompletionCreateParams params = CompletionCreateParams.builder().model(ServerHarness.MODEL).prompt("The quick brown fox")
        .maxTokens(10).temperature(0.0).putAdditionalBodyProperty("ignore_eos", JsonValue.from(true)).build();
    Completion c = client.completions().create(params);
    c.validate();
    assertThat(c.choices().get(0).finishReason().toString()).isEqualTo("length");
    StringBuilder text = new StringBuilder();
    try (StreamResponse<Completion> stream = client.completions().createStreaming(params)) {
      // No validate() here: the SDK types legacy completion chunks as Completion, whose
      // finish_reason is non-null, while OpenAI itself streams null until the last chunk.
      stream.stream().forEach(chunk -> chunk.choices().forEach(choice -> text.append(choice.text())));
    }
    assertThat(text.toString()).isEqualTo(c.choices().get(0).text());
  }

  @Test
  void errors_arriveAsTheSdksTypedExceptions() {
    assertThatThrownBy(() -> client.chat().completions().create(chat(4).model("gpt-4o").build()))
        .isInstanceOf(NotFoundException.class).hasMessageContaining("gpt-4o");
    assertThatThrownBy(() -> client.chat().completions().create(chat(4).temperature(-1.0).build()))
        .isInstanceOf(BadRequestException.class).hasMessageContaining("temperature");
    OpenAIClient wrongKey = OpenAIOkHttpClient.builder().baseUrl(h.base + "/v1").apiKey("nope").maxRetries(0).build();
    try {
      assertThatThrownBy(() -> wrongKey.models().list()).isInstanceOf(UnauthorizedException.class);
    } finally {
      wrongKey.close();
    }
    assertThat(client.models().list().data().stream().map(m -> m.id()).toList()).isEqualTo(List.of(ServerHarness.MODEL));
  }
}
