package dev.gantry.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.engine.testing.TestModels;
import dev.gantry.engine.testing.TestModels.Format;
import dev.gantry.engine.testing.TestModels.TestModel;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelLoaderTest {
  @TempDir
  Path tmp;

  private final ObjectMapper json = new ObjectMapper();

  @Test
  void load_hfDirectory_readsConfigAndMapsWeights() {
    TestModel m = TestModels.write(tmp, TestModels.spec(Architecture.LLAMA).dtype(DType.BF16)
        .ropeScaling(RopeScaling.llama31()));
    LoadedModel loaded = ModelLoader.load(m.path());
    assertThat(loaded.config()).isEqualTo(m.config());
    assertThat(loaded.config().ropeScaling()).isEqualTo(RopeScaling.llama31());
    assertThat(loaded.config().eosTokenIds()).hasSize(2);
    assertThat(loaded.isGguf()).isFalse();
    assertThat(loaded.weights().layers()).hasSize(2);
    assertThat(loaded.weights().layers().get(0).wq().dtype()).isEqualTo(DType.BF16);
    assertThat(loaded.weights().layers().get(0).wq().chunkOf(0).isDirect()).as("memory-mapped, not on the heap").isTrue();
    assertThat(loaded.weights().ropeLayout()).isEqualTo(RopeLayout.HALF_SPLIT);
    float[] row = new float[64];
    loaded.weights().tokenEmbedding().dequantizeRow(5, row, 0);
    assertThat(row).containsExactly(java.util.Arrays.copyOfRange(m.dense().embedding(), 5 * 64, 6 * 64));
  }

  @Test
  void load_shardedHfDirectory_readsTensorsFromEveryShard() throws IOException {
    TestModel m = TestModels.write(tmp, TestModels.spec(Architecture.QWEN2).format(Format.HF_SHARDED));
    try (var files = Files.list(m.path())) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".safetensors")).toList()).hasSize(2);
    }
    LoadedModel loaded = ModelLoader.load(m.path());
    assertThat(loaded.config().tieWordEmbeddings()).isTrue();
    assertThat(loaded.weights().lmHead()).isSameAs(loaded.weights().tokenEmbedding());
    assertThat(loaded.weights().layers().get(1).bq()).containsExactly(m.dense().layers().get(1).bq());
    assertThat(loaded.weights().finalNorm()).containsExactly(m.dense().finalNorm());
  }

  @Test
  void load_gguf_readsMetadataTokenizerAndQuantizedTensors() {
    TestModel m = TestModels.write(tmp, TestModels.spec(Architecture.LLAMA).format(Format.GGUF).dtype(DType.Q4_0)
        .ropeScaling(new RopeScaling(8, 1, 4, 256)));
    LoadedModel loaded = ModelLoader.load(m.path());
    assertThat(loaded.isGguf()).isTrue();
    assertThat(loaded.config().hiddenSize()).isEqualTo(64);
    assertThat(loaded.config().numKvHeads()).isEqualTo(2);
    assertThat(loaded.config().bosTokenId()).isEqualTo(m.config().bosTokenId());
    assertThat(loaded.weights().layers().get(0).wGate().dtype()).isEqualTo(DType.Q4_0);
    assertThat(loaded.weights().ropeLayout()).isEqualTo(RopeLayout.INTERLEAVED);
    assertThat((List<?>) loaded.ggufMetadata().get("tokenizer.ggml.tokens")).hasSize(512);
    assertThat(loaded.ggufMetadata().get("tokenizer.ggml.model")).isEqualTo("gpt2");
    float[] expected = m.config().ropeInverseFrequencies();
    float[] actual = loaded.weights().ropeInverseFrequencies();
    for (int i = 0; i < expected.length; i++) {
      assertThat(actual[i]).as("scaled frequency %d from rope_freqs.weight", i).isCloseTo(expected[i], within(expected[i] * 1e-5f));
    }
  }

  @Test
  void ropeScaling_llama31_keepsHighFrequenciesAndDividesLowOnes() {
    ModelConfig c = new ModelConfig(Architecture.LLAMA, 10, 4096, 8, 1, 32, 8, 128, 1e-5, 500000, RopeScaling.llama31(),
        131072, false, false, 0, List.of(1));
    float[] inv = c.ropeInverseFrequencies();
    assertThat(inv[0]).isEqualTo(1f);
    double last = 1.0 / Math.pow(500000, 126.0 / 128);
    assertThat((double) inv[63]).isCloseTo(last / 8, within(last * 1e-5));
    // Index 30 lies in the smoothed band: wavelength between 2048 and 8192.
    double f = 1.0 / Math.pow(500000, 60.0 / 128);
    double wavelen = 2 * Math.PI / f;
    assertThat(wavelen).isBetween(2048.0, 8192.0);
    double smooth = (8192 / wavelen - 1) / 3;
    assertThat((double) inv[30]).isCloseTo((1 - smooth) * f / 8 + smooth * f, within(f * 1e-5));
  }

  @Test
  void load_missingConfigJson_namesTheFile() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("empty"));
    assertThatThrownBy(() -> ModelLoader.load(dir)).isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("config.json").hasMessageContaining("file not found");
  }

  @Test
  void load_missingPath_saysWhatToPass() {
    assertThatThrownBy(() -> ModelLoader.load(tmp.resolve("nope"))).isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("nope").hasMessageContaining("Hugging Face model directory or a .gguf file");
  }

  @Test
  void load_unknownArchitecture_namesItAndTheSupportedOnes() throws IOException {
    TestModel m = TestModels.write(tmp, TestModels.spec(Architecture.LLAMA));
    editConfig(m.path(), c -> c.putArray("architectures").add("GPTNeoXForCausalLM"));
    assertThatThrownBy(() -> ModelLoader.load(m.path())).isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("config.json").hasMessageContaining("'GPTNeoXForCausalLM'")
        .hasMessageContaining("LlamaForCausalLM").hasMessageContaining("Qwen2ForCausalLM");
  }

  @Test
  void load_unsupportedRopeScaling_saysWhichAreSupported() throws IOException {
    TestModel m = TestModels.write(tmp, TestModels.spec(Architecture.QWEN2));
    editConfig(m.path(), c -> c.putObject("rope_scaling").put("type", "yarn").put("factor", 4.0));
    assertThatThrownBy(() -> ModelLoader.load(m.path())).hasMessageContaining("rope_scaling type 'yarn'")
        .hasMessageContaining("llama3");
  }

  @Test
  void load_wrongShape_namesTensorAndBothShapes() throws IOException {
    TestModel m = TestModels.write(tmp, TestModels.spec(Architecture.MISTRAL));
    editConfig(m.path(), c -> c.put("intermediate_size", 96));
    assertThatThrownBy(() -> ModelLoader.load(m.path())).isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("model.safetensors")
        .hasMessageContaining("'model.layers.0.mlp.gate_proj.weight' has shape [128, 64] but the config implies [96, 64]");
  }

  @Test
  void load_missingTensor_namesIt() throws IOException {
    TestModel m = TestModels.write(tmp, TestModels.spec(Architecture.LLAMA));
    editConfig(m.path(), c -> c.put("num_hidden_layers", 3));
    assertThatThrownBy(() -> ModelLoader.load(m.path()))
        .hasMessageContaining("missing tensor 'model.layers.2.input_layernorm.weight'");
  }

  @Test
  void load_corruptSafetensorsHeaderLength_isReported() throws IOException {
    TestModel m = TestModels.write(tmp, TestModels.spec(Architecture.LLAMA));
    Path file = m.path().resolve("model.safetensors");
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array());
    }
    assertThatThrownBy(() -> ModelLoader.load(m.path())).isInstanceOf(ModelLoadException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("corrupt safetensors header");
  }

  @Test
  void load_safetensorsHeaderNotJson_isReported() throws IOException {
    TestModel m = TestModels.write(tmp, TestModels.spec(Architecture.LLAMA));
    Path file = m.path().resolve("model.safetensors");
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(8);
      raf.write("#garbage".getBytes(StandardCharsets.US_ASCII));
    }
    assertThatThrownBy(() -> ModelLoader.load(m.path())).hasMessageContaining("not valid JSON");
  }

  @Test
  void load_truncatedSafetensors_namesTheTensorThatDoesNotFit() throws IOException {
    TestModel m = TestModels.write(tmp, TestModels.spec(Architecture.LLAMA));
    Path file = m.path().resolve("model.safetensors");
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(raf.length() - 100);
    }
    assertThatThrownBy(() -> ModelLoader.load(m.path())).isInstanceOf(ModelLoadException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("truncated");
  }

  @Test
  void load_unsupportedSafetensorsDtype_namesDtypeAndAlternatives() throws IOException {
    TestModel m = TestModels.write(tmp, TestModels.spec(Architecture.LLAMA));
    Path file = m.path().resolve("model.safetensors");
    byte[] header = "{\"w\":{\"dtype\":\"I8\",\"shape\":[2],\"data_offsets\":[0,2]}}".getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + header.length + 2).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(header.length).put(header).put((byte) 1).put((byte) 2);
    Files.write(file, b.array());
    assertThatThrownBy(() -> ModelLoader.load(m.path())).hasMessageContaining("'w' has dtype 'I8'")
        .hasMessageContaining("F32, F16, BF16");
  }

  @Test
  void load_indexNamingMissingShard_isReported() throws IOException {
    TestModel m = TestModels.write(tmp, TestModels.spec(Architecture.LLAMA).format(Format.HF_SHARDED));
    Files.delete(m.path().resolve("model-00002-of-00002.safetensors"));
    assertThatThrownBy(() -> ModelLoader.load(m.path())).hasMessageContaining("model.safetensors.index.json")
        .hasMessageContaining("'model-00002-of-00002.safetensors' which does not exist");
  }

  @Test
  void load_ggufWithBadMagic_isReported() throws IOException {
    Path file = tmp.resolve("bad.gguf");
    Files.write(file, "GGML0000000000000000000000".getBytes(StandardCharsets.US_ASCII));
    assertThatThrownBy(() -> ModelLoader.load(file)).hasMessageContaining("bad.gguf").hasMessageContaining("not a GGUF file");
  }

  @Test
  void load_ggufTruncatedInsideHeader_isReported() throws IOException {
    TestModel m = TestModels.write(tmp, TestModels.spec(Architecture.QWEN2).format(Format.GGUF));
    try (RandomAccessFile raf = new RandomAccessFile(m.path().toFile(), "rw")) {
      raf.setLength(200);
    }
    assertThatThrownBy(() -> ModelLoader.load(m.path())).hasMessageContaining("truncated GGUF header");
  }

  @Test
  void load_ggufTruncatedInsideData_namesTheTensor() throws IOException {
    TestModel m = TestModels.write(tmp, TestModels.spec(Architecture.QWEN2).format(Format.GGUF).dtype(DType.Q8_0));
    try (RandomAccessFile raf = new RandomAccessFile(m.path().toFile(), "rw")) {
      raf.setLength(raf.length() - 64);
    }
    assertThatThrownBy(() -> ModelLoader.load(m.path())).hasMessageContaining("tensor '").hasMessageContaining("truncated");
  }

  @Test
  void load_ggufWithUnsupportedTensorType_namesTypeAndSupportedOnes() throws IOException {
    GgufWriter g = new GgufWriter();
    g.put("general.architecture", "llama");
    g.tensor("token_embd.weight", 2, 256, false, 13 /* Q5_K */, new byte[2 * 176]);
    Path file = tmp.resolve("q5k.gguf");
    g.write(file);
    assertThatThrownBy(() -> ModelLoader.load(file)).hasMessageContaining("'token_embd.weight' has ggml type 13")
        .hasMessageContaining("Q8_0 (8)");
  }

  @Test
  void load_ggufUnknownArchitecture_isReported() throws IOException {
    GgufWriter g = new GgufWriter();
    g.put("general.architecture", "falcon");
    Path file = tmp.resolve("falcon.gguf");
    g.write(file);
    assertThatThrownBy(() -> ModelLoader.load(file)).hasMessageContaining("falcon.gguf")
        .hasMessageContaining("unsupported architecture 'falcon'");
  }

  @Test
  void load_ggufLinearRopeScaling_dividesFrequencies_andYarnIsRefused() throws IOException {
    float[] plain = ModelLoader.load(ggufWithRopeScaling("none", 1f)).weights().ropeInverseFrequencies();
    float[] linear = ModelLoader.load(ggufWithRopeScaling("linear", 4f)).weights().ropeInverseFrequencies();
    for (int i = 0; i < plain.length; i++) {
      assertThat(linear[i]).isEqualTo(plain[i] / 4f);
    }
    Path yarn = ggufWithRopeScaling("yarn", 4f);
    assertThatThrownBy(() -> ModelLoader.load(yarn)).hasMessageContaining("'llama.rope.scaling.type' = 'yarn'")
        .hasMessageContaining("supported: none, linear");
  }

  /** A minimal one-layer llama GGUF with F32 weights and the given rope.scaling metadata. */
  private Path ggufWithRopeScaling(String type, float factor) throws IOException {
    int h = 32;
    int v = 8;
    int f = 32;
    GgufWriter g = new GgufWriter();
    g.put("general.architecture", "llama");
    g.putU32("llama.embedding_length", h);
    g.putU32("llama.feed_forward_length", f);
    g.putU32("llama.block_count", 1);
    g.putU32("llama.attention.head_count", 2);
    g.putU32("llama.attention.head_count_kv", 2);
    g.put("llama.rope.scaling.type", type);
    g.putF32("llama.rope.scaling.factor", factor);
    g.tensor("token_embd.weight", v, h, false, DType.F32, new byte[v * h * 4]);
    g.tensor("output_norm.weight", 1, h, true, DType.F32, new byte[h * 4]);
    g.tensor("output.weight", v, h, false, DType.F32, new byte[v * h * 4]);
    g.tensor("blk.0.attn_norm.weight", 1, h, true, DType.F32, new byte[h * 4]);
    g.tensor("blk.0.ffn_norm.weight", 1, h, true, DType.F32, new byte[h * 4]);
    for (String m : List.of("attn_q", "attn_k", "attn_v", "attn_output")) {
      g.tensor("blk.0." + m + ".weight", h, h, false, DType.F32, new byte[h * h * 4]);
    }
    g.tensor("blk.0.ffn_gate.weight", f, h, false, DType.F32, new byte[f * h * 4]);
    g.tensor("blk.0.ffn_up.weight", f, h, false, DType.F32, new byte[f * h * 4]);
    g.tensor("blk.0.ffn_down.weight", h, f, false, DType.F32, new byte[h * f * 4]);
    Path file = tmp.resolve("rope-" + type + ".gguf");
    g.write(file);
    return file;
  }

  @Test
  void modelConfig_rejectsHeadsNotDivisibleByKvHeads() {
    assertThatThrownBy(() -> new ModelConfig(Architecture.LLAMA, 10, 64, 8, 1, 6, 4, 16, 1e-5, 1e4, null, 64, false,
        false, 0, List.of(1))).hasMessageContaining("num_attention_heads (6) must be a multiple of num_key_value_heads (4)");
  }

  @Test
  void load_mistralSlidingWindow_capsContextLength() throws IOException {
    TestModel m = TestModels.write(tmp, TestModels.spec(Architecture.MISTRAL));
    editConfig(m.path(), c -> c.put("sliding_window", 1024));
    assertThat(ModelLoader.load(m.path()).config().maxPositionEmbeddings()).isEqualTo(1024);
  }

  private void editConfig(Path dir, java.util.function.Consumer<ObjectNode> edit) throws IOException {
    Path file = dir.resolve("config.json");
    ObjectNode c = (ObjectNode) json.readTree(file.toFile());
    edit.accept(c);
    json.writeValue(file.toFile(), c);
  }
}
