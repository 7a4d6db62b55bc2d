package dev.gantry.engine.server;

import dev.gantry.engine.api.Engine;
import dev.gantry.engine.api.EngineBuilder;
import dev.gantry.engine.backend.Device;
import dev.gantry.engine.backend.cuda.CudaProbe;
import dev.gantry.engine.model.DType;
import dev.gantry.engine.model.WeightDtype;
import dev.gantry.engine.scheduler.SchedulingPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code gantry-engine serve MODEL}: loads the model, starts the engine and the OpenAI server,
 * and on SIGTERM drains (503 for new requests, in-flight ones finish within
 * {@code --drain-timeout}) and exits 0. Flags carry vLLM's names and meanings; flags that only
 * make sense on GPUs fail with a message saying what this build supports.
 */
@Command(name = "serve", sortOptions = false, usageHelpAutoWidth = true, mixinStandardHelpOptions = true,
    description = "Serve MODEL (a Hugging Face model directory or a .gguf file) over an OpenAI-compatible API.")
final class ServeCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "MODEL",
      description = "Hugging Face model directory (config.json, tokenizer.json, *.safetensors) or a .gguf file.")
  Path model;

  @Option(names = "--host", defaultValue = "0.0.0.0", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--port", defaultValue = "8000", description = "Port to listen on; 0 picks a free port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--served-model-name", split = ",", paramLabel = "NAME",
      description = "Model name(s) clients send as \"model\"; the first labels metrics. Default: MODEL as given.")
  List<String> servedModelNames;

  @Option(names = "--max-model-len", description = "Longest prompt plus completion, in tokens. Default: the model's max_position_embeddings.")
  Integer maxModelLen;

  @Option(names = "--max-num-seqs", defaultValue = "64",
      description = "Most sequences batched at once; also how many the server admits before queueing (default: ${DEFAULT-VALUE}).")
  int maxNumSeqs;

  @Option(names = "--max-num-batched-tokens",
      description = "Token budget of one engine step (prefill chunks plus decodes). Default: 2048 with chunked prefill, else --max-model-len.")
  Integer maxNumBatchedTokens;

  @Option(names = "--block-size", defaultValue = "16", description = "Tokens per KV cache block (default: ${DEFAULT-VALUE}).")
  int blockSize;

  @Option(names = "--gpu-memory-utilization", defaultValue = "0.5", paramLabel = "FRACTION|BYTES",
      description = "KV cache budget. On the CPU backend: a fraction in (0, 1] of the JVM heap (-Xmx) minus what is in use, "
          + "or an absolute size such as 4GiB, 512MiB or 1073741824 (default: ${DEFAULT-VALUE}).")
  String gpuMemoryUtilization;

  @Option(names = "--enable-prefix-caching", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Reuse KV blocks of shared prompt prefixes (default: on; --no-enable-prefix-caching turns it off).")
  boolean enablePrefixCaching;

  @Option(names = "--enable-chunked-prefill", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Split long prompts across steps so decodes keep flowing (default: on; --no-enable-chunked-prefill turns it off).")
  boolean enableChunkedPrefill;

  @Option(names = "--dtype", defaultValue = "auto",
      description = "Weight dtype, vLLM's values: auto (as stored), half/float16, bfloat16, float/float32. Non-quantized "
          + "weights are converted at load when they differ (float32 to bfloat16 halves their memory); quantized ones keep "
          + "their quantization. The CPU backend computes in float32 (default: ${DEFAULT-VALUE}).")
  String dtype;

  @Option(names = {"--quantization", "-q"},
      description = "Weight quantization: none; q8_0 or q4_0 quantize the layers' weights at load (llama.cpp's formats); "
          + "gguf with a .gguf MODEL uses its tensors as stored. Default: none.")
  String quantization;

  @Option(names = {"--tensor-parallel-size", "-tp"}, defaultValue = "1",
      description = "GPUs to shard the model over. Only 1 is supported (default: ${DEFAULT-VALUE}).")
  int tensorParallelSize;

  @Option(names = "--api-key", defaultValue = "${env:VLLM_API_KEY}",
      description = "Require 'Authorization: Bearer KEY' on /v1/*, /tokenize and /detokenize. Default: $VLLM_API_KEY, else none.")
  String apiKey;

  @Option(names = "--seed", description = "Seed for requests that send none, making the server reproducible. Default: random.")
  Long seed;

  @Option(names = "--device", defaultValue = "auto", description = "auto, cpu or cuda (default: ${DEFAULT-VALUE}; auto uses CUDA when a GPU is usable, else the CPU).")
  String device;

  @Option(names = "--max-num-queued-requests", defaultValue = "1024",
      description = "Requests that may wait for a free sequence slot; more get 429 with Retry-After (default: ${DEFAULT-VALUE}).")
  int maxNumQueuedRequests;

  @Option(names = "--queue-timeout", defaultValue = "60", paramLabel = "SECONDS",
      description = "Longest a request waits for a slot before 503 with Retry-After (default: ${DEFAULT-VALUE}).")
  double queueTimeoutSeconds;

  @Option(names = "--drain-timeout", defaultValue = "30", paramLabel = "SECONDS",
      description = "On SIGTERM, how long in-flight requests may take to finish before exit (default: ${DEFAULT-VALUE}).")
  double drainTimeoutSeconds;

  @Option(names = "--watchdog-timeout", defaultValue = "60", paramLabel = "SECONDS",
      description = "/health turns 503 when the engine makes no step for this long while requests wait (default: ${DEFAULT-VALUE}).")
  double watchdogTimeoutSeconds;

  @Option(names = "--max-request-bytes", defaultValue = "10MiB", paramLabel = "BYTES",
      description = "Largest request body; larger ones get 413 (default: ${DEFAULT-VALUE}).")
  String maxRequestBytes;

  @Option(names = "--scheduling-policy", defaultValue = "fcfs", description = "fcfs or priority (default: ${DEFAULT-VALUE}).")
  String schedulingPolicy;

  @Option(names = "--threads", description = "CPU threads for the model's forward pass. Default: all available processors.")
  Integer threads;

  /** The engine as the flags describe it, not yet built (tests check flag handling with it). */
  EngineBuilder engineBuilder() {
    EngineBuilder b = checkedEngineBuilder();
    try {
      b.device(Device.parse(device).resolve(CudaProbe::probe)); // cuda without a usable GPU fails here
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw bad(e.getMessage());
    }
    if (!Files.exists(model)) {
      throw bad("MODEL '" + model + "' does not exist; pass a Hugging Face model directory or a .gguf file");
    }
    return b;
  }

  /**
   * Every check of the flags that needs neither the model on disk nor a GPU probe: what a
   * deployment's arguments must pass before they reach a machine ({@link Main#checkServeArguments}).
   * The device is parsed, not resolved.
   */
  EngineBuilder checkedEngineBuilder() {
    if (tensorParallelSize != 1) {
      throw bad("--tensor-parallel-size " + tensorParallelSize + " is not supported: this engine runs a model on one "
          + "device. Use --tensor-parallel-size 1 and scale out with more replicas.");
    }
    EngineBuilder b = Engine.builder().model(model);
    try {
      b.device(Device.parse(device));
      b.dtype(WeightDtype.parse(dtype));
    } catch (IllegalArgumentException e) {
      throw bad(e.getMessage());
    }
    if (quantization != null) {
      switch (quantization.toLowerCase(Locale.ROOT)) {
        case "none" -> { }
        case "q8_0" -> b.quantization(DType.Q8_0);
        case "q4_0" -> b.quantization(DType.Q4_0);
        case "gguf" -> {
          if (!model.toString().endsWith(".gguf")) {
            throw bad("--quantization gguf needs a .gguf MODEL, got '" + model + "'; pass none, q8_0 or q4_0 for a "
                + "Hugging Face directory");
          }
        }
        default -> throw bad("--quantization " + quantization + " is not supported: pass none, q8_0 or q4_0 "
            + "(the layers' weights quantized at load, as llama.cpp's Q8_0/Q4_0), or gguf with a .gguf MODEL "
            + "(used as stored); fp8, awq and gptq checkpoints need vLLM's GPU kernels");
      }
    }
    try {
      b.blockSize(blockSize).maxNumSeqs(maxNumSeqs).enablePrefixCaching(enablePrefixCaching)
          .enableChunkedPrefill(enableChunkedPrefill);
      if (maxModelLen != null) {
        b.maxModelLen(maxModelLen);
      }
      if (maxNumBatchedTokens != null) {
        b.maxNumBatchedTokens(maxNumBatchedTokens);
      }
      if (threads != null) {
        b.threads(threads);
      }
      b.schedulingPolicy(switch (schedulingPolicy.toLowerCase(Locale.ROOT)) {
        case "fcfs" -> SchedulingPolicy.FCFS;
        case "priority" -> SchedulingPolicy.PRIORITY;
        default -> throw bad("--scheduling-policy must be fcfs or priority, got '" + schedulingPolicy + "'");
      });
      double fraction = parseFraction(gpuMemoryUtilization);
      if (!Double.isNaN(fraction)) {
        b.gpuMemoryUtilization(fraction);
      } else {
        b.kvCacheBytes(parseBytes("--gpu-memory-utilization", gpuMemoryUtilization));
      }
    } catch (IllegalArgumentException e) {
      throw bad(e.getMessage());
    }
    return b;
  }

  /** The HTTP side as the flags describe it. */
  ServerConfig serverConfig() {
    List<String> names = servedModelNames == null || servedModelNames.isEmpty() ? List.of(model.toString())
        : servedModelNames;
    try {
      return new ServerConfig(host, port, names, model.toAbsolutePath().toString(),
          apiKey == null || apiKey.isEmpty() ? null : apiKey, seed, maxNumSeqs, maxNumQueuedRequests,
          seconds("--queue-timeout", queueTimeoutSeconds), parseBytes("--max-request-bytes", maxRequestBytes),
          seconds("--drain-timeout", drainTimeoutSeconds), seconds("--watchdog-timeout", watchdogTimeoutSeconds));
    } catch (IllegalArgumentException e) {
      throw bad(e.getMessage());
    }
  }

  @Override
  public Integer call() throws Exception {
    EngineBuilder builder = engineBuilder();
    ServerConfig config = serverConfig();
    Engine engine = builder.build();
    OpenAiServer server;
    try {
      server = OpenAiServer.start(engine, config);
    } catch (RuntimeException e) {
      engine.close();
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Duration drain = config.drainTimeout();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.err.println("gantry-engine: shutting down; draining in-flight requests for up to " + drain.toSeconds() + " s");
      boolean drained = server.drain(drain);
      System.err.println(drained ? "gantry-engine: all requests finished" : "gantry-engine: drain timeout; aborting the rest");
      server.close();
      engine.close();
      stopped.countDown();
      System.err.flush();
      // A JVM ended by SIGTERM exits 143 even after a clean drain; report the clean drain as 0.
      Runtime.getRuntime().halt(0);
    }, "gantry-drain"));
    System.out.println("gantry-engine: serving " + config.servedModelNames() + " from " + model + " on http://"
        + config.host() + ":" + server.port() + " (max-model-len " + engine.maxModelLen() + ", "
        + engine.stats().numKvBlocks() + " KV blocks of " + engine.stats().blockSize() + " tokens)");
    System.out.flush();
    stopped.await();
    return 0;
  }

  private CommandLine.ParameterException bad(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }

  private static Duration seconds(String flag, double seconds) {
    if (!(seconds > 0) || Double.isInfinite(seconds)) {
      throw new IllegalArgumentException(flag + " must be a number of seconds > 0, got " + seconds);
    }
    return Duration.ofNanos((long) (seconds * 1e9));
  }

  /** A plain number <= 1 is a fraction; NaN means "not a fraction". */
  static double parseFraction(String value) {
    try {
      double v = Double.parseDouble(value);
      return v <= 1 ? v : Double.NaN;
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  /** 1073741824, 1GiB, 512MiB, 64KiB, 2G, 500M (binary multiples for both spellings). */
  static long parseBytes(String flag, String value) {
    String v = value.trim();
    long unit = 1;
    String upper = v.toUpperCase(Locale.ROOT);
    for (String[] suffix : new String[][] {{"TIB", "T"}, {"GIB", "G"}, {"MIB", "M"}, {"KIB", "K"}}) {
      for (String s : suffix) {
        if (upper.endsWith(s) && unit == 1) {
          unit = switch (suffix[1]) {
            case "T" -> 1L << 40;
            case "G" -> 1L << 30;
            case "M" -> 1L << 20;
            default -> 1L << 10;
          };
          v = v.substring(0, v.length() - s.length()).trim();
        }
      }
    }
    if (upper.endsWith("B") && unit == 1) {
      v = v.substring(0, v.length() - 1).trim();
    }
    try {
      double n = Double.parseDouble(v);
      if (!(n > 0)) {
        throw new NumberFormatException();
      }
      return (long) (n * unit);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " must be a size such as 4GiB, 512MiB or 1073741824, or a fraction "
          + "in (0, 1] where allowed; got '" + value + "'");
    }
  }
}
