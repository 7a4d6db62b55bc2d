package dev.gantry.engine.bench;

import dev.gantry.engine.api.Engine;
import dev.gantry.engine.api.EngineStats;
import dev.gantry.engine.api.GenerationRequest;
import dev.gantry.engine.api.GenerationStream;
import dev.gantry.engine.api.Prompt;
import dev.gantry.engine.api.RequestOutput;
import dev.gantry.engine.backend.CpuBackend;
import dev.gantry.engine.backend.CudaBackend;
import dev.gantry.engine.backend.Device;
import dev.gantry.engine.backend.cuda.CudaProbe;
import dev.gantry.engine.model.DType;
import dev.gantry.engine.model.LoadedModel;
import dev.gantry.engine.model.ModelLoader;
import dev.gantry.engine.sampling.SamplingParams;
import dev.gantry.engine.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engine's throughput benchmark. For each weight type it writes a Llama-shaped model with
 * random weights (125M parameters by default) as a real GGUF file, serves it with the real
 * {@link Engine} on the CPU backend, and measures: single-stream decode tokens/s; generation
 * throughput with 1, 4, 16 and 64 concurrent sequences; KV cache waste at peak (allocated but
 * unused slots / allocated slots); continuous vs static batching on a mixed-length workload; and
 * decode speed against the memory-bandwidth bound (weight bytes read per token / memcpy
 * bandwidth). Prints progress lines and a Markdown table; {@code --report FILE} appends the table.
 *
 * <pre>
 *   ./test -q -o -pl engine -Pbench -DskipTests                     # all defaults
 *   ./test -q -o -pl engine -Pbench -DskipTests -Dbench.args="--dtypes Q8_0 --shape tiny"
 * </pre>
 *
 * Timings are wall-clock on whatever machine runs it; it is a benchmark, never a test.
 */
public final class Bench {
  private record Options(List<DType> dtypes, BenchModelWriter.Shape shape, String shapeName, Path dir, int threads,
      int decodeTokens, int batchTokens, List<Integer> concurrency, int mixedRequests, int mixedConcurrency, Path report,
      Device device) {}

  /** One dtype's results. */
  private record Result(DType dtype, long fileBytes, long weightBytesPerToken, double decodeTokPerSec,
      List<double[]> batched, double kvWasteAtPeak, long peakSlots, long usedSlotsAtPeak, double continuousTokPerSec,
      double staticTokPerSec,
      double memcpyBytesPerSec) {
    double bandwidthRatio() {
      return decodeTokPerSec * weightBytesPerToken / memcpyBytesPerSec;
    }
  }

  private Bench() {}

