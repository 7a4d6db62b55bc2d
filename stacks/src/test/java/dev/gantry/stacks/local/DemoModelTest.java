package dev.gantry.stacks.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo model's files are well-formed and agree with each other (the e2e test serves them with the engine). */
class DemoModelTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  @Test
  void write_safetensorsHeaderCoversEveryByteAndMatchesTheConfig() throws IOException {
    DemoModel.write(dir, 1);
    byte[] file = Files.readAllBytes(dir.resolve("model.safetensors"));
    long headerLength = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertThat(headerLength % 8).isZero();
    JsonNode header = JSON.readTree(new String(file, 8, (int) headerLength, java.nio.charset.StandardCharsets.UTF_8));
    JsonNode config = JSON.readTree(dir.resolve("config.json").toFile());
    long parameters = 0;
    long end = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> t = it.next();
      if (t.getKey().equals("__metadata__")) {
        continue;
      }
      assertThat(t.getValue().path("dtype").asText()).isEqualTo("F32");
      long elements = 1;
      for (JsonNode d : t.getValue().path("shape")) {
        elements *= d.asLong();
      }
      JsonNode offsets = t.getValue().path("data_offsets");
      assertThat(offsets.get(1).asLong() - offsets.get(0).asLong()).as(t.getKey()).isEqualTo(4 * elements);
      end = Math.max(end, offsets.get(1).asLong());
      parameters += elements;
    }
    assertThat(8 + headerLength + end).isEqualTo(file.length);
    assertThat(parameters).isEqualTo(DemoModel.numParameters());
    int vocab = config.path("vocab_size").asInt();
    assertThat(header.path("model.embed_tokens.weight").path("shape").get(0).asInt()).isEqualTo(vocab);
    assertThat(header.path("lm_head.weight").path("shape").get(0).asInt()).isEqualTo(vocab);
    assertThat(config.path("num_hidden_layers").asInt()).isEqualTo(2);
    assertThat(header.has("model.layers.1.mlp.down_proj.weight")).isTrue();
  }

  @Test
  void write_tokenizerHasExactlyVocabSizeIdsAndMergesOfKnownTokens() throws IOException {
    DemoModel.write(dir, 1);
    JsonNode tokenizer = JSON.readTree(dir.resolve("tokenizer.json").toFile());
    int vocabSize = JSON.readTree(dir.resolve("config.json").toFile()).path("vocab_size").asInt();
    JsonNode vocab = tokenizer.path("model").path("vocab");
    Set<Integer> ids = new HashSet<>();
    vocab.fields().forEachRemaining(e -> ids.add(e.getValue().asInt()));
    tokenizer.path("added_tokens").forEach(t -> ids.add(t.path("id").asInt()));
    assertThat(ids).hasSize(vocabSize).allMatch(id -> id >= 0 && id < vocabSize);
    for (JsonNode merge : tokenizer.path("model").path("merges")) {
      String[] parts = merge.asText().split(" ");
      assertThat(vocab.has(parts[0]) && vocab.has(parts[1]) && vocab.has(parts[0] + parts[1])).as(merge.asText()).isTrue();
    }
    JsonNode config = JSON.readTree(dir.resolve("tokenizer_config.json").toFile());
    assertThat(config.path("chat_template").asText()).contains("<|start_header_id|>", "add_generation_prompt");
    int bos = JSON.readTree(dir.resolve("config.json").toFile()).path("bos_token_id").asInt();
    assertThat(config.path("added_tokens_decoder").path(Integer.toString(bos)).path("content").asText())
        .isEqualTo("<|begin_of_text|>");
  }

  @Test
  void write_isLabelledAsRandomWeights() throws IOException {
    DemoModel.write(dir, 1);
    assertThat(Files.readString(dir.resolve("README.md"))).contains("RANDOM WEIGHTS", "--model");
    assertThat(Files.readString(dir.resolve("config.json"))).contains("RANDOM WEIGHTS");
    assertThat(DemoModel.present(dir)).isTrue();
  }

  @Test
  void write_sameSeedSameBytes_otherSeedOtherWeights(@TempDir Path other, @TempDir Path third) throws IOException {
    DemoModel.write(dir, 1);
    DemoModel.write(other, 1);
    DemoModel.write(third, 2);
    for (String f : new String[] {"model.safetensors", "tokenizer.json", "config.json"}) {
      assertThat(Files.readAllBytes(other.resolve(f))).as(f).isEqualTo(Files.readAllBytes(dir.resolve(f)));
    }
    assertThat(Files.readAllBytes(third.resolve("model.safetensors")))
        .isNotEqualTo(Files.readAllBytes(dir.resolve("model.safetensors")));
  }

  @Test
  void present_whenFilesMissing_isFalse() {
    assertThat(DemoModel.present(dir)).isFalse();
  }
}
