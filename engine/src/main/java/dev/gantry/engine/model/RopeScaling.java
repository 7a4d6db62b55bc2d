package dev.gantry.engine.model;

/**
 * Llama 3.1 style RoPE frequency scaling ({@code rope_scaling.rope_type = "llama3"}):
 * wavelengths longer than {@code originalMaxPositionEmbeddings / lowFreqFactor} are divided
 * by {@code factor}, shorter than {@code originalMaxPositionEmbeddings / highFreqFactor}
 * kept, and the band between is interpolated smoothly.
 */
public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositionEmbeddings) {
  public RopeScaling {
    if (!(factor >= 1)) {
      throw new IllegalArgumentException("rope_scaling.factor must be >= 1, got " + factor);
    }
    if (!(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor)) {
      throw new IllegalArgumentException("rope_scaling needs 0 < low_freq_factor < high_freq_factor, got "
          + lowFreqFactor + " and " + highFreqFactor);
    }
    if (originalMaxPositionEmbeddings <= 0) {
      throw new IllegalArgumentException("rope_scaling.original_max_position_embeddings must be > 0, got "
          + originalMaxPositionEmbeddings);
    }
  }

  /** Llama 3.1's published values: factor 8, low 1, high 4, original context 8192. */
  public static RopeScaling llama31() {
    return new RopeScaling(8, 1, 4, 8192);
  }

  /**
   * Scales one inverse frequency exactly like transformers' {@code _compute_llama3_parameters}.
   */
  public double scale(double invFreq) {
    double lowFreqWavelen = originalMaxPositionEmbeddings / lowFreqFactor;
    double highFreqWavelen = originalMaxPositionEmbeddings / highFreqFactor;
    double wavelen = 2 * Math.PI / invFreq;
    if (wavelen < highFreqWavelen) {
      return invFreq;
    }
    if (wavelen > lowFreqWavelen) {
      return invFreq / factor;
    }
    double smooth = (originalMaxPositionEmbeddings / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
    return (1 - smooth) * invFreq / factor + smooth * invFreq;
  }
}
