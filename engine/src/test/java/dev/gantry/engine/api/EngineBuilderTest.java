package dev.gantry.engine.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gantry.engine.model.Architecture;
import dev.gantry.engine.testing.TestModels;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineBuilderTest {
  @TempDir Path dir;

  @Test
  void build_withoutModelOrBackend_saysWhatToPass() {
    assertThatThrownBy(() -> Engine.builder().build()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("call model(path)");
  }

  @Test
  void options_outOfRange_areRejectedNamingTheFlag() {
    assertThatThrownBy(() -> Engine.builder().gpuMemoryUtilization(1.5))
        .hasMessage("--gpu-memory-utilization must be within (0, 1], got 1.5");
    assertThatThrownBy(() -> Engine.builder().blockSize(0)).hasMessage("--block-size must be within [1, 1024], got 0");
    assertThatThrownBy(() -> Engine.builder().maxNumSeqs(0)).hasMessage("--max-num-seqs must be >= 1, got 0");
    assertThatThrownBy(() -> Engine.builder().maxNumBatchedTokens(-3)).hasMessage("--max-num-batched-tokens must be >= 1, got -3");
    assertThatThrownBy(() -> Engine.builder().kvCacheBytes(0)).hasMessage("kvCacheBytes must be > 0, got 0");
  }

  @Test
  void build_maxModelLenAboveTheModels_isRejected() {
    Path model = TestModels.write(dir, TestModels.spec(Architecture.LLAMA)).path();
    assertThatThrownBy(() -> Engine.builder().model(model).maxModelLen(100_000).build())
        .hasMessageContaining("--max-model-len 100000 exceeds the model's max_position_embeddings 2048");
  }

  @Test
  void build_kvBudgetBelowOneBlock_isRejectedNamingBothSizes() {
    Path model = TestModels.write(dir, TestModels.spec(Architecture.LLAMA)).path();
    assertThatThrownBy(() -> Engine.builder().model(model).kvCacheBytes(100).build())
        .hasMessageContaining("budget of 100 bytes holds no block");
  }

  @Test
  void build_sizesThePoolFromTheBudgetCappedByWhatSequencesCanUse() {
    Path model = TestModels.write(dir, TestModels.spec(Architecture.LLAMA)).path();
    // Llama test model: 2 layers, 2 KV heads x 16 = kvDim 32 -> 2*2*16*32*4 = 8 KiB per 16-token block.
    try (Engine engine = Engine.builder().model(model).threads(1).maxModelLen(256).kvCacheBytes(40 * 8192).build()) {
      assertThat(engine.stats().numKvBlocks()).isEqualTo(40);
    }
    try (Engine engine = Engine.builder().model(model).threads(1).maxModelLen(256).maxNumSeqs(2)
        .kvCacheBytes(1000 * 8192).build()) {
      assertThat(engine.stats().numKvBlocks()).isEqualTo(2 * 256 / 16);
    }
  }
}
