package dev.gantry.engine.backend;

import dev.gantry.engine.backend.cpu.Kernels;
import dev.gantry.engine.backend.cpu.Matmul;
import dev.gantry.engine.backend.cpu.PagedAttention;
import dev.gantry.engine.backend.cpu.Parallel;
import dev.gantry.engine.model.LayerWeights;
import dev.gantry.engine.model.LoadedModel;
import dev.gantry.engine.model.ModelConfig;
import dev.gantry.engine.model.ModelWeights;
import dev.gantry.engine.model.RopeLayout;
import java.util.List;

/**
 * The forward pass of a Llama-family decoder on the CPU: all tokens of all sequences of a
 * step go through each layer together (batched matmuls over memory-mapped, possibly
 * quantized weights), attention reads K/V through each sequence's block table. Kernels
 * come from {@link Kernels#VECTOR} (Vector API) or {@link Kernels#SCALAR}; threads from one
 * {@link Parallel}. Not thread-safe: one engine thread calls {@link #forward}.
 * <pre>
 *   KV cache, per layer:  keyCache[layer]   (numBlocks * blockSize slots, numKvHeads * headDim)
 *                         valueCache[layer] (same)
 *   slot of position p of a sequence = blockTable[p / blockSize] * blockSize + p % blockSize
 * </pre>
 */
public final class CpuBackend implements Backend {
  private final ModelConfig config;
  private final ModelWeights weights;
  private final Kernels kernels;
  private final Parallel parallel;
  private final Matmul matmul;
  private final PagedAttention attention;

  private float[][] keyCache; // (layer) -> (slot, kvDim)
  private float[][] valueCache; // (layer) -> (slot, kvDim)
  private int numBlocks;
  private int blockSize;

  private CpuBackend(LoadedModel model, int threads, Kernels kernels) {
    this.config = model.config();
    this.weights = model.weights();
    this.kernels = kernels;
    this.parallel = new Parallel(threads);
    this.matmul = new Matmul(kernels, parallel);
    this.attention = new PagedAttention(kernels, parallel, config.numHeads(), config.numKvHeads(), config.headDim());
  }

  /** A backend using all available processors and the Vector API kernels. */
  public static CpuBackend create(LoadedModel model) {
    return create(model, Runtime.getRuntime().availableProcessors(), true);
  }

  /**
   * @param threads worker threads for matmuls and attention (>= 1)
   * @param vectorApi true for the Vector API kernels, false for the scalar reference kernels
   */
  public static CpuBackend create(LoadedModel model, int threads, boolean vectorApi) {
    return new CpuBackend(model, threads, vectorApi ? Kernels.VECTOR : Kernels.SCALAR);
  }

  @Override
  public ModelConfig config() {
    return config;
  }

  @Override
  public long kvCacheBytesPerBlock(int blockSize) {
    return 2L * config.numLayers() * blockSize * config.kvDim() * Float.BYTES;
  }

  @Override
  public void allocateKvCache(int numBlocks, int blockSize) {
    if (numBlocks <= 0 || blockSize <= 0) {
      throw new IllegalArgumentException("numBlocks and blockSize must be > 0, got " + numBlocks + " and " + blockSize);
    }
    long floatsPerLayer = (long) numBlocks * blockSize * config.kvDim();
    if (floatsPerLayer > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(numBlocks + " blocks of " + blockSize + " tokens need " + floatsPerLayer
          + " floats per layer, more than a Java array holds; use at most "
          + (Integer.MAX_VALUE - 8) / ((long) blockSize * config.kvDim()) + " blocks");
    }
    keyCache = new float[config.numLayers()][(int) floatsPerLayer];
    valueCache = new float[config.numLayers()][(int) floatsPerLayer];
    this.numBlocks = numBlocks;
    this.blockSize = blockSize;
  }

