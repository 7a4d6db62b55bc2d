package dev.gantry.engine.server;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.engine.api.Engine;
import dev.gantry.engine.api.EngineStats;
import dev.gantry.engine.api.GenerationRequest;
import dev.gantry.engine.api.GenerationStream;
import dev.gantry.engine.api.Prompt;
import dev.gantry.engine.api.RequestOutput;
import dev.gantry.engine.sampling.SampledToken;
import dev.gantry.engine.server.OpenAiRequest.Choice;
import dev.gantry.engine.server.OpenAiRequest.Endpoint;
import dev.gantry.engine.server.Responses.ChoiceState;
import dev.gantry.engine.server.ServerMetrics.SequenceTimer;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The engine's OpenAI-compatible HTTP server on Helidon SE 4: {@code /v1/completions},
 * {@code /v1/chat/completions} (JSON or server-sent events ending in {@code data: [DONE]}),
 * {@code /v1/models}, {@code /tokenize}, {@code /detokenize}, {@code /health}, {@code /metrics}
 * (vLLM's names) and {@code /version}. Handlers are plain blocking code on Helidon's virtual
 * threads; the engine's own thread does the compute, and {@link Admission} bounds what waits
 * for it (429 when full). {@link #drain} implements graceful shutdown: new requests get 503 with
 * {@code Connection: close} while in-flight ones finish.
 *
 * <pre>
 *   OpenAiServer server = OpenAiServer.start(engine, config);   // listens
 *   ... server.drain(Duration.ofSeconds(30)); server.close();   // on SIGTERM
 * </pre>
 *
 * Tests call {@link #routing(HttpRouting.Builder)} like {@link #start} does.
 */
public final class OpenAiServer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(OpenAiServer.class.getName());
  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);

  private final Engine engine;
  private final ServerConfig config;
  private final ObjectMapper json = new ObjectMapper();
  private final ServedModels models;
  private final RequestParser parser;
  private final Responses responses;
  private final Admission admission;
  private final ServerMetrics metrics;
  private final Watchdog watchdog;
  private final byte[] apiKeyBytes;
  private final AtomicBoolean draining = new AtomicBoolean();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Object drainLock = new Object();
  private final ScheduledExecutorService monitor;
  private final long createdEpochSeconds = Instant.now().getEpochSecond();
  private volatile Watchdog.Verdict lastVerdict = new Watchdog.Healthy();
  private WebServer webServer;

  OpenAiServer(Engine engine, ServerConfig config) {
    this.engine = engine;
    this.config = config;
    this.models = new ServedModels(config.servedModelNames(), config.modelRoot());
    LongSupplier defaultSeed = null;
    if (config.seed() != null) {
      Random seeds = new Random(config.seed());
      defaultSeed = () -> {
        synchronized (seeds) {
          return seeds.nextLong();
        }
      };
    }
    this.parser = new RequestParser(engine.tokenizer(), engine.maxModelLen(), config.maxNumSeqs(), models, defaultSeed,
        json);
    this.responses = new Responses(json, engine.tokenizer());
    this.admission = new Admission(config.maxNumSeqs(), config.maxNumQueuedRequests(), config.queueTimeout());
    this.metrics = new ServerMetrics(models.primary(), engine.maxModelLen(), engine::stats, admission::waiting);
    this.watchdog = new Watchdog(engine::isRunning, this::hasWork, () -> engine.stats().numSteps(), System::nanoTime,
        config.watchdogTimeout());
    this.apiKeyBytes = config.apiKey() == null ? null : config.apiKey().getBytes(StandardCharsets.UTF_8);
    this.monitor = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon(true)
        .name("gantry-server-monitor").unstarted(r));
    monitor.scheduleAtFixedRate(this::tick, 20, 20, TimeUnit.MILLISECONDS);
  }

  /** Starts listening on {@code config.host():config.port()} (port 0 picks a free one, see {@link #port()}). */
  public static OpenAiServer start(Engine engine, ServerConfig config) {
    OpenAiServer server = new OpenAiServer(engine, config);
    server.webServer = WebServer.builder()
        .host(config.host())
        .port(config.port())
        .shutdownHook(false) // we drain on SIGTERM ourselves; Helidon's hook would cut in-flight streams
        .maxPayloadSize(-1) // the handlers enforce --max-request-bytes with an OpenAI-shaped 413
        .addConnectionSelector(ClientWatch.http1Selector()) // ahead of Helidon's: notices clients that leave
        // Helidon leaves Nagle on: each SSE event would wait for the client's (delayed, up to 40 ms)
        // ACK of the previous one. Tokens must leave when they are written.
        .connectionOptions(o -> o.tcpNoDelay(true))
        .routing(server::routing)
        .build()
        .start();
    return server;
  }

  /** The port listened on. */
  public int port() {
    return webServer.port();
  }

  /** The routes; {@link #start} and tests use the same. */
  void routing(HttpRouting.Builder r) {
    r.post("/v1/completions", guard(true, (req, res) -> generate(req, res, Endpoint.COMPLETIONS)))
        .post("/v1/chat/completions", guard(true, (req, res) -> generate(req, res, Endpoint.CHAT)))
        .get("/v1/models", guard(true, this::listModels))
        .post("/tokenize", guard(true, this::tokenize))
        .post("/detokenize", guard(true, this::detokenize))
        .get(Main.HEALTH_PATH, guard(false, this::health))
        .get(Main.METRICS_PATH, guard(false, this::scrape))
        .get("/version", guard(false, (req, res) -> sendJson(res, 200, json.createObjectNode().put("version", version()))))
        .any(guard(false, (req, res) -> {
          String path = req.path().path();
          String allowed = switch (path) {
            case "/v1/completions", "/v1/chat/completions", "/tokenize", "/detokenize" -> "POST";
            case "/v1/models", "/health", "/metrics", "/version" -> "GET";
            default -> null;
          };
          if (allowed != null) {
            res.header(HeaderNames.ALLOW, allowed);
            throw new ApiException(405, "invalid_request_error", null, "method_not_allowed",
                req.prologue().method().text() + " is not allowed on " + path + "; use " + allowed, null);
          }
          throw ApiException.notFound(req.prologue().method().text() + " " + path);
        }))
        .error(Throwable.class, (req, res, t) -> internalError(res, "unhandled", t));
  }

  /**
   * Stops accepting requests (503 with {@code Connection: close}; {@code /health} 503) and waits
   * for in-flight ones to finish, at most {@code timeout}.
   *
   * @return whether all finished in time
   */
  public boolean drain(Duration timeout) {
    draining.set(true);
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (drainLock) {
      while (inFlight.get() > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(drainLock, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
    return true;
  }

  /** Stops the listener and the monitor; the engine is the caller's to close. */
  @Override
  public void close() {
    monitor.shutdownNow();
    if (webServer != null) {
      webServer.stop();
    }
  }

  int inFlight() {
    return inFlight.get();
  }

  Admission admission() {
    return admission;
  }

  private boolean hasWork() {
    EngineStats s = engine.stats();
    return admission.sequencesInFlight() > 0 || s.numRunning() + s.numWaiting() > 0;
  }

  private void tick() {
    try {
      metrics.sampleIterations(engine.stats());
      Watchdog.Verdict v = watchdog.check();
      if (!v.getClass().equals(lastVerdict.getClass())) {
        LOG.log(v instanceof Watchdog.Healthy ? System.Logger.Level.INFO : System.Logger.Level.ERROR,
            "engine watchdog: " + describe(v));
      }
      lastVerdict = v;
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "server monitor tick failed", e);
    }
  }

  private static String describe(Watchdog.Verdict v) {
    return switch (v) {
      case Watchdog.Healthy h -> "healthy";
      case Watchdog.Dead d -> "the engine loop is not running; restart the server";
      case Watchdog.Stuck s -> "the engine made no progress for " + (s.stuckForNanos() / 1_000_000) + " ms with requests "
          + "in flight (--watchdog-timeout); restart the server";
    };
  }

  // ---- handlers ----------------------------------------------------------------------------

  private Handler guard(boolean authenticated, Handler handler) {
    return (req, res) -> {
      metrics.httpRequest();
      try {
        if (authenticated && apiKeyBytes != null) {
          checkApiKey(req);
        }
        handler.handle(req, res);
      } catch (ApiException e) {
        if (!res.isSent()) {
          sendError(res, e);
        }
      } catch (RuntimeException e) {
        internalError(res, req.path().path(), e);
      }
    };
  }

  private void checkApiKey(ServerRequest req) {
    String header = req.headers().first(HeaderNames.AUTHORIZATION).orElse("");
    byte[] given = header.startsWith("Bearer ") ? header.substring(7).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
    if (!MessageDigest.isEqual(given, apiKeyBytes)) { // constant time: no key guessing by timing
      throw ApiException.unauthorized();
    }
  }

  private void generate(ServerRequest req, ServerResponse res, Endpoint endpoint) {
    long arrival = System.nanoTime();
    // Count first, then check: a drain that starts in between then waits for this request.
    inFlight.incrementAndGet();
    try {
      if (draining.get()) {
        throw ApiException.draining();
      }
      JsonFields f = readJson(req);
      OpenAiRequest r = endpoint == Endpoint.CHAT ? parser.chat(f) : parser.completion(f);
      int sequences = r.choices().size();
      admission.acquire(sequences);
      try {
        run(r, res, arrival);
      } finally {
        admission.release(sequences);
      }
    } finally {
      if (inFlight.decrementAndGet() == 0) {
        synchronized (drainLock) {
          drainLock.notifyAll();
        }
      }
    }
  }

  /** One item from a choice's stream: an output, or the engine's failure. */
  private record Event(int choice, RequestOutput output, RuntimeException failure) {}

  private void run(OpenAiRequest r, ServerResponse res, long arrival) {
    String id = (r.endpoint() == Endpoint.CHAT ? "chatcmpl-" : "cmpl-") + randomHex();
    long created = Instant.now().getEpochSecond();
    int n = r.choices().size();
    List<ChoiceState> states = new ArrayList<>(n);
    List<SequenceTimer> timers = new ArrayList<>(n);
    List<GenerationStream> streams = new ArrayList<>(n);
    // One choice (the common case) is read on this thread; n > 1 merges the choices' streams
    // through a queue fed by one virtual thread each.
    BlockingQueue<Event> merged = n == 1 ? null : new LinkedBlockingQueue<>();
    long scheduled = System.nanoTime();
    try {
      for (Choice c : r.choices()) {
        states.add(new ChoiceState(c.index()));
        SequenceTimer timer = metrics.timer(arrival);
        timer.scheduled(scheduled);
        timers.add(timer);
        GenerationStream stream = engine.submit(new GenerationRequest(id + "-" + c.index(),
            Prompt.tokens(c.promptTokenIds()), c.params(), 0, null));
        streams.add(stream);
        if (merged != null) {
          Thread.ofVirtual().name("gantry-stream-", c.index()).start(() -> pump(c.index(), stream, merged));
        }
      }
    } catch (IllegalArgumentException e) {
      streams.forEach(GenerationStream::close);
      throw ApiException.badRequest(null, e.getMessage()); // e.g. a prompt that can never fit the KV cache
    } catch (IllegalStateException e) {
      streams.forEach(GenerationStream::close);
      throw ApiException.unhealthy("the engine is not running; retry on another replica");
    }
    Events events = merged != null ? new Events() {
      @Override public Event take() { return OpenAiServer.this.take(merged); }
      @Override public Event poll() { return merged.poll(); }
    } : new Events() {
      @Override public Event take() { return next(streams.get(0)); }
      @Override public Event poll() { return ready(streams.get(0)); }
    };
    // A non-streaming request writes nothing until it is done, so only a read-ahead notices its
    // client leaving; a stream notices at its next write (one engine step away) and skips the
    // watch, whose hand-off would delay the connection's next request.
    AtomicBoolean gone = new AtomicBoolean();
    ClientWatch.Registration watch = r.stream() ? () -> {} : ClientWatch.current().map(c -> c.watch(() -> {
      gone.set(true);
      streams.forEach(GenerationStream::close);
    })).orElse(() -> {});
    try (watch) {
      if (r.stream()) {
        stream(r, res, id, created, states, timers, streams, events);
      } else {
        collect(r, res, id, created, states, timers, streams, events, gone);
      }
    } finally {
      // Whatever went wrong, no sequence outlives its request (a no-op for finished ones).
      streams.forEach(GenerationStream::close);
    }
  }

  /** Writing to the client failed: it disconnected (Helidon reports this in several exception types). */
  private static final class ClientGone extends RuntimeException {
    ClientGone(Throwable cause) {
      super(cause.toString(), cause, false, false);
    }
  }

  private static void pump(int choice, GenerationStream stream, BlockingQueue<Event> events) {
    try {
      while (stream.hasNext()) {
        events.add(new Event(choice, stream.next(), null));
      }
    } catch (RuntimeException e) {
      events.add(new Event(choice, null, e));
    }
  }

  /** The outputs (or failures) of a request's choices, in arrival order. */
  private interface Events {
    /** The next one, blocking. */
    Event take();

    /** The next one if the engine has produced it already, else null. */
    Event poll();
  }

  private static Event next(GenerationStream stream) {
    try {
      return new Event(0, stream.next(), null);
    } catch (RuntimeException e) {
      return new Event(0, null, e);
    }
  }

  private static Event ready(GenerationStream stream) {
    try {
      RequestOutput output = stream.poll(Duration.ZERO);
      return output == null ? null : new Event(0, output, null);
    } catch (RuntimeException e) {
      return new Event(0, null, e);
    }
  }

  private Event take(BlockingQueue<Event> events) {
    try {
      return events.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the engine", e);
    }
  }

  /** Applies an output to its choice; returns whether the choice finished. */
  private boolean apply(OpenAiRequest r, ChoiceState c, SequenceTimer timer, RequestOutput o) {
    long now = System.nanoTime();
    timer.tokens(now, o.tokenIds().length);
    c.text.append(o.text());
    c.logprobs.addAll(o.logprobs());
    c.usage = o.usage();
    if (o.finished()) {
      c.finishReason = o.finishReason().openAiName();
      c.stopReason = o.stopReason();
      Choice choice = r.choices().get(c.index);
      timer.finished(now, c.finishReason, choice.promptTokenIds().length, o.usage().completionTokens(),
          choice.params().maxTokens());
      return true;
    }
    return false;
  }

  private void collect(OpenAiRequest r, ServerResponse res, String id, long created, List<ChoiceState> states,
      List<SequenceTimer> timers, List<GenerationStream> streams, Events events, AtomicBoolean clientGone) {
    RuntimeException failure = null;
    for (int remaining = states.size(); remaining > 0; ) {
      Event e = events.take();
      if (e.failure() != null) {
        if (failure == null) {
          streams.forEach(GenerationStream::close); // the response fails as a whole: stop the other choices
        }
        failure = e.failure();
        remaining--;
        continue;
      }
      if (apply(r, states.get(e.choice()), timers.get(e.choice()), e.output())) {
        remaining--;
      }
    }
    if (failure != null) {
      LOG.log(System.Logger.Level.ERROR, "request " + id + " failed in the engine", failure);
      throw ApiException.internal(id);
    }
    if (clientGone.get()) {
      LOG.log(System.Logger.Level.DEBUG, "client disconnected from " + id + "; aborted");
    }
    sendJson(res, 200, responses.full(r, id, created, states, cachedTokens(r, states)));
  }

  private void stream(OpenAiRequest r, ServerResponse res, String id, long created, List<ChoiceState> states,
      List<SequenceTimer> timers, List<GenerationStream> streams, Events events) {
    res.status(Status.OK_200);
    res.header(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
    res.header(HeaderNames.CACHE_CONTROL, "no-cache");
    if (draining.get()) {
      res.header(HeaderValues.CONNECTION_CLOSE);
    }
    int[] textOffsets = new int[states.size()];
    boolean clientGone = false;
    int remaining = states.size();
    OutputStream out = res.outputStream();
    try {
      for (ChoiceState c : states) {
        if (r.endpoint() == Endpoint.CHAT) {
          send(out, responses.roleChunk(r, id, created, c), true);
        } else if (r.echo()) {
          String prompt = r.promptTexts().get(r.choices().get(c.index).promptIndex());
          send(out, responses.chunk(r, id, created, c, prompt, List.of(), 0, false), true);
          textOffsets[c.index] = prompt.length();
        }
      }
      boolean failed = false;
      boolean unflushed = false;
      while (remaining > 0) {
        // Flush only before waiting for the engine: events already produced (a client that fell
        // behind, n > 1, a busy machine) leave in one write instead of one each.
        Event e = events.poll();
        if (e == null) {
          if (unflushed) {
            flush(out);
            unflushed = false;
          }
          e = events.take();
        }
        if (e.failure() != null) {
          // As vLLM does: one error event ends the stream, followed by data: [DONE] and no usage
          // chunk; choices still running are aborted.
          LOG.log(System.Logger.Level.ERROR, "request " + id + " failed in the engine", e.failure());
          failed = true;
          streams.forEach(GenerationStream::close);
          remaining = drain(r, states, timers, events, remaining - 1);
          send(out, responses.error(ApiException.internal(id)), false);
          break;
        }
        ChoiceState c = states.get(e.choice());
        boolean last = apply(r, c, timers.get(e.choice()), e.output());
        if (last) {
          remaining--;
        }
        List<SampledToken> logprobs = e.output().logprobs();
        if (!e.output().text().isEmpty() || last || (r.logprobs() && !logprobs.isEmpty())) {
          // The last event goes out with the usage chunk and [DONE] in one write.
          send(out, responses.chunk(r, id, created, c, e.output().text(), logprobs, textOffsets[c.index], last), false);
          unflushed = true;
          textOffsets[c.index] += e.output().text().length();
        }
      }
      if (r.includeUsage() && !failed) {
        int completion = states.stream().mapToInt(c -> c.usage == null ? 0 : c.usage.completionTokens()).sum();
        send(out, responses.usageChunk(r, id, created, completion, cachedTokens(r, states)), false);
      }
      write(out, DONE, false);
      out.close(); // flushes what is buffered with the terminating chunk
    } catch (IOException | RuntimeException e) {
      // Writes and the final close touch the client: their failures mean it is gone. Anything
      // else is a bug; either way the stream cannot continue, so abort like a disconnect.
      if (!(e instanceof ClientGone)) {
        LOG.log(System.Logger.Level.WARNING, "streaming " + id + " failed", e);
      }
      clientGone = true;
    }
    if (clientGone) {
      // The client went away: abort what still runs so its KV blocks go back to the pool now.
      streams.forEach(GenerationStream::close);
      drain(r, states, timers, events, remaining);
      LOG.log(System.Logger.Level.DEBUG, "client disconnected from " + id + "; aborted");
    }
  }

  /** Reads aborted choices to their end (so their metrics count them); returns 0. */
  private int drain(OpenAiRequest r, List<ChoiceState> states, List<SequenceTimer> timers, Events events, int remaining) {
    while (remaining > 0) {
      Event e = events.take();
      if (e.failure() != null || apply(r, states.get(e.choice()), timers.get(e.choice()), e.output())) {
        remaining--;
      }
    }
    return 0;
  }

  private static void flush(OutputStream out) {
    try {
      out.flush();
    } catch (IOException | RuntimeException e) {
      throw new ClientGone(e);
    }
  }

  /** Writes an event; {@code flush} sends it now (one chunk, one write on the socket), else it waits for more. */
  private static void write(OutputStream out, byte[] bytes, boolean flush) {
    try {
      out.write(bytes);
      if (flush) {
        out.flush();
      }
    } catch (IOException | RuntimeException e) {
      throw new ClientGone(e);
    }
  }

  private void send(OutputStream out, ObjectNode chunk, boolean flush) throws IOException {
    byte[] body = json.writeValueAsBytes(chunk);
    byte[] event = new byte[body.length + 8];
    System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, event, 0, 6);
    System.arraycopy(body, 0, event, 6, body.length);
    event[event.length - 2] = '\n';
    event[event.length - 1] = '\n';
    write(out, event, flush);
  }

  private static int cachedTokens(OpenAiRequest r, List<ChoiceState> states) {
    // Each prompt counts once: the most any of its choices found cached.
    int[] perPrompt = new int[r.promptTokenCounts().size()];
    for (ChoiceState c : states) {
      int p = r.choices().get(c.index).promptIndex();
      if (c.usage != null) {
        perPrompt[p] = Math.max(perPrompt[p], c.usage.cachedPromptTokens());
      }
    }
    int sum = 0;
    for (int v : perPrompt) {
      sum += v;
    }
    return sum;
  }

  private void listModels(ServerRequest req, ServerResponse res) {
    ObjectNode body = json.createObjectNode();
    body.put("object", "list");
    var data = body.putArray("data");
    for (String name : models.names()) {
      ObjectNode m = data.addObject();
      m.put("id", name);
      m.put("object", "model");
      m.put("created", createdEpochSeconds);
      m.put("owned_by", "gantry");
      m.put("root", models.root());
      m.putNull("parent");
      m.put("max_model_len", engine.maxModelLen());
      m.putArray("permission");
    }
    sendJson(res, 200, body);
  }

  private void tokenize(ServerRequest req, ServerResponse res) {
    JsonFields f = readJson(req);
    parser.model(f);
    int[] ids;
    if (f.has("messages")) {
      ids = parser.chatPromptIds(f, f.node("messages").get());
    } else {
      String prompt = f.string("prompt").orElseThrow(() -> ApiException.badRequest("prompt",
          "prompt (a string) or messages (a chat) is required"));
      ids = engine.tokenizer().encode(prompt, f.bool("add_special_tokens").orElse(true));
    }
    ObjectNode body = json.createObjectNode();
    body.put("count", ids.length);
    body.put("max_model_len", engine.maxModelLen());
    var tokens = body.putArray("tokens");
    for (int id : ids) {
      tokens.add(id);
    }
    body.putNull("token_strs");
    sendJson(res, 200, body);
  }

  private void detokenize(ServerRequest req, ServerResponse res) {
    JsonFields f = readJson(req);
    parser.model(f);
    JsonNode tokens = f.node("tokens").orElseThrow(() -> ApiException.badRequest("tokens",
        "tokens (an array of token ids) is required"));
    int[] ids = tokens.isEmpty() && tokens.isArray() ? new int[0] : parser.checkedTokenIds("tokens", tokens);
    sendJson(res, 200, json.createObjectNode().put("prompt", engine.tokenizer().decode(ids, false)));
  }

  private void health(ServerRequest req, ServerResponse res) {
    if (draining.get()) {
      throw ApiException.draining();
    }
    Watchdog.Verdict v = watchdog.check();
    lastVerdict = v;
    if (!(v instanceof Watchdog.Healthy)) {
      throw ApiException.unhealthy(describe(v));
    }
    res.status(Status.OK_200).send();
  }

  private void scrape(ServerRequest req, ServerResponse res) {
    res.header(HeaderNames.CONTENT_TYPE, PrometheusText.CONTENT_TYPE);
    res.send(metrics.scrape().getBytes(StandardCharsets.UTF_8));
  }

  // ---- bodies ------------------------------------------------------------------------------

  /** Reads the body under --max-request-bytes, as strict UTF-8, as a JSON object; 4xx otherwise. */
  private JsonFields readJson(ServerRequest req) {
    long limit = config.maxRequestBytes();
    OptionalLong declared = req.headers().contentLength();
    if (declared.isPresent() && declared.getAsLong() > limit) {
      throw ApiException.tooLarge(limit);
    }
    byte[] bytes;
    try (InputStream in = req.content().inputStream()) {
      ByteArrayOutputStream buffer = new ByteArrayOutputStream();
      byte[] chunk = new byte[8192];
      for (int read; (read = in.read(chunk)) != -1; ) {
        buffer.write(chunk, 0, read);
        if (buffer.size() > limit) {
          throw ApiException.tooLarge(limit);
        }
      }
      bytes = buffer.toByteArray();
    } catch (IOException | UncheckedIOException e) {
      throw ApiException.badRequest(null, "could not read the request body: the connection failed");
    }
    if (bytes.length == 0) {
      throw ApiException.badRequest(null, "request body is empty; send a JSON object");
    }
    String text;
    try {
      CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
      CharBuffer chars = utf8.decode(ByteBuffer.wrap(bytes));
      text = chars.toString();
    } catch (CharacterCodingException e) {
      throw ApiException.badRequest(null, "request body is not valid UTF-8; encode the JSON as UTF-8");
    }
    JsonNode node;
    try {
      node = json.readTree(text);
    } catch (JacksonException e) {
      throw ApiException.badRequest(null, "request body is not valid JSON: " + e.getOriginalMessage()
          + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ", column "
          + e.getLocation().getColumnNr() + ")" : ""));
    }
    if (node == null || !node.isObject()) {
      throw ApiException.badRequest(null, "request body must be a JSON object, got "
          + (node == null ? "nothing" : node.getNodeType().toString().toLowerCase()));
    }
    return new JsonFields(node);
  }

  private void sendJson(ServerResponse res, int status, JsonNode body) {
    byte[] bytes;
    try {
      bytes = json.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    res.status(Status.create(status));
    res.header(HeaderNames.CONTENT_TYPE, "application/json");
    if (draining.get()) {
      res.header(HeaderValues.CONNECTION_CLOSE);
    }
    res.send(bytes);
  }

  private void sendError(ServerResponse res, ApiException e) {
    if (e.retryAfterSeconds() != null) {
      res.header(HeaderNames.RETRY_AFTER, Integer.toString(e.retryAfterSeconds()));
    }
    sendJson(res, e.status(), responses.error(e));
  }

  private void internalError(ServerResponse res, String where, Throwable t) {
    String ref = UUID.randomUUID().toString();
    LOG.log(System.Logger.Level.ERROR, "internal error " + ref + " in " + where, t);
    if (!res.isSent()) {
      sendError(res, new ApiException(500, "server_error", null, "internal_error",
          "Internal server error (reference " + ref + "); the server log has details.", null));
    }
  }

  /** 32 random hex digits, as vLLM's random_uuid(); request ids need to be unique, not secret (no SecureRandom lock). */
  static String randomHex() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return HexFormat.of().toHexDigits(random.nextLong()) + HexFormat.of().toHexDigits(random.nextLong());
  }

  static String version() {
    String v = OpenAiServer.class.getPackage().getImplementationVersion();
    return v != null ? v : "0.1.0-SNAPSHOT";
  }
}
