package dev.gantry.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Renders the published chat templates of Llama 3 Instruct, Llama 3.1 Instruct and Qwen2.5
 * Instruct (test resources tokenizer/templates/*.json, copied from the models'
 * tokenizer_config.json) and compares with what Jinja2, configured like transformers, renders
 * (the *.expected.txt files, produced by render_expected.py in the same folder).
 */
class ChatTemplateTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DIR = "/tokenizer/templates/";

  static ChatTemplate template(String model) {
    JsonNode config = readJson(DIR + model + ".json");
    return ChatTemplate.of(config.get("chat_template").asText(),
        config.get("bos_token").isNull() ? null : config.get("bos_token").asText(), config.get("eos_token").asText());
  }

  static Stream<Arguments> cases() {
    JsonNode cases = readJson(DIR + "cases.json");
    List<Arguments> out = new ArrayList<>();
    cases.fields().forEachRemaining(c -> c.getValue().get("models").forEach(m -> out.add(Arguments.of(m.asText(), c.getKey()))));
    return out.stream();
  }

  @ParameterizedTest(name = "{0} / {1}")
  @MethodSource("cases")
  void render_publishedTemplate_matchesJinja2ByteForByte(String model, String caseName) {
    JsonNode c = readJson(DIR + "cases.json").get(caseName);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> messages = JSON.convertValue(c.get("messages"), List.class);
    Map<String, Object> extra = new HashMap<>();
    if (c.has("tools")) {
      extra.put("tools", JSON.convertValue(c.get("tools"), List.class));
    }
    String rendered = template(model).render(messages, c.get("add_generation_prompt").asBoolean(), extra);
    assertThat(rendered).isEqualTo(readText(DIR + model + "." + caseName + ".expected.txt"));
  }

  @Test
  void render_llama3_systemAndUser_givesTheDocumentedPromptFormat() {
    String out = template("llama3-instruct").render(
        List.of(ChatMessage.system("You are a helpful assistant."), ChatMessage.user("Hi")), true);
    assertThat(out).isEqualTo("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
        + "You are a helpful assistant.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n"
        + "Hi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
  }

  @Test
  void render_qwen25_withoutSystem_insertsTheDefaultSystemPrompt() {
    String out = template("qwen2.5-instruct").render(List.of(ChatMessage.user("Hi")), true);
    assertThat(out).isEqualTo("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
        + "assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  }

  @Test
  void render_llama31_withDateString_usesIt() {
    Map<String, Object> user = Map.of("role", "user", "content", "Hi");
    String out = template("llama3.1-instruct").render(List.of(user), false, Map.of("date_string", "01 Jan 2025"));
    assertThat(out).contains("Today Date: 01 Jan 2025\n\n");
  }

  @Test
  void raiseException_inTemplate_surfacesTheTemplatesMessage() {
    ChatTemplate t = ChatTemplate.of("{% for m in messages %}{% if (m['role'] == 'user') != (loop.index0 % 2 == 0) %}"
        + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
        + "{{ m['content'] }}{% endfor %}", "<s>", "</s>");
    assertThat(t.render(List.of(ChatMessage.user("a"), ChatMessage.assistant("b")), false)).isEqualTo("ab");
    assertThatThrownBy(() -> t.render(List.of(ChatMessage.user("a"), ChatMessage.user("b")), false))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessage("Conversation roles must alternate user/assistant/user/assistant/...")
        .matches(e -> ((ChatTemplateException) e).raisedByTemplate());
  }

  @Test
  void raiseException_llama31ToolsWithoutUserMessage_isRaised() {
    Map<String, Object> tool = Map.of("type", "function", "function", Map.of("name", "f"));
    assertThatThrownBy(() -> template("llama3.1-instruct").render(List.of(), true, Map.of("tools", List.of(tool))))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessageContaining("Cannot put tools in the first user message when there's no first user message!");
  }

  @Test
  void render_ofTemplateWithSyntaxError_failsWithALineNumber() {
    ChatTemplate t = ChatTemplate.of("line one\n{% if messages %}{{ messages[0].content }}", null, null);
    assertThatThrownBy(() -> t.render(List.of(ChatMessage.user("x")), false))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessageContaining("chat template failed to render")
        .matches(e -> !((ChatTemplateException) e).raisedByTemplate());
  }

  @Test
  void render_pythonStringMethodsAndNamespace_workAsInJinja2() {
    ChatTemplate t = ChatTemplate.of("{%- set ns = namespace(found=false) -%}"
        + "{%- for m in messages -%}{%- if m.role == 'system' -%}{%- set ns.found = true -%}{%- endif -%}{%- endfor -%}"
        + "{% if ns.found %}found{% endif %}|{{ messages[0].content.strip() }}|{{ messages[0].content | trim }}"
        + "|{{ messages[0].content.startswith('  pad') }}", null, null);
    assertThat(t.render(List.of(ChatMessage.system("  padded \n")), false)).isEqualTo("found|padded|padded|true");
  }

  @Test
  void render_notXIsDefined_bindsTheTestBeforeNot() {
    ChatTemplate t = ChatTemplate.of("{% if not x is defined %}undefined{% else %}{{ x }}{% endif %}"
        + "{{ ' not y is defined ' }}", null, null);
    assertThat(t.render(List.of(), false, Map.of("x", "set"))).isEqualTo("set not y is defined ");
    assertThat(t.render(List.of(), false, Map.of())).isEqualTo("undefined not y is defined ");
  }

  @Test
  void render_fromManyThreadsAtOnce_givesEachCallersOwnPrompt() throws Exception {
    ChatTemplate t = template("llama3.1-instruct");
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      List<java.util.concurrent.Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        String content = "question " + i;
        List<ChatMessage> messages = List.of(ChatMessage.system("sys " + (i % 7)), ChatMessage.user(content));
        String expected = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: "
            + "December 2023\nToday Date: 26 Jul 2024\n\nsys " + (i % 7) + "<|eot_id|><|start_header_id|>user"
            + "<|end_header_id|>\n\n" + content + "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
        results.add(pool.submit(() -> t.render(messages, true).equals(expected)));
      }
      for (var f : results) {
        assertThat(f.get()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void render_toolsDefaultsToNone() {
    ChatTemplate t = ChatTemplate.of("{% if tools is none %}none{% else %}some{% endif %}", null, null);
    assertThat(t.render(List.of(ChatMessage.user("x")), false)).isEqualTo("none");
  }

  private static JsonNode readJson(String resource) {
    try {
      return JSON.readTree(readText(resource));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static String readText(String resource) {
    try (InputStream in = ChatTemplateTest.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
