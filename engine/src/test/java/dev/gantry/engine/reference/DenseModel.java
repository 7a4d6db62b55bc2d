package dev.gantry.engine.reference;

import dev.gantry.engine.model.ModelConfig;
import java.util.List;

/**
 * A model's weights as plain float arrays in Hugging Face layout (rows of (out, in)
 * matrices, RoPE pairs (i, i + headDim/2)), exactly the values the files hold once
 * dequantized. The reference forward runs on these.
 */
public record DenseModel(ModelConfig config, float[] embedding, List<Layer> layers, float[] finalNorm, float[] lmHead) {
  /** One block; biases are null when absent. Matrices are row-major (out, in). */
  public record Layer(float[] attnNorm, float[] wq, float[] wk, float[] wv, float[] wo, float[] bq, float[] bk,
      float[] bv, float[] ffnNorm, float[] gate, float[] up, float[] down) {}
}