  public static void main(String[] args) throws Exception {
    Options o = parse(args);
    log("machine: %d cores visible, max heap %d MiB, java %s", Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20, System.getProperty("java.version"));
    log("model: Llama-shaped %s, %,d parameters; dtypes %s; threads %d; device %s", o.shapeName(),
        o.shape().numParameters(), o.dtypes(), o.threads(), o.device());
    double memcpy = memcpyBandwidth();
    log("memcpy bandwidth: %.2f GB/s (bytes copied per second, best of 5 x 256 MiB)", memcpy / 1e9);
    List<Result> results = new ArrayList<>();
    for (DType dtype : o.dtypes()) {
      results.add(run(o, dtype, memcpy, results.isEmpty()));
    }
    String table = table(o, results, memcpy);
    System.out.println();
    System.out.println(table);
    if (o.report() != null) {
      Files.writeString(o.report(), table + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      log("appended results to %s", o.report());
    }
  }

  /** @param measureWaste whether to run the KV-waste workload (a property of the cache, not the dtype: run once) */
  private static Result run(Options o, DType dtype, double memcpy, boolean measureWaste) throws Exception {
    Path file = o.dir().resolve("bench-llama-" + o.shapeName() + "-" + dtype + ".gguf");
    if (!Files.exists(file)) {
      log("%s: writing %s", dtype, file);
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      BenchModelWriter.write(tmp, o.shape(), dtype, 42, f -> log("%s: writing model %3.0f%%", dtype, 100 * f));
      Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } else {
      log("%s: reusing %s", dtype, file);
    }
    LoadedModel loaded = ModelLoader.load(file);
    Tokenizer tokenizer = Tokenizer.fromGguf(loaded.ggufMetadata());
    long bytesPerToken = loaded.weights().bytesPerToken();
    int maxSeqs = Math.max(o.concurrency().stream().mapToInt(Integer::intValue).max().orElse(64), o.mixedConcurrency());
    int maxModelLen = 512;
    double decode;
    double continuous;
    double stat;
    List<double[]> batched = new ArrayList<>();
    try (Engine engine = engine(o, loaded, tokenizer, maxSeqs, maxModelLen)) {
      log("%s: warm-up (JIT): 1 then 8 sequences", dtype);
      runConcurrent(engine, 1, 16, 16, 1);
      runConcurrent(engine, 8, 8, 16, 2);

      log("%s: single-stream decode, %d tokens", dtype, o.decodeTokens());
      decode = singleStream(engine, o.decodeTokens());
      log("%s: single-stream decode %.2f tok/s (%.2f GB/s of weights)", dtype, decode, decode * bytesPerToken / 1e9);

      for (int c : o.concurrency()) {
        log("%s: %d concurrent sequences x %d tokens", dtype, c, o.batchTokens());
        double[] tps = runConcurrent(engine, c, o.batchTokens(), 16, 7 + c);
        batched.add(new double[] {c, tps[0], tps[1]});
        log("%s: %d concurrent: %.2f output tok/s end to end, %.2f tok/s steady-state decode", dtype, c, tps[0], tps[1]);
      }
      log("%s: mixed-length workload, %d requests, %d in flight: continuous batching", dtype, o.mixedRequests(),
          o.mixedConcurrency());
      continuous = mixed(engine, o, false);
      log("%s: continuous %.2f tok/s; now static batching (next batch starts when the whole batch is done)", dtype, continuous);
      stat = mixed(engine, o, true);
      log("%s: static %.2f tok/s", dtype, stat);
    }
    EngineStats stats = null;
    if (measureWaste) try (Engine engine = engine(o, loaded, tokenizer, maxSeqs, maxModelLen)) {
      log("%s: KV cache waste: 8 sequences, prompts of 64..320 tokens, 16..48 output tokens", dtype);
      SplittableRandom random = new SplittableRandom(5);
      List<GenerationStream> streams = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        streams.add(engine.submit(GenerationRequest.of("w" + IDS.incrementAndGet(),
            Prompt.tokens(prompt(random, 64 + random.nextInt(257))), greedy(16 + random.nextInt(33)))));
      }
      streams.forEach(GenerationStream::collect);
      stats = engine.stats();
      log("%s: KV cache at peak: %d slots allocated, %d used, waste %.2f%%", dtype, stats.peakKvSlotsAllocated(),
          stats.kvSlotsUsedAtPeak(), 100 * stats.kvCacheWasteAtPeak());
    }
    return new Result(dtype, Files.size(file), bytesPerToken, decode, batched,
        stats == null ? Double.NaN : stats.kvCacheWasteAtPeak(), stats == null ? 0 : stats.peakKvSlotsAllocated(),
        stats == null ? 0 : stats.kvSlotsUsedAtPeak(), continuous, stat, memcpy);
  }

  private static Engine engine(Options o, LoadedModel loaded, Tokenizer tokenizer, int maxSeqs, int maxModelLen) {
    return Engine.builder()
        .backend(switch (o.device()) {
          // GPU weights and KV cache: batches up to 512 tokens, the whole cache planned from 90% of the GPU.
          case CUDA -> CudaBackend.create(loaded, new CudaBackend.Options(0, 0.9, 512, maxSeqs, maxModelLen, 16,
              CudaBackend.KvCacheType.auto(loaded.weights()), false));
          case CPU, AUTO -> CpuBackend.create(loaded, o.threads(), true);
        })
        .tokenizer(tokenizer)
        .maxNumSeqs(maxSeqs)
        .maxModelLen(maxModelLen)
        .maxNumBatchedTokens(512)
        .kvCacheBytes((long) maxSeqs * maxModelLen * 2 * loaded.config().numLayers() * loaded.config().kvDim() * Float.BYTES)
        .enablePrefixCaching(false) // every prompt is distinct; keeps the waste measure exact
        .build();
  }

