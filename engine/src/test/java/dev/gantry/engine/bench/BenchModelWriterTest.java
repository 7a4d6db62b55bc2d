package dev.gantry.engine.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.engine.api.Engine;
import dev.gantry.engine.api.GenerationRequest;
import dev.gantry.engine.api.GenerationResult;
import dev.gantry.engine.api.Prompt;
import dev.gantry.engine.model.DType;
import dev.gantry.engine.model.LoadedModel;
import dev.gantry.engine.model.ModelLoader;
import dev.gantry.engine.sampling.SamplingParams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BenchModelWriterTest {
  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F32", "Q8_0", "Q4_0"})
  void write_producesAGgufTheLoaderAndEngineServe(DType dtype) throws Exception {
    Path file = dir.resolve("tiny-" + dtype + ".gguf");
    List<Double> progress = new ArrayList<>();
    BenchModelWriter.write(file, BenchModelWriter.TINY, dtype, 1, progress::add);
    assertThat(progress).last().isEqualTo(1.0);

    LoadedModel loaded = ModelLoader.load(file);
    assertThat(loaded.config().numLayers()).isEqualTo(BenchModelWriter.TINY.numLayers());
    assertThat(loaded.config().vocabSize()).isEqualTo(BenchModelWriter.TINY.vocabSize());
    assertThat(loaded.config().eosTokenIds()).contains(BenchModelWriter.EOS);
    // Weights read per token: every matrix but the embedding, at the dtype's size.
    long expectedBytes = dtype.bytesFor(BenchModelWriter.TINY.numParameters() - 128L * 512
        - (2L * BenchModelWriter.TINY.numLayers() + 1) * 128);
    assertThat(loaded.weights().bytesPerToken()).isEqualTo(expectedBytes);
    assertThat(Files.size(file)).isGreaterThan(expectedBytes);

    try (Engine engine = Engine.builder().model(file).threads(1).maxModelLen(64).build()) {
      GenerationResult r = engine.submit(GenerationRequest.of("x", Prompt.tokens(1, 2, 3),
          SamplingParams.builder().temperature(0).maxTokens(5).ignoreEos(true).build())).collect();
      assertThat(r.tokenIds()).hasSize(5);
      assertThat(java.util.Arrays.stream(r.tokenIds()).allMatch(t -> t >= 0 && t < 512)).isTrue();
    }
  }

  @org.junit.jupiter.api.Test
  void byteSymbol_matchesGpt2ByteToUnicode() {
    assertThat(BenchModelWriter.byteSymbol('A')).isEqualTo("A");
    assertThat(BenchModelWriter.byteSymbol(' ')).isEqualTo("\u0120");
    assertThat(BenchModelWriter.byteSymbol(0)).isEqualTo("\u0100");
    assertThat(BenchModelWriter.byteSymbol(0xAD)).isEqualTo("\u0143");
  }
}
