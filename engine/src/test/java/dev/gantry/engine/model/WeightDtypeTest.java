package dev.gantry.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gantry.engine.backend.CpuBackend;
import dev.gantry.engine.backend.ForwardBatch;
import dev.gantry.engine.backend.SequenceChunk;
import dev.gantry.engine.testing.TestModels;
import dev.gantry.engine.testing.TestModels.Format;
import dev.gantry.engine.testing.TestModels.TestModel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code --dtype}: vLLM's spellings parse, non-quantized weights are converted at load to the
 * requested type (logits stay close to the float32 ones within what the type can hold, memory
 * follows the type), quantized tensors keep their quantization.
 */
class WeightDtypeTest {
  private static final int[] PROMPT = {5, 17, 42, 99, 3, 250, 7, 64, 311, 12};

  @TempDir Path tmp;

  @Test
  void parse_acceptsVllmValues_andRejectsOthersNamingTheFlag() {
    assertThat(List.of("auto", "half", "float16", "bfloat16", "float", "float32", "BFLOAT16").stream()
        .map(WeightDtype::parse).toList()).containsExactly(WeightDtype.AUTO, WeightDtype.FLOAT16, WeightDtype.FLOAT16,
        WeightDtype.BFLOAT16, WeightDtype.FLOAT32, WeightDtype.FLOAT32, WeightDtype.BFLOAT16);
    assertThatThrownBy(() -> WeightDtype.parse("fp8")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--dtype must be one of auto, half, float16, bfloat16, float, float32", "'fp8'");
  }

  @ParameterizedTest
  @EnumSource(WeightDtype.class)
  void load_f32Model_convertsMatrices_logitsCloseToFloat32_memoryFollowsTheType(WeightDtype dtype) {
    TestModel m = TestModels.write(tmp, TestModels.spec(Architecture.QWEN2)); // F32, tied embeddings
    float[] reference = logits(ModelLoader.load(m.path()));
    LoadedModel loaded = ModelLoader.load(m.path(), dtype);

    DType expected = dtype == WeightDtype.AUTO ? DType.F32 : dtype.storageFor(DType.F32);
    ModelWeights w = loaded.weights();
    assertThat(w.layers()).allSatisfy(l -> assertThat(l.matrices()).allSatisfy(t -> assertThat(t.dtype()).isEqualTo(expected)));
    assertThat(w.lmHead()).as("a tied embedding stays one tensor").isSameAs(w.tokenEmbedding());
    assertThat(w.weightBytes()).isEqualTo(expectedBytes(m, expected));

    float[] got = logits(loaded);
    double tolerance = switch (expected) {
      case F32 -> 0;
      case F16 -> 2e-3; // 11-bit mantissa
      case BF16 -> 2e-2; // 8-bit mantissa
      default -> throw new AssertionError(expected);
    };
    assertThat(maxRelativeError(got, reference)).as("logits vs float32 with --dtype %s", dtype).isLessThanOrEqualTo(tolerance);
    if (expected != DType.F32) {
      assertThat(maxRelativeError(got, reference)).as("the weights really were rounded").isGreaterThan(0);
    }
  }

  @Test
  void load_bf16Model_asFloat32_isLossless_andDoublesMatrixMemory() {
    TestModel m = TestModels.write(tmp, TestModels.spec(Architecture.LLAMA).dtype(DType.BF16));
    LoadedModel stored = ModelLoader.load(m.path(), WeightDtype.AUTO);
    LoadedModel widened = ModelLoader.load(m.path(), WeightDtype.FLOAT32);
    assertThat(stored.weights().layers().get(0).wq().dtype()).isEqualTo(DType.BF16);
    assertThat(widened.weights().layers().get(0).wq().dtype()).isEqualTo(DType.F32);
    assertThat(widened.weights().weightBytes()).isEqualTo(expectedBytes(m, DType.F32));
    assertThat(stored.weights().weightBytes()).isEqualTo(expectedBytes(m, DType.BF16));
    assertThat(logits(widened)).containsExactly(logits(stored));
  }

  @Test
  void load_quantizedGguf_keepsQuantization_whateverTheDtype() {
    TestModel m = TestModels.write(tmp, TestModels.spec(Architecture.LLAMA).format(Format.GGUF).dtype(DType.Q8_0));
    LoadedModel stored = ModelLoader.load(m.path());
    LoadedModel loaded = ModelLoader.load(m.path(), WeightDtype.BFLOAT16);
    for (int i = 0; i < stored.weights().layers().size(); i++) {
      List<WeightTensor> before = stored.weights().layers().get(i).matrices();
      List<WeightTensor> after = loaded.weights().layers().get(i).matrices();
      for (int j = 0; j < before.size(); j++) {
        assertThat(after.get(j).dtype()).isEqualTo(before.get(j).dtype() == DType.Q8_0 ? DType.Q8_0 : DType.BF16);
      }
    }
    assertThat(loaded.weights().layers().get(0).wq().dtype()).isEqualTo(DType.Q8_0);
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"Q8_0", "Q4_0"})
  void load_withQuantization_quantizesLayerMatrices_keepsEmbedding_logitsClose(String name) {
    DType q = DType.valueOf(name);
    TestModel m = TestModels.write(tmp, TestModels.spec(Architecture.LLAMA)); // F32, untied
    float[] reference = logits(ModelLoader.load(m.path()));
    LoadedModel loaded = ModelLoader.load(m.path(), WeightDtype.AUTO, q);
    ModelWeights w = loaded.weights();
    assertThat(w.layers()).allSatisfy(l -> assertThat(l.matrices()).allSatisfy(t -> assertThat(t.dtype()).isEqualTo(q)));
    assertThat(w.tokenEmbedding().dtype()).isEqualTo(DType.F32);
    assertThat(w.lmHead().dtype()).isEqualTo(DType.F32);
    ModelConfig c = m.config();
    long h = c.hiddenSize();
    long layerWeights = c.numLayers() * (h * c.qDim() * 2 + h * c.kvDim() * 2 + 3 * h * c.intermediateSize());
    assertThat(w.weightBytes()).isEqualTo(expectedBytes(m, DType.F32) - DType.F32.bytesFor(layerWeights) + q.bytesFor(layerWeights));
    // Each weight within one quantization step of its block (amax / 127 for Q8_0, amax / 8 for Q4_0, plus the
    // f16 scale's rounding) of the original.
    WeightTensor original = ModelLoader.load(m.path()).weights().layers().get(0).wGate();
    WeightTensor quantized = w.layers().get(0).wGate();
    float[] a = new float[original.cols()];
    float[] b = new float[original.cols()];
    for (int r = 0; r < original.rows(); r++) {
      original.dequantizeRow(r, a, 0);
      quantized.dequantizeRow(r, b, 0);
      for (int block = 0; block < a.length / 32; block++) {
        float amax = 0;
        for (int j = 0; j < 32; j++) {
          amax = Math.max(amax, Math.abs(a[block * 32 + j]));
        }
        float step = amax / (q == DType.Q8_0 ? 127 : 8) * 1.01f;
        for (int j = 0; j < 32; j++) {
          assertThat(Math.abs(a[block * 32 + j] - b[block * 32 + j])).as("row %d weight %d", r, block * 32 + j)
              .isLessThanOrEqualTo(step);
        }
      }
    }
    // On this small random model the logits move by a few percent of their scale (Q8_0) or tens of percent (Q4_0).
    assertThat(maxRelativeError(logits(loaded), reference)).isGreaterThan(0).isLessThan(q == DType.Q8_0 ? 0.05 : 0.5);
  }