  @Override
  public float[][] forward(ForwardBatch batch) {
    if (keyCache == null) {
      throw new IllegalStateException("allocateKvCache must be called before forward");
    }
    ModelConfig c = config;
    int hidden = c.hiddenSize();
    int qDim = c.qDim();
    int kvDim = c.kvDim();
    int inter = c.intermediateSize();
    List<SequenceChunk> seqs = batch.sequences();
    int numTokens = batch.numTokens();

    // Flatten the batch: token t of the step sits at position pos[t] of a sequence whose blocks are tables[t].
    int[] tokens = new int[numTokens];
    int[] pos = new int[numTokens];
    int[][] tables = new int[numTokens][]; // the block table of each token's sequence
    int[] slot = new int[numTokens];
    int t0 = 0;
    for (int s = 0; s < seqs.size(); s++) {
      SequenceChunk chunk = seqs.get(s);
      validate(s, chunk);
      for (int i = 0; i < chunk.tokenIds().length; i++) {
        int p = chunk.startPosition() + i;
        tokens[t0] = chunk.tokenIds()[i];
        pos[t0] = p;
        tables[t0] = chunk.blockTable();
        slot[t0] = slotOf(chunk.blockTable(), p);
        t0++;
      }
    }

    // Logits only for the last token of chunks that ask for them.
    int numLogits = 0;
    int[] logitToken = new int[seqs.size()];
    int last = -1;
    for (SequenceChunk chunk : seqs) {
      last += chunk.tokenIds().length;
      if (chunk.computeLogits()) {
        logitToken[numLogits++] = last;
      }
    }

    float[] x = new float[numTokens * hidden]; // (token, hidden) the residual stream
    float[] xb = new float[numTokens * hidden]; // (token, hidden) normed input of a sublayer
    float[] q = new float[numTokens * qDim]; // (token, numHeads * headDim)
    float[] k = new float[numTokens * kvDim]; // (token, numKvHeads * headDim)
    float[] v = new float[numTokens * kvDim];
    float[] att = new float[numTokens * qDim]; // (token, numHeads * headDim) attention output
    float[] out = new float[numTokens * hidden];
    float[] gate = new float[numTokens * inter]; // (token, intermediate)
    float[] up = new float[numTokens * inter];

    for (int t = 0; t < numTokens; t++) {
      weights.tokenEmbedding().dequantizeRow(tokens[t], x, t * hidden);
    }
    int half = c.headDim() / 2;
    float[] cos = new float[numTokens * half]; // (token, headDim / 2)
    float[] sin = new float[numTokens * half];
    ropeAngles(pos, numTokens, weights.ropeInverseFrequencies(), cos, sin);

    int n = numTokens; // tokens still flowing through the layers
    for (int l = 0; l < c.numLayers(); l++) {
      LayerWeights lw = weights.layers().get(l);
      // Attention: x += Wo . attention(rope(Wq . norm(x)), rope(Wk . norm(x)), Wv . norm(x))
      rmsNorm(x, lw.attnNorm(), xb, n);
      matmul.apply(lw.wq(), xb, n, q);
      matmul.apply(lw.wk(), xb, n, k);
      matmul.apply(lw.wv(), xb, n, v);
      addBias(q, lw.bq(), n);
      addBias(k, lw.bk(), n);
      addBias(v, lw.bv(), n);
      rope(q, c.numHeads(), cos, sin, n);
      rope(k, c.numKvHeads(), cos, sin, n);
      float[] kc = keyCache[l];
      float[] vc = valueCache[l];
      for (int t = 0; t < n; t++) {
        System.arraycopy(k, t * kvDim, kc, slot[t] * kvDim, kvDim);
        System.arraycopy(v, t * kvDim, vc, slot[t] * kvDim, kvDim);
      }
      if (l == c.numLayers() - 1 && numLogits < n) {
        // Every token's K/V is in the cache now; the rest of the last layer matters only for
        // the tokens whose logits are returned (the last of each prefill chunk or a decode).
        if (numLogits == 0) {
          break;
        }
        q = gatherRows(q, logitToken, numLogits, qDim);
        x = gatherRows(x, logitToken, numLogits, hidden);
        pos = gather(pos, logitToken, numLogits);
        tables = gather(tables, logitToken, numLogits);
        for (int i = 0; i < numLogits; i++) {
          logitToken[i] = i;
        }
        n = numLogits;
      }
      attention.compute(q, kc, vc, att, n, pos, tables, blockSize);
      matmul.apply(lw.wo(), att, n, out);
      addBias(out, lw.bo(), n);
      add(x, out, n * hidden);

      // MLP: x += Wdown . (silu(Wgate . norm(x)) * (Wup . norm(x)))
      rmsNorm(x, lw.ffnNorm(), xb, n);
      matmul.apply(lw.wGate(), xb, n, gate);
      matmul.apply(lw.wUp(), xb, n, up);
      // One exp per element: worth the threads for long prefills.
      int mlpElements = n * inter;
      parallel.parallelFor(mlpElements, 1 << 14, (from, to) -> {
        for (int i = from; i < to; i++) {
          float g = gate[i];
          gate[i] = g / (1f + (float) Math.exp(-g)) * up[i];
        }
      });
      matmul.apply(lw.wDown(), gate, n, out);
      add(x, out, n * hidden);
    }

    float[][] result = new float[seqs.size()][];
    if (numLogits == 0) {
      return result;
    }
    float[] xl = new float[numLogits * hidden];
    for (int i = 0; i < numLogits; i++) {
      System.arraycopy(x, logitToken[i] * hidden, xl, i * hidden, hidden);
    }
    float[] xn = new float[numLogits * hidden];
    rmsNorm(xl, weights.finalNorm(), xn, numLogits);
    float[] logits = new float[numLogits * c.vocabSize()];
    matmul.apply(weights.lmHead(), xn, numLogits, logits);
    int li = 0;
    for (int s = 0; s < seqs.size(); s++) {
      if (seqs.get(s).computeLogits()) {
        result[s] = new float[c.vocabSize()];
        System.arraycopy(logits, li++ * c.vocabSize(), result[s], 0, c.vocabSize());
      }
    }
    return result;
  }

