package dev.gantry.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.engine.model.Architecture;
import dev.gantry.engine.model.LoadedModel;
import dev.gantry.engine.model.ModelLoader;
import dev.gantry.engine.testing.TestModels;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The tokenizer files engine-model's TestModels writes load here, from HF files and GGUF alike. */
class TestModelsTokenizerTest {
  @TempDir Path dir;

  private static final List<String> TEXTS = List.of("Hello world! The engine streams text.",
      "numbers 1234567 and émojis 😀", "  spaces\n\nand newlines\t");

  @ParameterizedTest
  @EnumSource(Architecture.class)
  void hfDirectory_ofATestModel_loadsAndRoundTrips(Architecture arch) {
    TestModels.TestModel model = TestModels.write(dir, TestModels.spec(arch));
    Tokenizer t = Tokenizer.fromHfDirectory(model.path());
    assertThat(t.vocabSize()).isEqualTo(model.tokenizer().size());
    for (String s : TEXTS) {
      assertThat(t.decode(t.encode(s, false))).isEqualTo(s);
    }
    assertThat(t.eosTokenIds()).isSubsetOf(model.config().eosTokenIds());
    if (model.config().bosTokenId() >= 0) {
      assertThat(t.bosTokenId()).hasValue(model.config().bosTokenId());
      assertThat(t.encode("Hi")[0]).isEqualTo(model.config().bosTokenId());
    }
    String prompt = t.chatTemplate().orElseThrow().render(List.of(ChatMessage.user("Hi")), true);
    assertThat(t.decode(t.encode(prompt, false))).isEqualTo(prompt);
  }

  @ParameterizedTest
  @EnumSource(value = Architecture.class, names = {"LLAMA", "QWEN2"})
  void gguf_ofATestModel_encodesLikeTheHfFiles(Architecture arch) {
    TestModels.TestModel hf = TestModels.write(dir.resolve("hf"), TestModels.spec(arch));
    TestModels.TestModel gguf = TestModels.write(dir.resolve("gguf"), TestModels.spec(arch).format(TestModels.Format.GGUF));
    LoadedModel loaded = ModelLoader.load(gguf.path());
    Tokenizer fromGguf = Tokenizer.fromGguf(loaded.ggufMetadata());
    Tokenizer fromHf = Tokenizer.fromHfDirectory(hf.path());
    for (String s : TEXTS) {
      assertThat(fromGguf.encode(s)).isEqualTo(fromHf.encode(s));
      assertThat(fromGguf.decode(fromGguf.encode(s, false))).isEqualTo(s);
    }
    assertThat(fromGguf.chatTemplate()).isPresent();
  }
}
