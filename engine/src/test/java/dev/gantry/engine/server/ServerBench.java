package dev.gantry.engine.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.engine.api.Engine;
import dev.gantry.engine.api.GenerationRequest;
import dev.gantry.engine.api.GenerationStream;
import dev.gantry.engine.api.Prompt;
import dev.gantry.engine.api.RequestOutput;
import dev.gantry.engine.model.Architecture;
import dev.gantry.engine.sampling.SamplingParams;
import dev.gantry.engine.testing.TestModels;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Load generator for the OpenAI server (docs/PERFORMANCE.md, engine-server section): N
 * concurrent streaming clients each send requests back to back (greedy, ignore_eos, fixed
 * prompt and max_tokens) for a fixed count; it reports requests/s and TTFT, inter-token latency
 * and end-to-end percentiles at 1, 8 and 32 streams — over HTTP (SSE, loopback) with two
 * clients (a minimal keep-alive socket client, and the JDK HttpClient, which adds its own
 * thread hand-offs) and, as the baseline, through the Engine API directly with the same
 * workload. The difference is what HTTP, JSON and SSE add.
 *
 * <p>Pitfalls avoided: a warm-up round runs first (JIT, prefix cache, connection pool), the same
 * engine serves both paths, prefix caching is off so repeated prompts do not get cheaper, and
 * the client counts a token when its SSE line arrives, not when the response completes. Client
 * and server share the machine's cores, which inflates both paths alike.
 *
 * <pre>
 *   ./test -q -o -pl engine -Pserver-bench -DskipTests [-Dserver.bench.args="8 32"]   # requests per stream, max tokens
 * </pre>
 */
public final class ServerBench {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int ROUNDS = 3;

  record Sample(double ttftMs, double e2eMs, List<Double> itlMs) {}

  /** @param cpuSeconds CPU time of the whole process (engine, server and client) during the run */
  record Row(String path, int concurrency, int requests, double seconds, List<Sample> samples, double cpuSeconds) {
    double cpuMsPerRequest() {
      return cpuSeconds * 1000 / requests;
    }

    double requestsPerSecond() {
      return requests / seconds;
    }
  }

  public static void main(String[] args) throws Exception {
    Main.useSystemThreadPollers(); // as gantry-engine serve does
    int requestsPerStream = 8;
    int maxTokens = 32;
    int[] concurrencies = {1, 8, 32};
    if (args.length > 2) {
      throw new IllegalArgumentException("usage: ServerBench [REQUESTS_PER_STREAM [MAX_TOKENS]], got " + List.of(args));
    }
    if (args.length > 0) {
      requestsPerStream = Integer.parseInt(args[0]);
    }
    if (args.length > 1) {
      maxTokens = Integer.parseInt(args[1]);
    }
    Path dir = Files.createTempDirectory("gantry-server-bench");
    Path model = TestModels.write(dir, TestModels.spec(Architecture.LLAMA)).path();
    String prompt = "The quick brown fox jumps over the lazy dog. A paged key-value cache stores the keys";
    try (Engine engine = Engine.builder().model(model).maxModelLen(512).maxNumSeqs(32).kvCacheBytes(64L << 20)
        .enablePrefixCaching(false).build()) {
      ServerConfig config = ServerConfig.defaults("bench", 32);
      try (OpenAiServer server = OpenAiServer.start(engine, config)) {
        String url = "http://127.0.0.1:" + server.port() + "/v1/completions";
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        runHttp(http, url, prompt, maxTokens, 4, 2); // warm-up
        runRaw(server.port(), prompt, maxTokens, 4, 2);
        runDirect(engine, prompt, maxTokens, 4, 2);
        List<Row> rows = new ArrayList<>();
        for (int c : concurrencies) {
          // Alternate the paths in rounds so all see the same (noisy, shared) machine.
          List<Row> direct = new ArrayList<>();
          List<Row> raw = new ArrayList<>();
          List<Row> overHttp = new ArrayList<>();
          for (int round = 0; round < ROUNDS; round++) {
            direct.add(runDirect(engine, prompt, maxTokens, c, requestsPerStream));
            raw.add(runRaw(server.port(), prompt, maxTokens, c, requestsPerStream));
            overHttp.add(runHttp(http, url, prompt, maxTokens, c, requestsPerStream));
          }
          rows.add(pool(direct));
          rows.add(pool(raw));
          rows.add(pool(overHttp));
        }
        System.out.println(table(rows, maxTokens, requestsPerStream));
      }
    }
  }

