package dev.gantry.engine.backend;

import dev.gantry.engine.backend.cuda.ActivationSizes;
import dev.gantry.engine.backend.cuda.BatchLayout;
import dev.gantry.engine.backend.cuda.CudaDevice;
import dev.gantry.engine.backend.cuda.CudaDevice.GemmType;
import dev.gantry.engine.backend.cuda.DeviceMemoryPlan;
import dev.gantry.engine.backend.cuda.Kernel;
import dev.gantry.engine.backend.cuda.LaunchPlanner;
import dev.gantry.engine.model.DType;
import dev.gantry.engine.model.LayerWeights;
import dev.gantry.engine.model.LoadedModel;
import dev.gantry.engine.model.ModelConfig;
import dev.gantry.engine.model.ModelWeights;
import dev.gantry.engine.model.RopeLayout;
import dev.gantry.engine.model.WeightTensor;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The forward pass of {@link CpuBackend} on an NVIDIA GPU, step for step: weights live in device
 * memory as stored (F32/F16/BF16 dense, Q8_0/Q4_0 blocks; K-quants dequantized to F32 at load),
 * dense matmuls go to cuBLAS ({@code cublasGemmEx}, FP32 accumulate), everything else to Gantry's
 * kernels ({@code engine/src/main/cuda/gantry_kernels.cu}, loaded from the packaged fatbin with
 * the driver API). The KV cache is a block pool in device memory with the engine's
 * {@code BlockPool} block ids: slot {@code block * blockSize + offset}, per layer
 * <pre>
 *   keyCache[layer], valueCache[layer]   (numBlocks * blockSize slots, numKvHeads * headDim) of F32/F16/BF16
 * </pre>
 * Device memory is planned at creation ({@link DeviceMemoryPlan}: weights + activations of the
 * largest step + KV blocks within {@code --gpu-memory-utilization}); a model that does not fit is
 * refused before anything is uploaded. Not thread-safe: one engine thread calls {@link #forward}.
 *
 * <p>Compiled and its host-side logic tested here; it has never run on a GPU in this repository
 * (no GPU in CI): see docs/PERFORMANCE.md and CudaBackendGpuTest, which runs where one exists.
 */
public final class CudaBackend implements Backend {
  private static final System.Logger LOG = System.getLogger(CudaBackend.class.getName());

  /** Element type of the KV cache; attention always accumulates in FP32. */
  public enum KvCacheType {
    F32(4, Kernel.RESHAPE_AND_CACHE_F32, Kernel.PAGED_ATTENTION_F32),
    F16(2, Kernel.RESHAPE_AND_CACHE_F16, Kernel.PAGED_ATTENTION_F16),
    BF16(2, Kernel.RESHAPE_AND_CACHE_BF16, Kernel.PAGED_ATTENTION_BF16);

    final int bytes;
    final Kernel cacheWrite;
    final Kernel attention;

    KvCacheType(int bytes, Kernel cacheWrite, Kernel attention) {
      this.bytes = bytes;
      this.cacheWrite = cacheWrite;
      this.attention = attention;
    }

    /** vLLM's {@code --kv-cache-dtype auto}: the dtype of the model's weights, FP32 for anything else. */
    public static KvCacheType auto(ModelWeights weights) {
      return switch (weights.layers().get(0).wq().dtype()) {
        case F16 -> F16;
        case BF16 -> BF16;
        default -> F32;
      };
    }
  }

  /**
   * What the memory plan and the workspace are sized for.
   *
   * @param syncEachLaunch synchronise after every kernel so a fault names its kernel (debugging; slow)
   */
  public record Options(int deviceOrdinal, double gpuMemoryUtilization, int maxNumBatchedTokens, int maxNumSeqs,
      int maxModelLen, int blockSize, KvCacheType kvCacheType, boolean syncEachLaunch) {
    public Options {
      if (deviceOrdinal < 0) {
        throw new IllegalArgumentException("CUDA device ordinal must be >= 0, got " + deviceOrdinal);
      }
      if (!(gpuMemoryUtilization > 0 && gpuMemoryUtilization <= 1)) {
        throw new IllegalArgumentException("--gpu-memory-utilization must be within (0, 1], got " + gpuMemoryUtilization);
      }
      if (maxNumBatchedTokens < 1 || maxNumSeqs < 1 || maxModelLen < 1 || blockSize < 1) {
        throw new IllegalArgumentException("--max-num-batched-tokens " + maxNumBatchedTokens + ", --max-num-seqs "
            + maxNumSeqs + ", --max-model-len " + maxModelLen + " and --block-size " + blockSize + " must all be >= 1");
      }
      if (kvCacheType == null) {
        throw new IllegalArgumentException("kvCacheType must not be null");
      }
    }

    public int blocksPerSequence() {
      return (maxModelLen + blockSize - 1) / blockSize;
    }
  }

  /** A weight matrix in device memory; {@code type} is how it is stored there (F32, F16, BF16, Q8_0 or Q4_0). */
  private record DeviceMatrix(String name, long ptr, DType type, int rows, int cols) {}

  /** One layer's weights on the device; a bias pointer is 0 when the model has none. */
  private record DeviceLayer(long attnNorm, DeviceMatrix wq, DeviceMatrix wk, DeviceMatrix wv, DeviceMatrix wo, long bq,
      long bk, long bv, long bo, long ffnNorm, DeviceMatrix wGate, DeviceMatrix wUp, DeviceMatrix wDown) {}

  private final ModelConfig config;
  private final ModelWeights weights;
  private final Options options;
  private final CudaDevice device;
  private final LaunchPlanner planner;
  private final DeviceMemoryPlan memoryPlan;
  private final List<DeviceLayer> layers = new ArrayList<>();
  private final DeviceMatrix embedding; // null when the table is quantized: rows are dequantized on the host
  private final DeviceMatrix lmHead;
  private final long finalNorm;
  private final long invFreq; // (headDim / 2) the same floats CpuBackend rotates with

  private long[] keyCache; // (layer) -> device (slot, kvDim)
  private long[] valueCache;
  private int numBlocks;
  private int blockSize;

  private Workspace ws;
  private int lastNumLogits;

  private CudaBackend(LoadedModel model, Options options, CudaDevice device, DeviceMemoryPlan memoryPlan) {
    this.config = model.config();
    this.weights = model.weights();
    this.options = options;
    this.device = device;
    this.planner = device.planner();
    this.memoryPlan = memoryPlan;
    Map<WeightTensor, DeviceMatrix> uploaded = new IdentityHashMap<>(); // tied embeddings upload once
    for (LayerWeights lw : weights.layers()) {
      layers.add(new DeviceLayer(vector(lw.attnNorm()), matrix(lw.wq(), uploaded), matrix(lw.wk(), uploaded),
          matrix(lw.wv(), uploaded), matrix(lw.wo(), uploaded), vector(lw.bq()), vector(lw.bk()), vector(lw.bv()),
          vector(lw.bo()), vector(lw.ffnNorm()), matrix(lw.wGate(), uploaded), matrix(lw.wUp(), uploaded),
          matrix(lw.wDown(), uploaded)));
    }
    DType embType = weights.tokenEmbedding().dtype();
    embedding = embType == DType.F32 || embType == DType.F16 || embType == DType.BF16
        ? matrix(weights.tokenEmbedding(), uploaded) : null;
    lmHead = matrix(weights.lmHead(), uploaded);
    finalNorm = vector(weights.finalNorm());
    invFreq = vector(weights.ropeInverseFrequencies());
    ws = new Workspace(sizes(config, options.maxNumBatchedTokens(), options.maxNumSeqs(), options.blocksPerSequence()));
  }

  /**
   * Opens the GPU, plans its memory and uploads the weights. Throws {@link IllegalArgumentException}
   * naming the numbers when the model does not fit, {@link dev.gantry.engine.backend.cuda.CudaException}
   * for driver errors, {@link IllegalStateException} when the jar has no fatbin.
   */
  public static CudaBackend create(LoadedModel model, Options options) {
    CudaDevice device = CudaDevice.open(options.deviceOrdinal(), options.syncEachLaunch());
    try {
      long[] freeTotal = device.memoryInfo();
      DeviceMemoryPlan plan = plan(model, options, freeTotal[0], freeTotal[1]);
      LOG.log(Level.INFO, plan.toString());
      return new CudaBackend(model, options, device, plan);
    } catch (RuntimeException | Error e) {
      device.close();
      throw e;
    }
  }

  /** The memory plan for {@code model} on a device with {@code freeBytes} of {@code totalBytes} free. */
  public static DeviceMemoryPlan plan(LoadedModel model, Options o, long freeBytes, long totalBytes) {
    ActivationSizes sizes = sizes(model.config(), o.maxNumBatchedTokens(), o.maxNumSeqs(), o.blocksPerSequence());
    long perBlock = kvCacheBytesPerBlock(model.config(), o.blockSize(), o.kvCacheType());
    int perSeq = o.blocksPerSequence();
    return DeviceMemoryPlan.plan(totalBytes, freeBytes, o.gpuMemoryUtilization(), deviceWeightBytes(model.weights()),
        sizes.totalBytes(), DeviceMemoryPlan.DEFAULT_RESERVE_BYTES, perBlock, perSeq,
        (int) Math.min(Integer.MAX_VALUE / 2, (long) o.maxNumSeqs() * perSeq));
  }

  /** Bytes the weights take on the device: as stored, K-quants as F32, tied tensors once, vectors as F32. */
  public static long deviceWeightBytes(ModelWeights w) {
    Map<WeightTensor, Boolean> seen = new IdentityHashMap<>();
    long bytes = 0;
    for (LayerWeights l : w.layers()) {
      for (WeightTensor t : List.of(l.wq(), l.wk(), l.wv(), l.wo(), l.wGate(), l.wUp(), l.wDown())) {
        bytes += matrixBytes(t, seen);
      }
      bytes += 4L * (l.attnNorm().length + l.ffnNorm().length + len(l.bq()) + len(l.bk()) + len(l.bv()) + len(l.bo()));
    }
    DType emb = w.tokenEmbedding().dtype();
    if (emb == DType.F32 || emb == DType.F16 || emb == DType.BF16) {
      bytes += matrixBytes(w.tokenEmbedding(), seen);
    }
    bytes += matrixBytes(w.lmHead(), seen);
    return bytes + 4L * (w.finalNorm().length + w.ropeInverseFrequencies().length);
  }

  /** How a matrix is stored on the device: as read, except K-quants, which have no kernel and become F32. */
  static DType deviceType(DType stored) {
    return switch (stored) {
      case F32, F16, BF16, Q8_0, Q4_0 -> stored;
      case Q4_K, Q6_K -> DType.F32;
    };
  }

  private static long matrixBytes(WeightTensor t, Map<WeightTensor, Boolean> seen) {
    if (seen.put(t, Boolean.TRUE) != null) {
      return 0;
    }
    return deviceType(t.dtype()).bytesFor((long) t.rows() * t.cols());
  }

  private static int len(float[] a) {
    return a == null ? 0 : a.length;
  }

  static long kvCacheBytesPerBlock(ModelConfig c, int blockSize, KvCacheType type) {
    return 2L * c.numLayers() * blockSize * c.kvDim() * type.bytes;
  }

  static ActivationSizes sizes(ModelConfig c, int maxTokens, int maxSeqs, int maxBlocksPerSeq) {
    return new ActivationSizes(c.hiddenSize(), c.qDim(), c.kvDim(), c.intermediateSize(), c.vocabSize(), maxTokens,
        maxSeqs, maxBlocksPerSeq);
  }

  /** The plan made at creation; its block count is what the KV cache may hold. */
  public DeviceMemoryPlan memoryPlan() {
    return memoryPlan;
  }

  public Options options() {
    return options;
  }

  @Override
  public ModelConfig config() {
    return config;
  }

  @Override
  public long kvCacheBytesPerBlock(int blockSize) {
    return kvCacheBytesPerBlock(config, blockSize, options.kvCacheType());
  }

  @Override
  public void allocateKvCache(int numBlocks, int blockSize) {
    if (numBlocks <= 0 || blockSize <= 0) {
      throw new IllegalArgumentException("numBlocks and blockSize must be > 0, got " + numBlocks + " and " + blockSize);
    }
    freeKvCache();
    long bytesPerLayer = (long) numBlocks * blockSize * config.kvDim() * options.kvCacheType().bytes;
    keyCache = new long[config.numLayers()];
    valueCache = new long[config.numLayers()];
    for (int l = 0; l < config.numLayers(); l++) {
      keyCache[l] = device.alloc(bytesPerLayer, "key cache of layer " + l);
      valueCache[l] = device.alloc(bytesPerLayer, "value cache of layer " + l);
    }
    this.numBlocks = numBlocks;
    this.blockSize = blockSize;
  }

  private void freeKvCache() {
    if (keyCache != null) {
      for (int l = 0; l < keyCache.length; l++) {
        device.free(keyCache[l]);
        device.free(valueCache[l]);
      }
      keyCache = null;
      valueCache = null;
    }
  }

  @Override
  public float[][] forward(ForwardBatch batch) {
    if (keyCache == null) {
      throw new IllegalStateException("allocateKvCache must be called before forward");
    }
    ModelConfig c = config;
    int hidden = c.hiddenSize();
    int qDim = c.qDim();
    List<SequenceChunk> seqs = batch.sequences();
    for (int s = 0; s < seqs.size(); s++) {
      seqs.get(s).validate(s, c.vocabSize(), blockSize, numBlocks);
    }
    BatchLayout layout = BatchLayout.of(batch, blockSize);
    int numTokens = layout.numTokens();
    int numLogits = layout.logitRows().length;
    if (!ws.sizes.holds(numTokens, layout.numSequences(), layout.maxBlocksPerSeq())) {
      ActivationSizes old = ws.sizes;
      ws.close();
      ws = new Workspace(sizes(c, Math.max(old.maxTokens(), numTokens), Math.max(old.maxSeqs(), layout.numSequences()),
          Math.max(old.maxBlocksPerSeq(), layout.maxBlocksPerSeq())));
    }
    Workspace w = ws;
    device.copyToDevice(w.tokens, layout.tokens(), numTokens);
    device.copyToDevice(w.positions, layout.positions(), numTokens);
    device.copyToDevice(w.seqOf, layout.seqOf(), numTokens);
    device.copyToDevice(w.slots, layout.slots(), numTokens);
    device.copyToDevice(w.tables, layout.blockTables(), layout.blockTables().length);
    if (numLogits > 0) {
      device.copyToDevice(w.logitRows, layout.logitRows(), numLogits);
      device.copyToDevice(w.logitPositions, layout.logitPositions(), numLogits);
      device.copyToDevice(w.logitSeqOf, layout.logitSeqOf(), numLogits);
    }

    embed(layout, numTokens);
    long x = w.x; // (token, hidden) the residual stream
    long q = w.q; // (token, numHeads * headDim)
    long pos = w.positions;
    long seqOf = w.seqOf;
    int n = numTokens; // tokens still flowing through the layers
    float eps = (float) c.rmsNormEps();
    boolean interleaved = weights.ropeLayout() == RopeLayout.INTERLEAVED;
    for (int l = 0; l < c.numLayers(); l++) {
      DeviceLayer lw = layers.get(l);
      // Attention: x += Wo . attention(rope(Wq . norm(x)), rope(Wk . norm(x)), Wv . norm(x))
      rmsNorm(x, lw.attnNorm(), w.xb, n, hidden, eps);
      linear(lw.wq(), w.xb, n, q);
      linear(lw.wk(), w.xb, n, w.k);
      linear(lw.wv(), w.xb, n, w.v);
      addBias(q, lw.bq(), n, qDim);
      addBias(w.k, lw.bk(), n, c.kvDim());
      addBias(w.v, lw.bv(), n, c.kvDim());
      rope(q, pos, c.numHeads(), n, interleaved);
      rope(w.k, pos, c.numKvHeads(), n, interleaved);
      Kernel write = options.kvCacheType().cacheWrite;
      device.launch(write, planner.rowWise(write, n, c.kvDim()), device.args().ptr(w.k).ptr(w.v).ptr(keyCache[l])
          .ptr(valueCache[l]).ptr(w.slots).i32(c.kvDim()));
      if (l == c.numLayers() - 1 && numLogits < n) {
        // Every token's K/V is in the cache now; the rest of the last layer matters only for the
        // tokens whose logits are returned (the last of each prefill chunk or a decode).
        if (numLogits == 0) {
          break;
        }
        gatherRows(q, w.logitRows, numLogits, qDim, w.qLast);
        gatherRows(x, w.logitRows, numLogits, hidden, w.xLast);
        q = w.qLast;
        x = w.xLast;
        pos = w.logitPositions;
        seqOf = w.logitSeqOf;
        n = numLogits;
      }
      Kernel att = options.kvCacheType().attention;
      device.launch(att, planner.pagedAttention(att, n, c.numHeads(), c.numKvHeads(), c.headDim()), device.args()
          .ptr(w.att).ptr(q).ptr(keyCache[l]).ptr(valueCache[l]).ptr(pos).ptr(seqOf).ptr(w.tables)
          .i32(layout.maxBlocksPerSeq()).i32(c.numHeads()).i32(c.numKvHeads()).i32(c.headDim()).i32(blockSize)
          .f32((float) (1.0 / Math.sqrt(c.headDim()))));
      linear(lw.wo(), w.att, n, w.out);
      addBias(w.out, lw.bo(), n, hidden);
      residualAdd(x, w.out, (long) n * hidden);

      // MLP: x += Wdown . (silu(Wgate . norm(x)) * (Wup . norm(x)))
      rmsNorm(x, lw.ffnNorm(), w.xb, n, hidden, eps);
      linear(lw.wGate(), w.xb, n, w.gate);
      linear(lw.wUp(), w.xb, n, w.up);
      long elements = (long) n * c.intermediateSize();
      device.launch(Kernel.SILU_AND_MUL_F32, planner.elementwise(Kernel.SILU_AND_MUL_F32, elements),
          device.args().ptr(w.act).ptr(w.gate).ptr(w.up).i64(elements));
      linear(lw.wDown(), w.act, n, w.out);
      residualAdd(x, w.out, (long) n * hidden);
    }

    float[][] result = new float[seqs.size()][];
    lastNumLogits = numLogits;
    if (numLogits == 0) {
      device.synchronize(); // surface a fault of this step here, not in the next one
      return result;
    }
    long xl = x;
    if (n != numLogits) { // only when the model has no layers to trim in; kept for symmetry with CpuBackend
      gatherRows(x, w.logitRows, numLogits, hidden, w.xLast);
      xl = w.xLast;
    }
    rmsNorm(xl, finalNorm, w.xb, numLogits, hidden, eps);
    linear(lmHead, w.xb, numLogits, w.logits);
    float[] logits = new float[numLogits * c.vocabSize()];
    device.copyToHost(logits, w.logits, logits.length);
    int li = 0;
    for (int s = 0; s < seqs.size(); s++) {
      if (seqs.get(s).computeLogits()) {
        result[s] = new float[c.vocabSize()];
        System.arraycopy(logits, li++ * c.vocabSize(), result[s], 0, c.vocabSize());
      }
    }
    return result;
  }

  /** Greedy tokens of the last {@link #forward}'s logit rows (gantry_argmax_f32), without copying logits. */
  public int[] argmaxOfLastStep() {
    int rows = requireLastLogits();
    device.launch(Kernel.ARGMAX_F32, planner.perRow(Kernel.ARGMAX_F32, rows),
        device.args().ptr(ws.argmax).ptr(ws.logits).i32(config.vocabSize()));
    int[] out = new int[rows];
    device.copyToHost(out, ws.argmax, rows);
    return out;
  }

  /** The {@code k} largest logits per row of the last step, descending, ties by index (gantry_topk_f32). */
  public TopK topKOfLastStep(int k) {
    int rows = requireLastLogits();
    if (k < 1 || k > config.vocabSize()) {
      throw new IllegalArgumentException("top-k must be within [1, " + config.vocabSize() + "], got " + k);
    }
    long idx = device.alloc((long) rows * k * Integer.BYTES, "top-k indices");
    long val = device.alloc((long) rows * k * Float.BYTES, "top-k values");
    try {
      device.launch(Kernel.TOPK_F32, planner.perRow(Kernel.TOPK_F32, rows),
          device.args().ptr(idx).ptr(val).ptr(ws.logits).i32(config.vocabSize()).i32(k));
      int[] indices = new int[rows * k];
      float[] values = new float[rows * k];
      device.copyToHost(indices, idx, indices.length);
      device.copyToHost(values, val, values.length);
      return new TopK(k, indices, values);
    } finally {
      device.free(idx);
      device.free(val);
    }
  }

  /** Row-major (rows, k) results of {@link #topKOfLastStep}. */
  public record TopK(int k, int[] indices, float[] values) {}

  /** Copy-on-write: for each (source, destination) pair, the destination block becomes a copy of the source. */
  public void copyBlocks(long[] pairs) {
    if (keyCache == null) {
      throw new IllegalStateException("allocateKvCache must be called before copyBlocks");
    }
    if (pairs.length == 0 || pairs.length % 2 != 0) {
      throw new IllegalArgumentException("copyBlocks takes (source, destination) pairs, got " + pairs.length + " ids");
    }
    for (long b : pairs) {
      if (b < 0 || b >= numBlocks) {
        throw new IllegalArgumentException("block id " + b + " is outside the KV cache of " + numBlocks + " blocks");
      }
    }
    long blockBytes = (long) blockSize * config.kvDim() * options.kvCacheType().bytes;
    long p = device.alloc((long) pairs.length * Long.BYTES, "copy-on-write pairs");
    try {
      device.copyToDevice(p, pairs, pairs.length);
      for (int l = 0; l < config.numLayers(); l++) {
        device.launch(Kernel.COPY_BLOCKS, planner.copyBlocks(pairs.length / 2),
            device.args().ptr(keyCache[l]).ptr(valueCache[l]).ptr(p).i64(blockBytes / 4));
      }
      device.synchronize();
    } finally {
      device.free(p);
    }
  }

  private int requireLastLogits() {
    if (lastNumLogits == 0) {
      throw new IllegalStateException("the last forward step computed no logits");
    }
    return lastNumLogits;
  }

  private void embed(BatchLayout layout, int numTokens) {
    int hidden = config.hiddenSize();
    if (embedding != null) {
      Kernel k = switch (embedding.type()) {
        case F16 -> Kernel.EMBEDDING_GATHER_F16;
        case BF16 -> Kernel.EMBEDDING_GATHER_BF16;
        default -> Kernel.EMBEDDING_GATHER_F32;
      };
      device.launch(k, planner.rowWise(k, numTokens, hidden),
          device.args().ptr(ws.x).ptr(embedding.ptr()).ptr(ws.tokens).i32(hidden));
    } else {
      // Quantized tables have no gather kernel: a step needs only numTokens rows, dequantized here.
      float[] rows = new float[numTokens * hidden];
      for (int t = 0; t < numTokens; t++) {
        weights.tokenEmbedding().dequantizeRow(layout.tokens()[t], rows, t * hidden);
      }
      device.copyToDevice(ws.x, rows, rows.length);
    }
  }

  private void rmsNorm(long x, long weight, long out, int rows, int width, float eps) {
    device.launch(Kernel.RMS_NORM_F32, planner.rowWise(Kernel.RMS_NORM_F32, rows, width),
        device.args().ptr(out).ptr(x).ptr(weight).i32(width).f32(eps));
  }

  private void rope(long qk, long pos, int heads, int n, boolean interleaved) {
    device.launch(Kernel.ROPE_F32, planner.rowWise(Kernel.ROPE_F32, n, heads * config.headDim() / 2), device.args()
        .ptr(qk).ptr(pos).ptr(invFreq).i32(heads).i32(config.headDim()).i32(interleaved ? 1 : 0));
  }

  private void addBias(long y, long bias, int n, int width) {
    if (bias != 0) {
      device.launch(Kernel.ADD_BIAS_F32, planner.rowWise(Kernel.ADD_BIAS_F32, n, width),
          device.args().ptr(y).ptr(bias).i32(width));
    }
  }

  private void residualAdd(long x, long y, long elements) {
    device.launch(Kernel.RESIDUAL_ADD_F32, planner.elementwise(Kernel.RESIDUAL_ADD_F32, elements),
        device.args().ptr(x).ptr(y).i64(elements));
  }

  /** out[i, :] = a[rows[i], :]: the embedding gather kernel with the activations as its table. */
  private void gatherRows(long a, long rows, int numRows, int width, long out) {
    device.launch(Kernel.EMBEDDING_GATHER_F32, planner.rowWise(Kernel.EMBEDDING_GATHER_F32, numRows, width),
        device.args().ptr(out).ptr(a).ptr(rows).i32(width));
  }

  /** y (n, rows) = x (n, cols) . W^T, by how W is stored. */
  private void linear(DeviceMatrix wm, long x, int n, long y) {
    switch (wm.type()) {
      case F32 -> device.gemm(wm.ptr(), x, GemmType.F32, wm.rows(), wm.cols(), n, y, wm.name());
      case F16, BF16 -> {
        Kernel convert = wm.type() == DType.F16 ? Kernel.CONVERT_F32_TO_F16 : Kernel.CONVERT_F32_TO_BF16;
        long elements = (long) n * wm.cols();
        device.launch(convert, planner.elementwise(convert, elements), device.args().ptr(ws.half).ptr(x).i64(elements));
        device.gemm(wm.ptr(), ws.half, wm.type() == DType.F16 ? GemmType.F16 : GemmType.BF16, wm.rows(), wm.cols(), n, y,
            wm.name());
      }
      case Q8_0, Q4_0 -> {
        Kernel k = wm.type() == DType.Q8_0 ? Kernel.GEMV_Q8_0 : Kernel.GEMV_Q4_0;
        device.launch(k, planner.quantizedGemv(k, wm.rows(), wm.cols(), n),
            device.args().ptr(y).ptr(wm.ptr()).ptr(x).i32(wm.rows()).i32(wm.cols()));
      }
      default -> throw new IllegalStateException(wm.name() + " is stored as " + wm.type() + " on the device");
    }
  }

  private DeviceMatrix matrix(WeightTensor t, Map<WeightTensor, DeviceMatrix> uploaded) {
    DeviceMatrix done = uploaded.get(t);
    if (done != null) {
      return done;
    }
    DType type = deviceType(t.dtype());
    long bytes = type.bytesFor((long) t.rows() * t.cols());
    long ptr = device.alloc(bytes, t.name());
    int rowBytes = (int) type.bytesFor(t.cols());
    // Stage up to ~64 MiB of whole rows at a time: rows of one mapped chunk are contiguous.
    int rowsPerCopy = Math.max(1, (64 << 20) / rowBytes);
    ByteBuffer staging = ByteBuffer.allocateDirect(rowsPerCopy * rowBytes).order(ByteOrder.LITTLE_ENDIAN);
    float[] row = type == t.dtype() ? null : new float[t.cols()];
    for (int r0 = 0; r0 < t.rows(); r0 += rowsPerCopy) {
      int r1 = Math.min(t.rows(), r0 + rowsPerCopy);
      staging.clear();
      for (int r = r0; r < r1; r++) {
        if (row == null) {
          ByteBuffer src = t.chunkOf(r).duplicate();
          src.position(t.rowOffset(r)).limit(t.rowOffset(r) + rowBytes);
          staging.put(src);
        } else {
          t.dequantizeRow(r, row, 0);
          for (float v : row) {
            staging.putFloat(v);
          }
        }
      }
      staging.flip();
      device.copyToDevice(ptr + (long) r0 * rowBytes, staging);
    }
    DeviceMatrix m = new DeviceMatrix(t.name(), ptr, type, t.rows(), t.cols());
    uploaded.put(t, m);
    return m;
  }

  private long vector(float[] v) {
    if (v == null) {
      return 0;
    }
    long ptr = device.alloc((long) v.length * Float.BYTES, "vector");
    device.copyToDevice(ptr, v, v.length);
    return ptr;
  }

  /** The step's device buffers, sized by {@link ActivationSizes}. */
  private final class Workspace implements AutoCloseable {
    final ActivationSizes sizes;
    final long x, xb, q, k, v, att, out, gate, up, act, logits, qLast, xLast, half;
    final long tokens, positions, seqOf, slots, tables, logitRows, logitPositions, logitSeqOf, argmax;
    private final List<Long> all = new ArrayList<>();

    Workspace(ActivationSizes s) {
      this.sizes = s;
      long t = s.maxTokens();
      long r = s.maxLogitRows();
      x = f(t * s.hidden());
      xb = f(t * s.hidden());
      out = f(t * s.hidden());
      q = f(t * s.qDim());
      att = f(t * s.qDim());
      k = f(t * s.kvDim());
      v = f(t * s.kvDim());
      gate = f(t * s.intermediate());
      up = f(t * s.intermediate());
      act = f(t * s.intermediate());
      logits = f(r * s.vocab());
      qLast = f(r * s.qDim());
      xLast = f(r * s.hidden());
      half = alloc(s.halfScratchElements() * 2);
      tokens = alloc(t * 4);
      positions = alloc(t * 4);
      seqOf = alloc(t * 4);
      slots = alloc(t * 8);
      tables = alloc((long) s.maxSeqs() * s.maxBlocksPerSeq() * 4);
      logitRows = alloc(r * 4);
      logitPositions = alloc(r * 4);
      logitSeqOf = alloc(r * 4);
      argmax = alloc(r * 4);
    }

    private long f(long floats) {
      return alloc(floats * Float.BYTES);
    }

    private long alloc(long bytes) {
      long p = device.alloc(bytes, "activations");
      all.add(p);
      return p;
    }

    @Override
    public void close() {
      for (long p : all) {
        device.free(p);
      }
    }
  }

  @Override
  public void close() {
    device.close(); // frees every allocation: weights, workspace, KV cache
    keyCache = null;
    valueCache = null;
  }
}