  private static SamplingParams greedy(int maxTokens) {
    return SamplingParams.builder().temperature(0).ignoreEos(true).maxTokens(maxTokens).build();
  }

  private static final AtomicInteger IDS = new AtomicInteger();

  private static int[] prompt(SplittableRandom random, int length) {
    int[] p = new int[length];
    for (int i = 0; i < length; i++) {
      p[i] = random.nextInt(256);
    }
    return p;
  }

  /** Decode tokens/s of one sequence: time from its first output (prefill done) to its last. */
  private static double singleStream(Engine engine, int tokens) {
    SplittableRandom random = new SplittableRandom(3);
    try (GenerationStream stream = engine.submit(GenerationRequest.of("single-" + IDS.incrementAndGet(),
        Prompt.tokens(prompt(random, 16)), greedy(tokens)))) {
      long first = 0;
      long last = 0;
      int n = 0;
      for (RequestOutput out : stream) {
        n += out.tokenIds().length;
        last = System.nanoTime();
        if (first == 0) {
          first = last;
        }
      }
      return (n - 1) / ((last - first) / 1e9);
    }
  }

  /**
   * Runs {@code concurrency} sequences submitted together, {@code tokens} output tokens each.
   * Returns {output tokens/s end to end (prefills included), decode tokens/s in steady state}:
   * the second counts only tokens that arrived after every sequence had its first token, over
   * that window, so it measures batched decoding without the prefill of the prompts.
   */
  private static double[] runConcurrent(Engine engine, int concurrency, int tokens, int promptLength, long seed)
      throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    List<GenerationStream> streams = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < concurrency; i++) {
      streams.add(engine.submit(GenerationRequest.of("c" + IDS.incrementAndGet(), Prompt.tokens(prompt(random, promptLength)),
          greedy(tokens))));
    }
    List<long[]> arrivals = new ArrayList<>();
    try (ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<long[]>> futures = new ArrayList<>();
      for (GenerationStream s : streams) {
        futures.add(readers.submit(() -> {
          long[] times = new long[tokens];
          int n = 0;
          for (RequestOutput out : s) {
            for (int k = 0; k < out.tokenIds().length && n < times.length; k++) {
              times[n++] = System.nanoTime();
            }
          }
          return java.util.Arrays.copyOf(times, n);
        }));
      }
      for (Future<long[]> f : futures) {
        arrivals.add(f.get());
      }
    }
    long end = System.nanoTime();
    long windowStart = 0;
    long generated = 0;
    for (long[] a : arrivals) {
      windowStart = Math.max(windowStart, a[0]);
      generated += a.length;
    }
    long inWindow = 0;
    long lastArrival = 0;
    for (long[] a : arrivals) {
      for (long t : a) {
        if (t > windowStart) {
          inWindow++;
        }
        lastArrival = Math.max(lastArrival, t);
      }
    }
    double endToEnd = generated / ((end - start) / 1e9);
    double decode = lastArrival > windowStart ? inWindow / ((lastArrival - windowStart) / 1e9) : Double.NaN;
    return new double[] {endToEnd, decode};
  }

  /**
   * The same mixed workload (prompt 8..64 tokens, output 8..64 tokens) either continuously (a new
   * request enters as soon as one finishes) or statically (batches of {@code mixedConcurrency}
   * requests; the next batch waits for the slowest of the previous one, as with a padded batch
   * — though our static emulation does not spend compute on the finished rows, which flatters it).
   */
  private static double mixed(Engine engine, Options o, boolean staticBatches) throws Exception {
    SplittableRandom random = new SplittableRandom(11);
    int n = o.mixedRequests();
    int[][] prompts = new int[n][];
    int[] lengths = new int[n];
    for (int i = 0; i < n; i++) {
      prompts[i] = prompt(random, 8 + random.nextInt(57));
      lengths[i] = 8 + random.nextInt(57);
    }
    long start = System.nanoTime();
    long generated = 0;
    if (staticBatches) {
      for (int b = 0; b < n; b += o.mixedConcurrency()) {
        List<GenerationStream> batch = new ArrayList<>();
        for (int i = b; i < Math.min(n, b + o.mixedConcurrency()); i++) {
          batch.add(engine.submit(GenerationRequest.of("s" + IDS.incrementAndGet(), Prompt.tokens(prompts[i]), greedy(lengths[i]))));
        }
        for (GenerationStream s : batch) {
          generated += s.collect().tokenIds().length;
        }
      }
    } else {
      try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
        AtomicInteger next = new AtomicInteger();
        List<Future<Long>> workers = new ArrayList<>();
        for (int w = 0; w < o.mixedConcurrency(); w++) {
          workers.add(clients.submit(() -> {
            long mine = 0;
            for (int i; (i = next.getAndIncrement()) < n; ) {
              mine += engine.submit(GenerationRequest.of("m" + IDS.incrementAndGet(), Prompt.tokens(prompts[i]),
                  greedy(lengths[i]))).collect().tokenIds().length;
            }
            return mine;
          }));
        }
        for (Future<Long> f : workers) {
          generated += f.get();
        }
      }
    }
    return generated / ((System.nanoTime() - start) / 1e9);
  }

  /** Bytes copied per second by System.arraycopy of 256 MiB, best of 5 (after one warm-up). */
  static double memcpyBandwidth() {
    byte[] a = new byte[256 << 20];
    byte[] b = new byte[256 << 20];
    java.util.Arrays.fill(a, (byte) 1);
    double best = 0;
    for (int i = 0; i < 6; i++) {
      long t = System.nanoTime();
      System.arraycopy(a, 0, b, 0, a.length);
      double bw = a.length / ((System.nanoTime() - t) / 1e9);
      if (i > 0) {
        best = Math.max(best, bw);
      }
    }
    return best;
  }

  private static String table(Options o, List<Result> results, double memcpy) {
    StringBuilder t = new StringBuilder();
    t.append(String.format(Locale.ROOT, "Bench %s: Llama-shaped %s model (%,d parameters, random weights, GGUF), %d threads, "
        + "%d cores visible; memcpy %.2f GB/s%n%n", LocalDate.now(), o.shapeName(), o.shape().numParameters(), o.threads(),
        Runtime.getRuntime().availableProcessors(), memcpy / 1e9));
    t.append("Single-stream decode and the memory-bandwidth bound (ratio = weight bytes read per second / memcpy bytes per second):\n\n");
    t.append("| dtype | file MiB | weight MiB read / token | decode tok/s | weight GB/s | bandwidth ratio |\n|---|---|---|---|---|---|\n");
    for (Result r : results) {
      t.append(String.format(Locale.ROOT, "| %s | %.0f | %.1f | %.2f | %.2f | %.2f |%n", r.dtype(), r.fileBytes() / 1048576.0,
          r.weightBytesPerToken() / 1048576.0, r.decodeTokPerSec(), r.decodeTokPerSec() * r.weightBytesPerToken() / 1e9,
          r.bandwidthRatio()));
    }
    t.append(String.format(Locale.ROOT, "%nConcurrent sequences (prompt 16 tokens, %d output tokens each): output tok/s end to end "
        + "(prefills included) / steady-state decode tok/s (after every sequence has its first token):%n%n", o.batchTokens()));
    t.append("| dtype |");
    for (int c : o.concurrency()) {
      t.append(" ").append(c).append(c == 1 ? " seq |" : " seqs |");
    }
    t.append(" decode 16 vs 1 |\n|---|").append("---|".repeat(o.concurrency().size())).append("---|\n");
    for (Result r : results) {
      t.append("| ").append(r.dtype()).append(" |");
      double one = Double.NaN;
      double sixteen = Double.NaN;
      for (double[] b : r.batched()) {
        t.append(String.format(Locale.ROOT, " %.1f / %.1f |", b[1], b[2]));
        one = b[0] == 1 ? b[2] : one;
        sixteen = b[0] == 16 ? b[2] : sixteen;
      }
      t.append(Double.isNaN(sixteen / one) ? " n/a |" : String.format(Locale.ROOT, " %.1fx |", sixteen / one)).append("\n");
    }
    t.append(String.format(Locale.ROOT, "%nContinuous vs static batching, %d requests (prompt 8..64, output 8..64 tokens), "
        + "%d in flight, output tok/s:%n%n| dtype | continuous | static | gain |%n|---|---|---|---|%n", o.mixedRequests(),
        o.mixedConcurrency()));
    for (Result r : results) {
      t.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2fx |%n", r.dtype(), r.continuousTokPerSec(),
          r.staticTokPerSec(), r.continuousTokPerSec() / r.staticTokPerSec()));
    }
    Result w = results.get(0);
    t.append(String.format(Locale.ROOT, "%nKV cache waste at peak (8 sequences, prompts 64..320, outputs 16..48 tokens, block 16, "
        + "measured once with %s): %d slots allocated, %d holding K/V: %.2f%% allocated but unused.%n", w.dtype(),
        w.peakSlots(), w.usedSlotsAtPeak(), 100 * w.kvWasteAtPeak()));
    return t.toString();
  }

  private static Options parse(String[] args) {
    List<DType> dtypes = List.of(DType.F32, DType.Q8_0, DType.Q4_0);
    BenchModelWriter.Shape shape = BenchModelWriter.LLAMA_125M;
    String shapeName = "125m";
    Path dir = Path.of("target", "bench-models");
    int threads = Runtime.getRuntime().availableProcessors();
    int decodeTokens = 32;
    int batchTokens = 32;
    List<Integer> concurrency = List.of(1, 4, 16, 64);
    int mixedRequests = 32;
    int mixedConcurrency = 16;
    Path report = null;
    Device device = Device.CPU;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.isBlank()) {
        continue;
      }
      if (a.equals("--help") || a.equals("-h")) {
        System.out.println("usage: Bench [--dtypes F32,Q8_0,Q4_0] [--shape 125m|tiny] [--dir DIR] [--threads N]"
            + " [--decode-tokens N] [--batch-tokens N] [--concurrency 1,4,16,64] [--mixed-requests N] [--report FILE]"
            + " [--device cpu|cuda]");
        System.exit(0);
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(a + " needs a value; see --help");
      }
      String v = args[++i];
      switch (a) {
        case "--dtypes" -> dtypes = parseList(v, s -> {
          DType d = DType.valueOf(s.trim().toUpperCase(Locale.ROOT));
          if (d != DType.F32 && d != DType.Q8_0 && d != DType.Q4_0) {
            throw new IllegalArgumentException("--dtypes takes F32, Q8_0 or Q4_0, got " + s);
          }
          return d;
        });
        case "--shape" -> {
          shapeName = v;
          shape = switch (v) {
            case "125m" -> BenchModelWriter.LLAMA_125M;
            case "tiny" -> BenchModelWriter.TINY;
            default -> throw new IllegalArgumentException("--shape must be 125m or tiny, got " + v);
          };
        }
        case "--dir" -> dir = Path.of(v);
        case "--threads" -> threads = positive(a, v);
        case "--decode-tokens" -> decodeTokens = positive(a, v);
        case "--batch-tokens" -> batchTokens = positive(a, v);
        case "--concurrency" -> concurrency = parseList(v, s -> positive(a, s));
        case "--mixed-requests" -> mixedRequests = positive(a, v);
        case "--report" -> report = Path.of(v);
        // cuda: fails here, saying why, when no GPU is usable (CudaProbe), rather than silently benchmarking the CPU
        case "--device" -> device = Device.parse(v).resolve(CudaProbe::probe);
        default -> throw new IllegalArgumentException("unknown option " + a + "; see --help");
      }
    }
    return new Options(dtypes, shape, shapeName, dir, threads, decodeTokens, batchTokens, concurrency, mixedRequests,
        mixedConcurrency, report, device);
  }

  private static <T> List<T> parseList(String v, java.util.function.Function<String, T> f) {
    return java.util.Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).map(f).toList();
  }

  private static int positive(String flag, String v) {
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // fall through to the message
    }
    throw new IllegalArgumentException(flag + " must be a positive integer, got '" + v + "'");
  }

  private static final long T0 = System.nanoTime();

  private static void log(String format, Object... args) {
    System.out.printf(Locale.ROOT, "[bench %6.1fs] %s%n", (System.nanoTime() - T0) / 1e9, String.format(Locale.ROOT, format, args));
    System.out.flush();
  }

}
