package dev.gantry.engine.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gantry.engine.backend.CudaBackend.KvCacheType;
import dev.gantry.engine.backend.cuda.DeviceMemoryPlan;
import dev.gantry.engine.model.Architecture;
import dev.gantry.engine.model.DType;
import dev.gantry.engine.model.LoadedModel;
import dev.gantry.engine.model.ModelConfig;
import dev.gantry.engine.model.ModelLoader;
import dev.gantry.engine.testing.TestModels;
import dev.gantry.engine.testing.TestModels.Format;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CudaBackend's memory arithmetic on generated models: pure Java, no GPU needed. */
class CudaBackendPlanTest {
  @TempDir
  Path tmp;

  @Test
  void deviceWeightBytes_countsMatricesAsStored_andTiedEmbeddingsOnce() {
    // LLAMA spec: vocab 512, hidden 64, intermediate 128, 2 layers, 4 heads, 2 KV heads (headDim 16, kvDim 32).
    LoadedModel llama = ModelLoader.load(TestModels.write(tmp, TestModels.spec(Architecture.LLAMA).dtype(DType.BF16)).path());
    long perLayer = 64L * 64 + 2 * 32L * 64 + 64L * 64 + 3 * 128L * 64;
    long vectors = 2 * (64 + 64) + 64 + 8;
    assertThat(CudaBackend.deviceWeightBytes(llama.weights())).isEqualTo(2 * (2 * perLayer + 2 * 512L * 64) + 4 * vectors);

    LoadedModel qwen = ModelLoader.load(TestModels.write(tmp, TestModels.spec(Architecture.QWEN2).seed(2)).path());
    assertThat(qwen.weights().lmHead()).isSameAs(qwen.weights().tokenEmbedding());
    long biases = 2 * (64 + 32 + 32);
    assertThat(CudaBackend.deviceWeightBytes(qwen.weights())).isEqualTo(4 * (2 * perLayer + 512L * 64) + 4 * (vectors + biases));
  }

  @Test
  void deviceWeightBytes_kQuantsBecomeF32_q8StaysQuantized_andQuantizedEmbeddingsStayOnTheHost() {
    LoadedModel q8 = ModelLoader.load(TestModels.write(tmp, TestModels.spec(Architecture.LLAMA).format(Format.GGUF)
        .dtype(DType.Q8_0)).path());
    long bytes = 0;
    for (var l : q8.weights().layers()) {
      for (var t : java.util.List.of(l.wq(), l.wk(), l.wv(), l.wo(), l.wGate(), l.wUp(), l.wDown())) {
        bytes += t.byteSize();
      }
    }
    long expected = bytes + q8.weights().lmHead().byteSize() + 4L * (2 * (64 + 64) + 64 + 8);
    if (q8.weights().tokenEmbedding() != q8.weights().lmHead() && !q8.weights().tokenEmbedding().dtype().isQuantized()) {
      expected += CudaBackend.deviceType(q8.weights().tokenEmbedding().dtype()).bytesFor(512L * 64);
    }
    assertThat(CudaBackend.deviceWeightBytes(q8.weights())).isEqualTo(expected);
    assertThat(CudaBackend.deviceType(DType.Q4_K)).isEqualTo(DType.F32);
    assertThat(CudaBackend.deviceType(DType.Q4_0)).isEqualTo(DType.Q4_0);
  }

  @Test
  void plan_sizesTheBlockPoolFromTheUtilizationShare_andRefusesADeviceTooSmall() {
    LoadedModel m = ModelLoader.load(TestModels.write(tmp, TestModels.spec(Architecture.LLAMA)).path());
    ModelConfig c = m.config();
    CudaBackend.Options o = new CudaBackend.Options(0, 0.5, 64, 4, 128, 16, KvCacheType.F16, false);
    long perBlock = 2L * c.numLayers() * 16 * c.kvDim() * 2;
    assertThat(CudaBackend.kvCacheBytesPerBlock(c, 16, KvCacheType.F16)).isEqualTo(perBlock);
    DeviceMemoryPlan plan = CudaBackend.plan(m, o, 8L << 30, 8L << 30);
    assertThat(plan.numBlocks()).as("capped at 4 sequences x 8 blocks").isEqualTo(32);
    assertThat(plan.weightBytes()).isEqualTo(CudaBackend.deviceWeightBytes(m.weights()));
    assertThat(plan.activationBytes()).isEqualTo(CudaBackend.sizes(c, 64, 4, 8).totalBytes());
    assertThatThrownBy(() -> CudaBackend.plan(m, o, 600L << 20, 600L << 20))
        .hasMessageContaining("does not fit on the GPU").hasMessageContaining("needs 8 blocks");
  }

  @Test
  void engineBuilder_deviceCudaWithoutAGpu_failsSayingWhy_andAutoServesOnTheCpu() {
    org.assertj.core.api.Assumptions.assumeThat(dev.gantry.engine.backend.cuda.CudaProbe.probe())
        .as("this machine has a usable GPU").isInstanceOf(dev.gantry.engine.backend.cuda.CudaProbe.Unavailable.class);
    Path model = TestModels.write(tmp, TestModels.spec(Architecture.LLAMA)).path();
    assertThatThrownBy(() -> dev.gantry.engine.api.Engine.builder().model(model).device(Device.CUDA).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("no usable CUDA GPU").hasMessageContaining("--device cpu");
    try (var engine = dev.gantry.engine.api.Engine.builder().model(model).device(Device.AUTO).kvCacheBytes(1 << 20).build()) {
      assertThat(engine).isNotNull();
    }
  }

  @Test
  void options_rejectUtilizationOutsideTheUnitInterval() {
    assertThatThrownBy(() -> new CudaBackend.Options(0, 0, 64, 4, 128, 16, KvCacheType.F32, false))
        .hasMessageContaining("--gpu-memory-utilization must be within (0, 1], got 0.0");
  }
}
