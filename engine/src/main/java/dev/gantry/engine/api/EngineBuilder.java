package dev.gantry.engine.api;

import dev.gantry.engine.backend.Backend;
import dev.gantry.engine.backend.CpuBackend;
import dev.gantry.engine.backend.CudaBackend;
import dev.gantry.engine.backend.Device;
import dev.gantry.engine.backend.cuda.CudaProbe;
import dev.gantry.engine.kvcache.BlockPool;
import dev.gantry.engine.kvcache.KvCacheManager;
import dev.gantry.engine.model.DType;
import dev.gantry.engine.model.LoadedModel;
import dev.gantry.engine.model.ModelConfig;
import dev.gantry.engine.model.ModelLoader;
import dev.gantry.engine.model.WeightDtype;
import dev.gantry.engine.scheduler.Scheduler;
import dev.gantry.engine.scheduler.SchedulerConfig;
import dev.gantry.engine.scheduler.SchedulingPolicy;
import dev.gantry.engine.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Configures and builds an {@link Engine}, with vLLM's option names and defaults where they
 * make sense on a CPU. Either {@link #model(Path)} (loaded and run on a {@link CpuBackend}) or
 * {@link #backend(Backend)} (already built; its tokenizer via {@link #tokenizer}) is required.
 *
 * <p>KV cache size, first rule that applies: {@link #kvCacheBytes(long)}; else
 * {@link #gpuMemoryUtilization(double)} as the fraction of the JVM's maximum heap the engine
 * may fill (the CPU backend's KV cache lives on the heap, weights are memory-mapped outside
 * it), minus the heap already used; the default fraction is 0.5. The pool never gets more
 * blocks than {@code maxNumSeqs} sequences of {@code maxModelLen} tokens can use.
 */
public final class EngineBuilder {
  private Path model;
  private Backend backend;
  private Tokenizer tokenizer;
  private Long kvCacheBytes;
  private double gpuMemoryUtilization = 0.5;
  private int blockSize = 16;
  private int maxNumSeqs = 64;
  private Integer maxNumBatchedTokens;
  private Integer maxModelLen;
  private boolean enablePrefixCaching = true;
  private boolean enableChunkedPrefill = true;
  private SchedulingPolicy schedulingPolicy = SchedulingPolicy.FCFS;
  private int threads = Runtime.getRuntime().availableProcessors();
  private UnaryOperator<ModelExecutor> forwardDecorator = UnaryOperator.identity();
  private Device device = Device.CPU;
  private WeightDtype dtype = WeightDtype.AUTO;
  private DType quantization;

  EngineBuilder() {}

  /** A Hugging Face model directory or a .gguf file; tokenizer from the same place. */
  public EngineBuilder model(Path dirOrGgufFile) {
    this.model = dirOrGgufFile;
    return this;
  }

  /** A backend built by the caller (the engine closes it). */
  public EngineBuilder backend(Backend backend) {
    this.backend = backend;
    return this;
  }

  public EngineBuilder tokenizer(Tokenizer tokenizer) {
    this.tokenizer = tokenizer;
    return this;
  }

  /** Exact KV cache budget in bytes. */
  public EngineBuilder kvCacheBytes(long bytes) {
    if (bytes <= 0) {
      throw new IllegalArgumentException("kvCacheBytes must be > 0, got " + bytes);
    }
    this.kvCacheBytes = bytes;
    return this;
  }

  /** Fraction of memory the engine may fill, as vLLM's --gpu-memory-utilization. */
  public EngineBuilder gpuMemoryUtilization(double fraction) {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException("--gpu-memory-utilization must be within (0, 1], got " + fraction);
    }
    this.gpuMemoryUtilization = fraction;
    return this;
  }

  /** Tokens per KV cache block (vLLM's --block-size). */
  public EngineBuilder blockSize(int tokens) {
    if (tokens < 1 || tokens > 1024) {
      throw new IllegalArgumentException("--block-size must be within [1, 1024], got " + tokens);
    }
    this.blockSize = tokens;
    return this;
  }

  public EngineBuilder maxNumSeqs(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("--max-num-seqs must be >= 1, got " + n);
    }
    this.maxNumSeqs = n;
    return this;
  }

  public EngineBuilder maxNumBatchedTokens(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("--max-num-batched-tokens must be >= 1, got " + n);
    }
    this.maxNumBatchedTokens = n;
    return this;
  }

  /** Longest prompt plus output; defaults to the model's max_position_embeddings. */
  public EngineBuilder maxModelLen(int n) {
    if (n < 2) {
      throw new IllegalArgumentException("--max-model-len must be >= 2, got " + n);
    }
    this.maxModelLen = n;
    return this;
  }

  public EngineBuilder enablePrefixCaching(boolean enable) {
    this.enablePrefixCaching = enable;
    return this;
  }

  public EngineBuilder enableChunkedPrefill(boolean enable) {
    this.enableChunkedPrefill = enable;
    return this;
  }

  public EngineBuilder schedulingPolicy(SchedulingPolicy policy) {
    if (policy == null) {
      throw new IllegalArgumentException("--scheduling-policy must be fcfs or priority, got null");
    }
    this.schedulingPolicy = policy;
    return this;
  }

  /** CPU threads for a backend built from {@link #model(Path)}. */
  public EngineBuilder threads(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + n);
    }
    this.threads = n;
    return this;
  }

  /**
   * Wraps the backend's forward pass as the step loop sees it; identity unless set. A seam for
   * tests that inject a backend fault into a real engine (the engine fails the live requests'
   * streams and keeps serving) without a fake backend.
   */
  EngineBuilder decorateForward(UnaryOperator<ModelExecutor> decorator) {
    this.forwardDecorator = Objects.requireNonNull(decorator, "decorator");
    return this;
  }

  /**
   * Where a backend built from {@link #model(Path)} runs (default CPU): {@code AUTO} probes CUDA
   * and falls back to the CPU, {@code CUDA} fails at {@link #build} without a usable GPU. On CUDA
   * the KV cache is sized by the GPU memory plan (see {@link CudaBackend#memoryPlan()}).
   */
  public EngineBuilder device(Device device) {
    if (device == null) {
      throw new IllegalArgumentException("--device must be auto, cpu or cuda, got null");
    }
    this.device = device;
    return this;
  }

  /**
   * The type a model loaded by {@link #model(Path)} keeps its non-quantized weights in
   * ({@code --dtype}; default {@code AUTO}: as stored). Converted at load, before the backend
   * is chosen, so a CUDA backend receives (and sizes its memory plan and KV cache type from)
   * the weights in this type too.
   */
  public EngineBuilder dtype(WeightDtype dtype) {
    if (dtype == null) {
      throw new IllegalArgumentException("--dtype must be auto, half, float16, bfloat16, float or float32, got null");
    }
    this.dtype = dtype;
    return this;
  }

  /**
   * Quantizes the layers' non-quantized matrices of a model loaded by {@link #model(Path)} to
   * Q8_0 or Q4_0 at load ({@code --quantization q8_0|q4_0}); null (the default) keeps them.
   */
  public EngineBuilder quantization(DType type) {
    if (type != null && type != DType.Q8_0 && type != DType.Q4_0) {
      throw new IllegalArgumentException("--quantization quantizes at load to q8_0 or q4_0, not " + type);
    }
    this.quantization = type;
    return this;
  }

  /** Loads the model if needed, sizes and allocates the KV cache, starts the engine thread. */
  public Engine build() {
    if (backend == null && model == null) {
      throw new IllegalStateException("no model: call model(path) with a Hugging Face directory or .gguf file, or backend(..)");
    }
    Backend b = backend;
    Tokenizer tok = tokenizer;
    if (b == null) {
      LoadedModel loaded = ModelLoader.load(model, dtype, quantization);
      b = switch (device.resolve(CudaProbe::probe)) {
        case CUDA -> {
          int len = maxModelLen != null ? maxModelLen : loaded.config().maxPositionEmbeddings();
          // An absolute KV budget (kvCacheBytes) replaces the fraction: the plan then only checks that it all fits.
          yield CudaBackend.create(loaded, new CudaBackend.Options(0, kvCacheBytes != null ? 1.0 : gpuMemoryUtilization,
              batchedTokens(len), maxNumSeqs, len, blockSize, CudaBackend.KvCacheType.auto(loaded.weights()), false));
        }
        case CPU, AUTO -> CpuBackend.create(loaded, threads, true);
      };
      if (tok == null) {
        tok = loaded.isGguf() ? Tokenizer.fromGguf(loaded.ggufMetadata()) : Tokenizer.fromHfDirectory(model);
      }
    } else if (tok == null && model != null && Files.isDirectory(model)) {
      tok = Tokenizer.fromHfDirectory(model);
    }
    if (tok == null) {
      b.close();
      throw new IllegalStateException("no tokenizer: pass tokenizer(..) along with backend(..), or use model(path)");
    }
    ModelConfig config = b.config();
    int modelLen = maxModelLen != null ? maxModelLen : config.maxPositionEmbeddings();
    if (modelLen > config.maxPositionEmbeddings()) {
      throw new IllegalArgumentException("--max-model-len " + modelLen + " exceeds the model's max_position_embeddings "
          + config.maxPositionEmbeddings() + "; lower it");
    }
    int batchedTokens = batchedTokens(modelLen);
    SchedulerConfig schedulerConfig =
        new SchedulerConfig(maxNumSeqs, batchedTokens, modelLen, enableChunkedPrefill, schedulingPolicy);
    long bytesPerBlock = b.kvCacheBytesPerBlock(blockSize);
    long budget = kvCacheBytes == null && b instanceof CudaBackend cuda ? cuda.memoryPlan().kvCacheBytes() : kvBudgetBytes();
    int numBlocks = BlockPool.numBlocksForBudget(budget, bytesPerBlock);
    int usefulBlocks = (int) Math.min(Integer.MAX_VALUE / 2, (long) maxNumSeqs * ((modelLen + blockSize - 1) / blockSize));
    numBlocks = Math.min(numBlocks, usefulBlocks);
    b.allocateKvCache(numBlocks, blockSize);
    Scheduler scheduler = new Scheduler(schedulerConfig, new KvCacheManager(new BlockPool(numBlocks, enablePrefixCaching), blockSize));
    Backend forwardOn = b;
    return new Engine(scheduler, forwardDecorator.apply(forwardOn::forward), tok, config.eosTokenIds(), forwardOn);
  }

  private int batchedTokens(int modelLen) {
    return maxNumBatchedTokens != null ? maxNumBatchedTokens
        : enableChunkedPrefill ? Math.max(2048, maxNumSeqs) : Math.max(modelLen, maxNumSeqs);
  }

  private long kvBudgetBytes() {
    if (kvCacheBytes != null) {
      return kvCacheBytes;
    }
    Runtime rt = Runtime.getRuntime();
    long used = rt.totalMemory() - rt.freeMemory();
    return (long) (gpuMemoryUtilization * rt.maxMemory()) - used;
  }
}