  private static Row runHttp(HttpClient http, String url, String prompt, int maxTokens, int concurrency, int perStream)
      throws Exception {
    String body = JSON.createObjectNode().put("model", "bench").put("prompt", prompt).put("max_tokens", maxTokens)
        .put("temperature", 0).put("ignore_eos", true).put("stream", true).toString();
    return run("HTTP+SSE JDK HttpClient", concurrency, perStream, () -> {
      long t0 = System.nanoTime();
      HttpResponse<Stream<String>> r = http.send(HttpRequest.newBuilder(URI.create(url))
          .header("Content-Type", "application/json").timeout(Duration.ofMinutes(5))
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofLines());
      if (r.statusCode() != 200) {
        throw new IllegalStateException("HTTP " + r.statusCode());
      }
      List<Long> arrivals = new ArrayList<>();
      Iterator<String> lines = r.body().iterator();
      while (lines.hasNext()) {
        String line = lines.next();
        if (line.startsWith("data: {")) {
          JsonNode chunk = JSON.readTree(line.substring(6));
          if (!chunk.at("/choices/0/text").asText().isEmpty()) {
            arrivals.add(System.nanoTime());
          }
        }
      }
      return sample(t0, arrivals, System.nanoTime());
    });
  }

  /**
   * The same requests from a minimal HTTP/1.1 client: one keep-alive socket per stream, the
   * chunked SSE body parsed in place, a token counted when its event's bytes are read. The JDK
   * HttpClient adds its selector and executor threads (two hand-offs per read) to every event;
   * this client adds none, so its row shows what the server itself adds.
   */
  private static Row runRaw(int port, String prompt, int maxTokens, int concurrency, int perStream) throws Exception {
    byte[] body = JSON.createObjectNode().put("model", "bench").put("prompt", prompt).put("max_tokens", maxTokens)
        .put("temperature", 0).put("ignore_eos", true).put("stream", true).toString().getBytes(StandardCharsets.UTF_8);
    byte[] request = concat(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII), body);
    ThreadLocal<Socket> sockets = new ThreadLocal<>();
    List<Socket> opened = Collections.synchronizedList(new ArrayList<>());
    try {
      return run("HTTP+SSE raw client", concurrency, perStream, () -> {
        Socket socket = sockets.get();
        if (socket == null) {
          socket = new Socket("127.0.0.1", port);
          socket.setTcpNoDelay(true);
          sockets.set(socket);
          opened.add(socket);
        }
        long t0 = System.nanoTime();
        socket.getOutputStream().write(request);
        socket.getOutputStream().flush();
        List<Long> arrivals = new ArrayList<>();
        readSse(new DataInputStream(socket.getInputStream()), arrivals);
        return sample(t0, arrivals, System.nanoTime());
      });
    } finally {
      for (Socket s : opened) {
        s.close();
      }
    }
  }

  /** Reads one chunked SSE response to its last chunk, noting when each event with text arrives. */
  private static void readSse(DataInputStream in, List<Long> arrivals) throws IOException {
    String status = line(in);
    if (!status.startsWith("HTTP/1.1 200")) {
      throw new IllegalStateException(status);
    }
    int contentLength = -1;
    for (String header; !(header = line(in)).isEmpty(); ) {
      if (header.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        contentLength = Integer.parseInt(header.substring(15).trim());
      }
    }
    if (contentLength >= 0) { // the whole stream was ready before the first flush (e.g. one token)
      byte[] body = new byte[contentLength];
      in.readFully(body);
      countTextEvents(body, arrivals);
      return;
    }
    for (int size; (size = Integer.parseInt(line(in), 16)) > 0; ) {
      byte[] chunk = new byte[size];
      in.readFully(chunk);
      line(in);
      countTextEvents(chunk, arrivals);
    }
    line(in); // the empty trailer line
  }

  private static final byte[] TEXT_FIELD = "\"text\":\"".getBytes(StandardCharsets.US_ASCII);

  /** A chunk holds one event, or the last ones together: notes an arrival for each whose text is not empty. */
  private static void countTextEvents(byte[] bytes, List<Long> arrivals) {
    long now = System.nanoTime();
    for (int at = 0; (at = indexOf(bytes, TEXT_FIELD, at)) >= 0; at += TEXT_FIELD.length) {
      if (bytes[at + TEXT_FIELD.length] != '"') {
        arrivals.add(now);
      }
    }
  }

  private static String line(DataInputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    for (int c; (c = in.read()) != '\n'; ) {
      if (c < 0) {
        throw new EOFException("connection closed");
      }
      if (c != '\r') {
        b.append((char) c);
      }
    }
    return b.toString();
  }

  private static int indexOf(byte[] haystack, byte[] needle, int from) {
    outer:
    for (int i = from; i + needle.length < haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] all = new byte[a.length + b.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  private static final AtomicInteger IDS = new AtomicInteger();

  private static Row runDirect(Engine engine, String prompt, int maxTokens, int concurrency, int perStream)
      throws Exception {
    SamplingParams params = SamplingParams.builder().temperature(0).maxTokens(maxTokens).ignoreEos(true).build();
    return run("Engine API", concurrency, perStream, () -> {
      long t0 = System.nanoTime();
      // The server tokenizes in the handler too, so the baseline pays for it as well.
      int[] ids = engine.tokenizer().encode(prompt);
      List<Long> arrivals = new ArrayList<>();
      try (GenerationStream s = engine.submit(GenerationRequest.of("bench-" + IDS.incrementAndGet(), Prompt.tokens(ids),
          params))) {
        for (RequestOutput o : s) {
          if (!o.text().isEmpty()) {
            arrivals.add(System.nanoTime());
          }
        }
      }
      return sample(t0, arrivals, System.nanoTime());
    });
  }

  interface Client {
    Sample request() throws Exception;
  }

  private static Row run(String path, int concurrency, int perStream, Client client) throws Exception {
    List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
    long cpu0 = processCpuNanos();
    long t0 = System.nanoTime();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> futures = new ArrayList<>();
      for (int c = 0; c < concurrency; c++) {
        futures.add(pool.submit(() -> {
          for (int i = 0; i < perStream; i++) {
            samples.add(client.request());
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    }
    return new Row(path, concurrency, concurrency * perStream, (System.nanoTime() - t0) / 1e9, samples,
        (processCpuNanos() - cpu0) / 1e9);
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** Rounds of one path and concurrency as one row: all samples, requests over total time. */
  private static Row pool(List<Row> rounds) {
    List<Sample> samples = new ArrayList<>();
    double seconds = 0;
    double cpu = 0;
    int requests = 0;
    for (Row r : rounds) {
      samples.addAll(r.samples());
      seconds += r.seconds();
      cpu += r.cpuSeconds();
      requests += r.requests();
    }
    return new Row(rounds.get(0).path(), rounds.get(0).concurrency(), requests, seconds, samples, cpu);
  }

  private static Sample sample(long t0, List<Long> arrivals, long end) {
    List<Double> itl = new ArrayList<>();
    for (int i = 1; i < arrivals.size(); i++) {
      itl.add((arrivals.get(i) - arrivals.get(i - 1)) / 1e6);
    }
    double ttft = arrivals.isEmpty() ? Double.NaN : (arrivals.get(0) - t0) / 1e6;
    return new Sample(ttft, (end - t0) / 1e6, itl);
  }

  private static double percentile(List<Double> values, double p) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    int i = (int) Math.min(sorted.size() - 1, Math.max(0, Math.ceil(p / 100 * sorted.size()) - 1));
    return sorted.get(i);
  }

  private static String table(List<Row> rows, int maxTokens, int perStream) {
    StringBuilder t = new StringBuilder();
    t.append(String.format(Locale.ROOT, "%d rounds x %d requests per stream, %d tokens each (greedy, ignore_eos)%n%n",
        ROUNDS, perStream, maxTokens));
    t.append("| path | streams | req/s | TTFT p50 / p90 / p99 ms | ITL p50 / p90 / p99 ms | e2e p50 / p99 ms | CPU ms / req |\n");
    t.append("|---|---|---|---|---|---|---|\n");
    for (Row r : rows) {
      List<Double> ttft = r.samples().stream().map(Sample::ttftMs).toList();
      List<Double> e2e = r.samples().stream().map(Sample::e2eMs).toList();
      List<Double> itl = r.samples().stream().flatMap(s -> s.itlMs().stream()).toList();
      t.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.2f / %.2f / %.2f | %.2f / %.2f / %.2f | %.1f / %.1f | %.2f |%n",
          r.path(), r.concurrency(), r.requestsPerSecond(), percentile(ttft, 50), percentile(ttft, 90),
          percentile(ttft, 99), percentile(itl, 50), percentile(itl, 90), percentile(itl, 99), percentile(e2e, 50),
          percentile(e2e, 99), r.cpuMsPerRequest()));
    }
    t.append("\nHTTP overhead (each HTTP path minus the Engine API, p50):\n");
    for (int i = 0; i + 2 < rows.size(); i += 3) {
      Row direct = rows.get(i);
      for (Row http : List.of(rows.get(i + 1), rows.get(i + 2))) {
        t.append(String.format(Locale.ROOT,
            "  %d streams, %s: CPU %+.2f ms per request (server + client); wall p50: TTFT %+.2f ms, e2e %+.2f ms, ITL %+.3f ms%n",
            direct.concurrency(), http.path(), http.cpuMsPerRequest() - direct.cpuMsPerRequest(),
            percentile(http.samples().stream().map(Sample::ttftMs).toList(), 50)
                - percentile(direct.samples().stream().map(Sample::ttftMs).toList(), 50),
            percentile(http.samples().stream().map(Sample::e2eMs).toList(), 50)
                - percentile(direct.samples().stream().map(Sample::e2eMs).toList(), 50),
            percentile(http.samples().stream().flatMap(s -> s.itlMs().stream()).toList(), 50)
                - percentile(direct.samples().stream().flatMap(s -> s.itlMs().stream()).toList(), 50)));
      }
    }
    return t.toString();
  }
}
