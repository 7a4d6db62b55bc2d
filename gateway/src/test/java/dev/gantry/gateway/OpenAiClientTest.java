package dev.gantry.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java client (com.openai:openai-java) talking to upstream stubs through the gateway. */
class OpenAiClientTest {
    private StubUpstream stub;
    private Harness h;

    @BeforeEach
    void start() throws Exception {
        stub = new StubUpstream("a");
        stub.chunks = 5;
        h = new Harness(Harness.config("llama", List.of(stub), """
                general_settings:
                  master_key: os.environ/TEST_MASTER_KEY
                """));
    }

    @AfterEach
    void stop() {
        h.close();
        stub.close();
    }

    private OpenAIClient client(String key) {
        return OpenAIOkHttpClient.builder().baseUrl(h.base + "/v1").apiKey(key).maxRetries(0).build();
    }

    private static ChatCompletionCreateParams chat(String model) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage("Say hello").maxCompletionTokens(16).build();
    }

    @Test
    void chatCompletion_unaryAndStreaming_andModels() {
        OpenAIClient client = client(AuthAndLimitsTest.MASTER);
        ChatCompletion c = client.chat().completions().create(chat("llama"));
        assertThat(c.choices().get(0).message().content()).hasValue("word word word word word");
        assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(5);

        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(chat("llama"))) {
            String text = stream.stream()
                    .flatMap(chunk -> chunk.choices().stream())
                    .map(choice -> choice.delta().content().orElse(""))
                    .collect(Collectors.joining());
            assertThat(text).isEqualTo("word0 word1 word2 word3 word4 ");
        }

        Completion completion = client.completions().create(CompletionCreateParams.builder()
                .model("llama").prompt("Once upon a time").maxTokens(8).build());
        assertThat(completion.choices().get(0).text()).isEqualTo("word word word word word");

        assertThat(client.models().list().data()).extracting(m -> m.id()).containsExactly("llama");
    }

    @Test
    void errors_mapToTheClientsExceptionTypes() throws Exception {
        assertThatThrownBy(() -> client("sk-wrong-key-00000000").chat().completions().create(chat("llama")))
                .isInstanceOf(UnauthorizedException.class)
                .hasMessageContaining("invalid API key");
        assertThatThrownBy(() -> client(AuthAndLimitsTest.MASTER).chat().completions().create(chat("nope")))
                .isInstanceOf(NotFoundException.class)
                .hasMessageContaining("does not exist");
        var gen = h.post("/key/generate", "{\"rpm_limit\":1}", AuthAndLimitsTest.MASTER);
        String key = Harness.json(gen.body()).path("key").asText();
        OpenAIClient limited = client(key);
        limited.chat().completions().create(chat("llama"));
        assertThatThrownBy(() -> limited.chat().completions().create(chat("llama")))
                .isInstanceOf(RateLimitException.class)
                .hasMessageContaining("rpm_limit 1");
    }
}
