package dev.gantry.engine.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.engine.model.Architecture;
import dev.gantry.engine.model.DType;
import dev.gantry.engine.model.LoadedModel;
import dev.gantry.engine.model.ModelLoader;
import dev.gantry.engine.testing.TestModels.Format;
import dev.gantry.engine.testing.TestModels.TestModel;
import dev.gantry.engine.tokenizer.Tokenizer;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The files TestModels writes are what real tools expect: the engine's tokenizer reads them. */
class TestModelsTest {
  @TempDir
  Path tmp;

  @ParameterizedTest
  @EnumSource(Architecture.class)
  void tokenizerFiles_loadInTheEngineTokenizer_andRoundTripText(Architecture arch) {
    TestModel m = TestModels.write(tmp, TestModels.spec(arch));
    Tokenizer tok = Tokenizer.fromHfDirectory(m.path());
    String text = "Hello, world! The engine streams text — ünïcödé 日本語 🙂 42.";
    int[] ids = tok.encode(text, false);
    assertThat(ids.length).as("merges shorten the text").isLessThan(text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    assertThat(tok.decode(ids)).isEqualTo(text);
    assertThat(tok.eosTokenIds()).containsAnyElementsOf(m.config().eosTokenIds());
    for (int id : ids) {
      assertThat(id).isLessThan(m.config().vocabSize());
    }
    assertThat(tok.chatTemplate()).isPresent();
  }

  @ParameterizedTest
  @EnumSource(value = Architecture.class, names = {"LLAMA", "QWEN2"})
  void ggufTokenizerMetadata_encodesLikeTheHfFiles(Architecture arch) {
    TestModel hf = TestModels.write(tmp, TestModels.spec(arch));
    TestModel gguf = TestModels.write(tmp, TestModels.spec(arch).format(Format.GGUF).dtype(DType.Q8_0));
    LoadedModel loaded = ModelLoader.load(gguf.path());
    String text = "The quick brown fox, 2024 — naïve café.";
    assertThat(Tokenizer.fromGguf(loaded.ggufMetadata()).encode(text, false))
        .containsExactly(Tokenizer.fromHfDirectory(hf.path()).encode(text, false));
  }
}