  private void validate(int s, SequenceChunk chunk) {
    chunk.validate(s, config.vocabSize(), blockSize, numBlocks);
  }

  private static float[] gatherRows(float[] a, int[] rows, int numRows, int width) {
    float[] out = new float[numRows * width];
    for (int i = 0; i < numRows; i++) {
      System.arraycopy(a, rows[i] * width, out, i * width, width);
    }
    return out;
  }

  private static int[] gather(int[] a, int[] idx, int n) {
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = a[idx[i]];
    }
    return out;
  }

  private static int[][] gather(int[][] a, int[] idx, int n) {
    int[][] out = new int[n][];
    for (int i = 0; i < n; i++) {
      out[i] = a[idx[i]];
    }
    return out;
  }

  private int slotOf(int[] blockTable, int p) {
    return blockTable[p / blockSize] * blockSize + p % blockSize;
  }

  /** out = x / sqrt(mean(x^2) + eps) * w, per token. */
  private void rmsNorm(float[] x, float[] w, float[] out, int numTokens) {
    rmsNorm(kernels, x, w, out, numTokens, (float) config.rmsNormEps());
  }

  /**
   * RMSNorm of {@code numTokens} rows of {@code w.length}: out = x / sqrt(mean(x^2) + eps) * w.
   * Package-private and static so the CUDA kernel tests compare against this very code.
   */
  static void rmsNorm(Kernels kernels, float[] x, float[] w, float[] out, int numTokens, float eps) {
    int n = w.length;
    for (int t = 0; t < numTokens; t++) {
      float ss = kernels.dot(x, t * n, x, t * n, n);
      float inv = (float) (1.0 / Math.sqrt(ss / n + eps));
      for (int i = 0; i < n; i++) {
        out[t * n + i] = x[t * n + i] * inv * w[i];
      }
    }
  }

  private static void addBias(float[] y, float[] bias, int numTokens) {
    if (bias == null) {
      return;
    }
    int n = bias.length;
    for (int t = 0; t < numTokens; t++) {
      for (int i = 0; i < n; i++) {
        y[t * n + i] += bias[i];
      }
    }
  }

  private static void add(float[] x, float[] y, int n) {
    for (int i = 0; i < n; i++) {
      x[i] += y[i];
    }
  }

  /** Rotates each head's pairs by the token's position angles; which elements pair up depends on the RoPE layout. */
  private void rope(float[] qk, int heads, float[] cos, float[] sin, int numTokens) {
    rope(qk, heads, config.headDim(), weights.ropeLayout() == RopeLayout.INTERLEAVED, cos, sin, numTokens);
  }

  /**
   * cos / sin of position x inverse frequency, (token, headDim / 2), angles in double so long
   * positions keep their phase. Package-private and static for the CUDA kernel tests.
   */
  static void ropeAngles(int[] pos, int numTokens, float[] invFreq, float[] cos, float[] sin) {
    int half = invFreq.length;
    for (int t = 0; t < numTokens; t++) {
      for (int i = 0; i < half; i++) {
        double angle = (double) pos[t] * invFreq[i];
        cos[t * half + i] = (float) Math.cos(angle);
        sin[t * half + i] = (float) Math.sin(angle);
      }
    }
  }

  /**
   * RoPE in place on {@code qk} (token, heads * headDim): interleaved pairs (x[2i], x[2i+1]) (GGUF)
   * or halves (x[i], x[i + headDim/2]) (HF). Package-private and static for the CUDA kernel tests.
   */
  static void rope(float[] qk, int heads, int headDim, boolean interleaved, float[] cos, float[] sin, int numTokens) {
    int half = headDim / 2;
    int stride = interleaved ? 2 : 1;
    int partner = interleaved ? 1 : half;
    for (int t = 0; t < numTokens; t++) {
      for (int h = 0; h < heads; h++) {
        int base = (t * heads + h) * headDim;
        for (int i = 0; i < half; i++) {
          int a = base + i * stride;
          int b = a + partner;
          float c = cos[t * half + i];
          float s = sin[t * half + i];
          float x0 = qk[a];
          float x1 = qk[b];
          qk[a] = x0 * c - x1 * s;
          qk[b] = x1 * c + x0 * s;
        }
      }
    }
  }

  @Override
  public void close() {
    parallel.close();
    keyCache = null;
    valueCache = null;
  }
}
