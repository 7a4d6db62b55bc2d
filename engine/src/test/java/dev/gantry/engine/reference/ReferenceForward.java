package dev.gantry.engine.reference;

import dev.gantry.engine.model.ModelConfig;

/**
 * A straightforward dense forward pass: one sequence, no paging, no batching, plain
 * loops in double precision where it is free, RoPE computed from the config with its own
 * copy of the Llama 3.1 scaling formula. The engine's logits are checked against it.
 */
public final class ReferenceForward {
  private final DenseModel m;
  private final ModelConfig c;

  public ReferenceForward(DenseModel model) {
    this.m = model;
    this.c = model.config();
  }

  /** Logits after the last token of {@code tokens}. */
  public float[] lastLogits(int[] tokens) {
    float[][] all = logits(tokens);
    return all[all.length - 1];
  }

  /** Logits after every position of {@code tokens}: (position, vocab). */
  public float[][] logits(int[] tokens) {
    int n = tokens.length;
    int hidden = c.hiddenSize();
    int hd = c.headDim();
    int heads = c.numHeads();
    int kvHeads = c.numKvHeads();
    float[][] x = new float[n][hidden];
    for (int t = 0; t < n; t++) {
      System.arraycopy(m.embedding(), tokens[t] * hidden, x[t], 0, hidden);
    }
    double[] invFreq = inverseFrequencies();
    for (DenseModel.Layer layer : m.layers()) {
      float[][] q = new float[n][];
      float[][] k = new float[n][];
      float[][] v = new float[n][];
      for (int t = 0; t < n; t++) {
        float[] xn = rmsNorm(x[t], layer.attnNorm());
        q[t] = rope(addBias(matVec(layer.wq(), xn, heads * hd), layer.bq()), heads, t, invFreq);
        k[t] = rope(addBias(matVec(layer.wk(), xn, kvHeads * hd), layer.bk()), kvHeads, t, invFreq);
        v[t] = addBias(matVec(layer.wv(), xn, kvHeads * hd), layer.bv());
      }
      for (int t = 0; t < n; t++) {
        float[] att = new float[heads * hd];
        for (int h = 0; h < heads; h++) {
          int g = h / (heads / kvHeads);
          double[] scores = new double[t + 1];
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j <= t; j++) {
            double s = 0;
            for (int i = 0; i < hd; i++) {
              s += (double) q[t][h * hd + i] * k[j][g * hd + i];
            }
            scores[j] = s / Math.sqrt(hd);
            max = Math.max(max, scores[j]);
          }
          double sum = 0;
          for (int j = 0; j <= t; j++) {
            scores[j] = Math.exp(scores[j] - max);
            sum += scores[j];
          }
          for (int i = 0; i < hd; i++) {
            double acc = 0;
            for (int j = 0; j <= t; j++) {
              acc += scores[j] / sum * v[j][g * hd + i];
            }
            att[h * hd + i] = (float) acc;
          }
        }
        float[] o = matVec(layer.wo(), att, hidden);
        for (int i = 0; i < hidden; i++) {
          x[t][i] += o[i];
        }
      }
      for (int t = 0; t < n; t++) {
        float[] xn = rmsNorm(x[t], layer.ffnNorm());
        float[] g = matVec(layer.gate(), xn, c.intermediateSize());
        float[] u = matVec(layer.up(), xn, c.intermediateSize());
        for (int i = 0; i < g.length; i++) {
          g[i] = (float) (g[i] / (1 + Math.exp(-g[i])) * u[i]);
        }
        float[] d = matVec(layer.down(), g, hidden);
        for (int i = 0; i < hidden; i++) {
          x[t][i] += d[i];
        }
      }
    }
    float[][] logits = new float[n][];
    for (int t = 0; t < n; t++) {
      logits[t] = matVec(m.lmHead(), rmsNorm(x[t], m.finalNorm()), c.vocabSize());
    }
    return logits;
  }

  private double[] inverseFrequencies() {
    int hd = c.headDim();
    double[] inv = new double[hd / 2];
    for (int i = 0; i < inv.length; i++) {
      double f = 1.0 / Math.pow(c.ropeTheta(), 2.0 * i / hd);
      var s = c.ropeScaling();
      if (s != null) {
        double wavelen = 2 * Math.PI / f;
        double lowWavelen = s.originalMaxPositionEmbeddings() / s.lowFreqFactor();
        double highWavelen = s.originalMaxPositionEmbeddings() / s.highFreqFactor();
        if (wavelen > lowWavelen) {
          f = f / s.factor();
        } else if (wavelen >= highWavelen) {
          double smooth = (s.originalMaxPositionEmbeddings() / wavelen - s.lowFreqFactor())
              / (s.highFreqFactor() - s.lowFreqFactor());
          f = (1 - smooth) * f / s.factor() + smooth * f;
        }
      }
      inv[i] = f;
    }
    return inv;
  }

  /** HF rotate_half: pairs (i, i + headDim/2). */
  private float[] rope(float[] x, int heads, int position, double[] invFreq) {
    int hd = c.headDim();
    int half = hd / 2;
    float[] out = x.clone();
    for (int h = 0; h < heads; h++) {
      for (int i = 0; i < half; i++) {
        double angle = position * invFreq[i];
        double x0 = x[h * hd + i];
        double x1 = x[h * hd + i + half];
        out[h * hd + i] = (float) (x0 * Math.cos(angle) - x1 * Math.sin(angle));
        out[h * hd + i + half] = (float) (x1 * Math.cos(angle) + x0 * Math.sin(angle));
      }
    }
    return out;
  }

  private float[] rmsNorm(float[] x, float[] w) {
    double ss = 0;
    for (float f : x) {
      ss += (double) f * f;
    }
    double inv = 1 / Math.sqrt(ss / x.length + c.rmsNormEps());
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = (float) (x[i] * inv * w[i]);
    }
    return out;
  }

  private static float[] matVec(float[] w, float[] x, int rows) {
    int cols = x.length;
    float[] out = new float[rows];
    for (int r = 0; r < rows; r++) {
      double s = 0;
      for (int i = 0; i < cols; i++) {
        s += (double) w[r * cols + i] * x[i];
      }
      out[r] = (float) s;
    }
    return out;
  }

  private static float[] addBias(float[] y, float[] b) {
    if (b != null) {
      for (int i = 0; i < y.length; i++) {
        y[i] += b[i];
      }
    }
    return y;
  }
}