  @Test
  void toBfloat16_roundsToNearestEven_keepsNan() {
    assertThat(WeightTensor.toBfloat16(1.0f)).isEqualTo((short) 0x3F80);
    // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to the even 1.0; 1 + 3 * 2^-8 ties up to 1 + 2^-6.
    assertThat(WeightTensor.toBfloat16(1.00390625f)).isEqualTo((short) 0x3F80);
    assertThat(WeightTensor.toBfloat16(1.01171875f)).isEqualTo((short) 0x3F82);
    assertThat(Float.isNaN(Float.intBitsToFloat((WeightTensor.toBfloat16(Float.NaN) & 0xFFFF) << 16))).isTrue();
  }

  /** Matrices in {@code type} (each tensor once), norms and RoPE frequencies in float32. */
  private static long expectedBytes(TestModel m, DType type) {
    ModelConfig c = m.config();
    long h = c.hiddenSize();
    long perLayer = h * c.qDim() * 2 + h * c.kvDim() * 2 + 3 * h * c.intermediateSize();
    long matrices = c.numLayers() * perLayer + (c.tieWordEmbeddings() ? 1 : 2) * (long) c.vocabSize() * h;
    long floats = c.numLayers() * 2 * h + h + c.headDim() / 2
        + (c.attentionBias() ? c.numLayers() * (long) (c.qDim() + 2 * c.kvDim()) : 0);
    return type.bytesFor(matrices) + 4 * floats;
  }

  private static float[] logits(LoadedModel model) {
    try (CpuBackend backend = CpuBackend.create(model, 1, true)) {
      backend.allocateKvCache(4, 16);
      return backend.forward(ForwardBatch.of(new SequenceChunk(PROMPT, 0, new int[] {0, 1}, true)))[0];
    }
  }

  /** max |a - b| over max |b|: an error relative to the logits' scale. */
  private static double maxRelativeError(float[] a, float[] b) {
    double maxDiff = 0;
    double scale = 0;
    for (int i = 0; i < b.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
      scale = Math.max(scale, Math.abs(b[i]));
    }
    return maxDiff / scale;
  }
}
