package dev.gantry.gateway;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.gateway.config.GatewayConfig;
import dev.gantry.gateway.server.HttpException;
import dev.gantry.gateway.server.ServerRequest;
import dev.gantry.gateway.server.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

/**
 * Handles {@code /v1/chat/completions} and {@code /v1/completions}: validate, authorize,
 * admit under limits, then try deployments (retrying on connect errors, 5xx and 429 only
 * before the first upstream byte reached the client), then fallback model names, and
 * finally record usage. Streams are relayed event by event as they arrive; while the
 * upstream is silent before its first token, {@code : keep-alive} comments keep the client
 * and any proxy in between from timing out.
 */
final class Proxy {
    enum Endpoint {
        CHAT("/chat/completions", "messages"),
        COMPLETIONS("/completions", "prompt");

        final String path;
        final String inputField;

        Endpoint(String path, String inputField) {
            this.path = path;
            this.inputField = inputField;
        }
    }

    /** Request fields OpenAI documents; with {@code drop_params} anything else is dropped. */
    private static final Set<String> KNOWN_PARAMS = Set.of("model", "messages", "prompt", "stream", "stream_options",
            "max_tokens", "max_completion_tokens", "temperature", "top_p", "n", "stop", "presence_penalty",
            "frequency_penalty", "logit_bias", "logprobs", "top_logprobs", "user", "seed", "tools", "tool_choice",
            "parallel_tool_calls", "response_format", "echo", "best_of", "suffix", "top_k", "min_p",
            "repetition_penalty", "functions", "function_call");
    private static final long DEFAULT_COMPLETION_RESERVE = 256;
    private static final int MAX_ERROR_BODY = 64 * 1024;
    /** An upstream that sends more than this without ending an SSE event is broken (or not speaking SSE). */
    static final int MAX_SSE_EVENT_BYTES = 16 * 1024 * 1024;
    /** A unary answer larger than this is an upstream fault (OpenAI answers are kilobytes). */
    private static final int MAX_UNARY_BODY = 64 * 1024 * 1024;

    private final GatewayConfig config;
    private final Router router;
    private final UpstreamClient http;
    private final Metrics metrics;
    private final Auth auth;
    private final Limits limits;
    private final Ledger ledger;

    Proxy(GatewayConfig config, Router router, UpstreamClient http, Metrics metrics, Auth auth, Limits limits, Ledger ledger) {
        this.config = config;
        this.router = router;
        this.http = http;
        this.metrics = metrics;
        this.auth = auth;
        this.limits = limits;
        this.ledger = ledger;
    }

    /** Everything known about one request as it goes through, for metrics and the ledger. */
    private static final class Exchange {
        final String requestId = "req-" + timeOrderedUuid(System.currentTimeMillis());
        final long startNanos = System.nanoTime();
        final Instant startedAt = Instant.now();
        Caller caller = Caller.ANONYMOUS;
        String model = "unknown";
        String deployment;
        Instant firstTokenAt;
        long firstTokenNanos;
        long promptTokens;
        long completionTokens;
        boolean usageReported;
        double cost;
        int status = 500;
        Limits.Lease lease = Limits.Lease.NONE;
        /** The client's body as received; forwarded as it is when the gateway changes nothing in it. */
        byte[] rawBody;

        /**
         * Gives back the parallel slot and reconciles tokens. Called just before the last bytes
         * go out, so a client that sends its next request on receipt finds the slot free.
         */
        void releaseLease() {
            lease.release(promptTokens + completionTokens);
        }
    }

    /**
     * A UUIDv7 (RFC 9562): 48 bits of epoch milliseconds, then 74 random bits. Time-ordered ids
     * land at the right edge of the ledger's primary-key index instead of at random pages: random
     * (v4) ids made the H2 ledger read and rewrite index pages for every row, a third of the
     * gateway's CPU at 2,000 requests/s. Random, not secret: ThreadLocalRandom avoids SecureRandom's lock.
     */
    static UUID timeOrderedUuid(long epochMillis) {
        var random = java.util.concurrent.ThreadLocalRandom.current();
        long msb = (epochMillis << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
        long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }

    void handle(Endpoint endpoint, ServerRequest req, ServerResponse res) {
        Exchange ex = new Exchange();
        res.header("X-Request-Id", ex.requestId);
        try {
            ex.caller = auth.authenticate(req);
            ex.rawBody = req.body();
            ObjectNode body = parse(ex.rawBody, endpoint);
            ex.model = body.get("model").asText();
            if (!router.knows(ex.model)) {
                throw ApiError.notFound("model_not_found", "The model '" + ex.model
                        + "' does not exist on this gateway; GET /v1/models lists the model names: " + config.modelNames());
            }
            if (!ex.caller.mayUse(ex.model)) {
                throw ApiError.forbidden("model_not_allowed", "key '" + ex.caller.alias() + "' may not use model '"
                        + ex.model + "'; allowed: " + ex.caller.allowedModels());
            }
            auth.checkBudget(ex.caller);
            long reserved = estimatePromptTokens(body, endpoint) + requestedCompletionTokens(body);
            ex.lease = limits.admit(ex.caller, ex.model, reserved);
            boolean stream = body.path("stream").asBoolean(false);
            if (stream) {
                stream(endpoint, body, ex, res);
            } else {
                unary(endpoint, body, ex, res);
            }
        } catch (ApiError e) {
            ex.status = e.status;
            if (e.status == 429) metrics.rateLimited.inc(e.code == null ? "unknown" : e.code);
            if (!res.isSent()) e.send(res);
        } catch (HttpException e) {
            ex.status = e.status(); // a body the server refused (over max_request_bytes, bad chunking): it answers
            throw e;
        } catch (UncheckedIOException e) {
            ex.status = 499; // client closed the connection
        } finally {
            ex.releaseLease(); // no-op when already released
            finish(ex);
        }
    }

    private void finish(Exchange ex) {
        double seconds = (System.nanoTime() - ex.startNanos) / 1e9;
        metrics.requests.inc(ex.model, ex.caller.alias(), Integer.toString(ex.status));
        metrics.latency.observe(seconds, ex.model);
        if (ex.firstTokenAt != null) metrics.ttft.observe((ex.firstTokenNanos - ex.startNanos) / 1e9, ex.model);
        if (ex.deployment != null) {
            metrics.tokens.add(ex.promptTokens, ex.model, "prompt");
            metrics.tokens.add(ex.completionTokens, ex.model, "completion");
            auth.recordSpend(ex.caller, ex.promptTokens + ex.completionTokens, ex.cost);
        }
        // One ledger line per request that named a served model (rejected and failed ones too,
        // with their status); bodies that never got that far are only counted in metrics.
        if (router.knows(ex.model)) {
            ledger.append(new UsageRecord(ex.requestId, ex.caller.keyDigest(), ex.caller.alias(), ex.model, ex.deployment,
                    ex.promptTokens, ex.completionTokens, ex.cost, ex.status, ex.startedAt, ex.firstTokenAt, Instant.now()));
        }
    }

    // ---- request validation -------------------------------------------------------------

    /**
     * Strict about what would make the validated tree differ from the bytes: duplicate keys and
     * trailing content are errors, because an unchanged body is forwarded as received (see
     * {@link #upstreamBody}) and the upstream must see the very model and fields checked here.
     */
    private static final ObjectReader STRICT = ApiError.JSON.reader()
            .with(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY, DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private ObjectNode parse(byte[] bytes, Endpoint endpoint) {
        JsonNode node;
        try {
            node = STRICT.readTree(bytes);
        } catch (Exception e) {
            throw ApiError.badRequest(null, "the request body is not valid JSON (" + firstLine(e.getMessage())
                    + "); send a JSON object like {\"model\": \"...\", \"" + endpoint.inputField + "\": ...}");
        }
        if (!(node instanceof ObjectNode body)) {
            throw ApiError.badRequest(null, "the request body must be a JSON object, got "
                    + (node == null || node.isMissingNode() ? "nothing" : node.getNodeType().toString().toLowerCase()));
        }
        JsonNode model = body.get("model");
        if (model == null || !model.isTextual() || model.asText().isEmpty()) {
            throw ApiError.badRequest("model", "'model' must be a non-empty string naming one of " + config.modelNames());
        }
        JsonNode input = body.get(endpoint.inputField);
        if (endpoint == Endpoint.CHAT) {
            if (input == null || !input.isArray() || input.isEmpty()) {
                throw ApiError.badRequest("messages", "'messages' must be a non-empty array of {\"role\", \"content\"} objects");
            }
            for (int i = 0; i < input.size(); i++) {
                JsonNode m = input.get(i);
                if (!m.isObject() || !m.path("role").isTextual()) {
                    throw ApiError.badRequest("messages[" + i + "]", "messages[" + i + "] must be an object with a string 'role'");
                }
            }
        } else if (input == null || !(input.isTextual() || input.isArray())) {
            throw ApiError.badRequest("prompt", "'prompt' must be a string or an array");
        }
        JsonNode stream = body.get("stream");
        if (stream != null && !stream.isBoolean() && !stream.isNull()) {
            throw ApiError.badRequest("stream", "'stream' must be true or false, got " + stream);
        }
        for (String field : List.of("max_tokens", "max_completion_tokens", "n")) {
            JsonNode v = body.get(field);
            if (v != null && !v.isNull() && !(v.canConvertToLong() && v.isIntegralNumber() && v.asLong() >= 0)) {
                throw ApiError.badRequest(field, "'" + field + "' must be a whole number >= 0, got " + v);
            }
        }
        for (String field : List.of("temperature", "top_p", "presence_penalty", "frequency_penalty")) {
            JsonNode v = body.get(field);
            if (v != null && !v.isNull() && !v.isNumber()) {
                throw ApiError.badRequest(field, "'" + field + "' must be a number, got " + v);
            }
        }
        JsonNode so = body.get("stream_options");
        if (so != null && !so.isNull() && !so.isObject()) {
            throw ApiError.badRequest("stream_options", "'stream_options' must be an object like {\"include_usage\": true}");
        }
        return body;
    }

    private static String firstLine(String s) {
        if (s == null) return "unreadable";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** About four characters per token: good enough to reserve TPM at admission. */
    static long estimatePromptTokens(ObjectNode body, Endpoint endpoint) {
        long chars = 0;
        JsonNode input = body.get(endpoint.inputField);
        if (input.isTextual()) {
            chars = input.asText().length();
        } else {
            for (JsonNode item : input) {
                // A chat message: its text content (not the whole object re-serialised, which cost
                // the hot path a JSON write per message); other shapes (parts, tools) as JSON.
                JsonNode content = item.isObject() ? item.get("content") : item;
                chars += content == null ? 0 : content.isTextual() ? content.asText().length() : content.toString().length();
            }
        }
        return Math.max(1, chars / 4);
    }

    private static long requestedCompletionTokens(ObjectNode body) {
        if (body.path("max_tokens").canConvertToLong() && body.has("max_tokens")) return body.get("max_tokens").asLong();
        if (body.has("max_completion_tokens")) return body.get("max_completion_tokens").asLong();
        return DEFAULT_COMPLETION_RESERVE;
    }

    private byte[] upstreamBody(ObjectNode original, byte[] raw, Upstream u, boolean stream) {
        // Most requests need no change: forwarding the received bytes saves a JSON write per
        // request (~7% of the gateway's CPU at 16 clients). parse() rejected duplicate keys and
        // trailing content, so these bytes mean exactly the tree that was validated.
        if (fieldsUnchanged(original, u)) {
            if (!stream) return raw;
            JsonNode includeUsage = original.path("stream_options").path("include_usage");
            if (includeUsage.isBoolean() && includeUsage.booleanValue()) return raw;
            if (original.get("stream_options") == null) return askingForUsage(raw);
        }
        // A shallow copy: only top-level fields are replaced below (stream_options is copied
        // before it is changed), so the client's nested messages are shared, not deep-copied.
        ObjectNode body = ApiError.JSON.createObjectNode();
        body.setAll(original);
        if (config.settings().dropParams()) {
            body.properties().removeIf(e -> !KNOWN_PARAMS.contains(e.getKey()));
        }
        for (Map.Entry<String, Object> d : u.deployment.defaultParams().entrySet()) {
            if (!body.has(d.getKey()) || body.get(d.getKey()).isNull()) body.set(d.getKey(), ApiError.JSON.valueToTree(d.getValue()));
        }
        body.put("model", u.deployment.upstreamModel());
        if (stream) {
            // Ask for usage so limits and the ledger see real token counts; dropped again below
            // when the client did not ask for it.
            ObjectNode so = body.get("stream_options") instanceof ObjectNode given ? given.deepCopy() : ApiError.JSON.createObjectNode();
            body.set("stream_options", so);
            so.put("include_usage", true);
        }
        try {
            return ApiError.JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final byte[] INCLUDE_USAGE = "\"stream_options\":{\"include_usage\":true},".getBytes(StandardCharsets.UTF_8);

    /**
     * The client's object with {@code "stream_options":{"include_usage":true},} spliced in as
     * its first member: the body had no stream_options and at least "model", so the comma is
     * right, and the first '{' byte of a valid JSON object is where that object opens.
     */
    static byte[] askingForUsage(byte[] raw) {
        int open = 0;
        while (raw[open] != '{') open++;
        byte[] out = new byte[raw.length + INCLUDE_USAGE.length];
        System.arraycopy(raw, 0, out, 0, open + 1);
        System.arraycopy(INCLUDE_USAGE, 0, out, open + 1, INCLUDE_USAGE.length);
        System.arraycopy(raw, open + 1, out, open + 1 + INCLUDE_USAGE.length, raw.length - open - 1);
        return out;
    }

    /**
     * True when {@link #upstreamBody} would change none of the client's fields other than
     * {@code stream_options} (a stream must ask for usage; the caller handles that): the model
     * is already the upstream's, every default param is given, and nothing is to be dropped.
     */
    private boolean fieldsUnchanged(ObjectNode body, Upstream u) {
        if (!u.deployment.upstreamModel().equals(body.get("model").asText())) return false;
        for (String name : u.deployment.defaultParams().keySet()) {
            JsonNode v = body.get(name);
            if (v == null || v.isNull()) return false;
        }
        if (config.settings().dropParams()) {
            for (var it = body.fieldNames(); it.hasNext(); ) {
                if (!KNOWN_PARAMS.contains(it.next())) return false;
            }
        }
        return true;
    }

    private static URI upstreamUri(Endpoint endpoint, Upstream u) {
        return u.uri(endpoint.path);
    }

    private static Map<String, String> upstreamHeaders(Upstream u, Exchange ex) {
        var h = new java.util.LinkedHashMap<String, String>();
        h.put("Content-Type", "application/json");
        h.put("X-Request-Id", ex.requestId);
        if (u.deployment.apiKey() != null) h.put("Authorization", "Bearer " + u.deployment.apiKey());
        return h;
    }

    // ---- attempts, retries, fallbacks ---------------------------------------------------

    /** The outcome of one attempt that did not complete the request. */
    private record Failure(boolean retryable, int status, String reason, String message, byte[] upstreamBody) {}

    /** Tries deployments of the model, then of each fallback; returns the last failure if all failed. */
    private Failure route(Exchange ex, Attempt attempt) {
        List<String> chain = new ArrayList<>();
        chain.add(ex.model);
        chain.addAll(config.router().fallbacks().getOrDefault(ex.model, List.of()));
        Failure last = null;
        for (int c = 0; c < chain.size(); c++) {
            String model = chain.get(c);
            if (c > 0) metrics.fallbacks.inc(ex.model, model);
            Set<Upstream> tried = new HashSet<>();
            for (int a = 0; a <= config.router().numRetries(); a++) {
                Router.Pick pick = router.pick(model, tried);
                if (pick instanceof Router.Pick.NoneAvailable none) {
                    if (last == null || a == 0 && tried.isEmpty()) {
                        last = new Failure(true, 503, "no_deployment_available", "no deployment of model '" + model
                                + "' is available: " + none.total() + " configured, " + none.coolingDown()
                                + " cooling down after failures, " + none.unhealthy() + " failing /health", null);
                    }
                    break;
                }
                Upstream u = ((Router.Pick.Chosen) pick).upstream();
                if (a > 0) metrics.retries.inc(ex.model);
                tried.add(u);
                u.inFlight.incrementAndGet();
                Failure f;
                try {
                    f = attempt.run(u);
                } finally {
                    u.inFlight.decrementAndGet();
                }
                if (f == null) {
                    router.succeeded(u);
                    return null;
                }
                last = f;
                if (f.status >= 500 || f.status == 429 || f.status == 0) router.failed(u, f.reason);
                if (!f.retryable) return f;
            }
        }
        return last;
    }

    @FunctionalInterface
    private interface Attempt {
        /** Null on success (the answer was sent); otherwise why it failed. */
        Failure run(Upstream u);
    }

    private static Failure classify(Throwable t, String what) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ConnectException || c instanceof java.net.NoRouteToHostException) {
                return new Failure(true, 0, "connect", "cannot connect to the upstream (" + c + ")", null);
            }
            if (c instanceof java.net.SocketTimeoutException || c instanceof TimeoutException) {
                return new Failure(true, 0, "timeout", "the upstream did not answer " + what + " in time", null);
            }
        }
        return new Failure(true, 0, "io", "the upstream connection failed (" + t + ")", null);
    }

    private static Failure statusFailure(int status, byte[] body) {
        boolean retryable = status == 429 || status >= 500;
        return new Failure(retryable, status, status == 429 ? "429" : status >= 500 ? "5xx" : "4xx",
                "the upstream answered HTTP " + status, body);
    }

    /** Turns the final failure into the client's error: upstream errors keep their status and OpenAI body. */
    private ApiError toApiError(Failure f) {
        if (f.upstreamBody != null && f.status > 0) {
            try {
                JsonNode err = ApiError.JSON.readTree(f.upstreamBody).path("error");
                if (err.isObject() && err.path("message").isTextual()) {
                    return new ApiError(f.status, err.path("type").asText("upstream_error"),
                            err.path("code").isNull() ? null : err.path("code").asText(null),
                            err.path("param").isNull() ? null : err.path("param").asText(null),
                            err.path("message").asText(), Map.of());
                }
            } catch (Exception e) {
                // not JSON: fall through to a generic message
            }
            return new ApiError(f.status, f.status == 429 ? "rate_limit_error" : f.status >= 500 ? "upstream_error"
                    : "invalid_request_error", "upstream_http_" + f.status, null, f.message, Map.of());
        }
        if (f.status == 503) return ApiError.unavailable(f.reason, f.message);
        if (f.reason.equals("timeout")) return new ApiError(504, "timeout_error", "upstream_timeout", null, f.message, Map.of());
        return new ApiError(502, "upstream_error", "upstream_" + f.reason, null, f.message, Map.of());
    }

    // ---- unary --------------------------------------------------------------------------

    private void unary(Endpoint endpoint, ObjectNode body, Exchange ex, ServerResponse res) {
        Failure failure = route(ex, u -> {
            Duration timeout = u.deployment.timeout();
            int status;
            byte[] answer;
            String contentType;
            try (var response = http.post(upstreamUri(endpoint, u), upstreamHeaders(u, ex), upstreamBody(body, ex.rawBody, u, false), timeout)) {
                status = response.status;
                answer = response.readAll(MAX_UNARY_BODY);
                contentType = response.contentType == null ? "application/json" : response.contentType;
            } catch (IOException | RuntimeException e) {
                return classify(e, "within " + timeout.toMillis() + " ms");
            }
            record R(int statusCode, byte[] body, String type) {}
            R response = new R(status, answer, contentType);
            if (response.statusCode() != 200) return statusFailure(response.statusCode(), response.body());
            ex.deployment = u.id();
            ex.status = 200;
            ex.firstTokenAt = Instant.now();
            ex.firstTokenNanos = System.nanoTime();
            long[] usage = usageOf(response.body());
            if (usage != null) {
                ex.promptTokens = usage[0];
                ex.completionTokens = usage[1];
            }
            ex.cost = u.deployment.cost(ex.promptTokens, ex.completionTokens);
            ex.releaseLease();
            res.status(200);
            res.header("Content-Type", response.type());
            res.send(response.body());
            return null;
        });
        if (failure != null) throw toApiError(failure);
    }

    /**
     * {prompt_tokens, completion_tokens} of a unary answer's top-level {@code usage} object, or
     * null when it has none or is not JSON (it is relayed as it is either way). Read with the
     * streaming parser: the answer's choices are skipped, not built into a tree.
     */
    static long[] usageOf(byte[] answer) {
        try (JsonParser p = ApiError.JSON.getFactory().createParser(answer)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (value == JsonToken.START_OBJECT && name.equals("usage")) return usageFields(p);
                p.skipChildren();
            }
        } catch (IOException e) {
            // not JSON (or cut short): no usage to read
        }
        return null;
    }

    /**
     * {prompt_tokens, completion_tokens} of the {@code usage} object whose START_OBJECT the
     * parser just read; it is read to its END_OBJECT, and nested objects such as
     * {@code prompt_tokens_details} are skipped.
     */
    private static long[] usageFields(JsonParser p) throws IOException {
        long[] usage = new long[2];
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            if (!p.nextToken().isScalarValue()) p.skipChildren();
            else if (field.equals("prompt_tokens")) usage[0] = p.getValueAsLong(0);
            else if (field.equals("completion_tokens")) usage[1] = p.getValueAsLong(0);
        }
        return usage;
    }

    // ---- streaming ----------------------------------------------------------------------

    private void stream(Endpoint endpoint, ObjectNode body, Exchange ex, ServerResponse res) {
        boolean clientWantsUsage = body.path("stream_options").path("include_usage").asBoolean(false);
        SseWriter sse = new SseWriter(res);
        var g = config.gantry();
        Failure failure = route(ex, u -> {
            StreamWait wait = new StreamWait(sse, g, u.deployment.streamTimeout());
            URI uri = upstreamUri(endpoint, u);
            Map<String, String> headers = upstreamHeaders(u, ex);
            byte[] upstreamBody = upstreamBody(body, ex.rawBody, u, true);
            UpstreamClient.Response response;
            try {
                response = http.post(uri, headers, upstreamBody, wait);
            } catch (UncheckedIOException e) {
                throw e; // the client went away while we waited (a keep-alive failed): not the upstream's fault
            } catch (IOException | RuntimeException e) {
                if (wait.expired) {
                    return classify(new TimeoutException(), "its first token within " + g.firstTokenTimeout().toMillis() + " ms");
                }
                return classify(e, "");
            }
            // Closing returns the connection to the pool only if the body was read to its end;
            // a stream that ends early (error, timeout, client gone) closes it.
            try (response) {
                if (response.status != 200) {
                    wait.quiet = true;
                    return statusFailure(response.status, errorBody(response));
                }
                return relay(response, wait, u, ex, sse, clientWantsUsage);
            }
        });
        if (failure != null) {
            ApiError error = toApiError(failure);
            ex.status = error.status;
            if (!sse.committed()) throw error;
            sse.error(error);
        }
        sse.close();
    }

    /**
     * How a stream waits for its upstream, on the handler's own thread. Until upstream bytes
     * reached the client: a {@code : keep-alive} comment after every keepalive_interval of
     * silence, up to the first-token deadline. After that: each wait ends at
     * stream_idle_timeout, and none goes past the deployment's stream_timeout. Before every
     * read from the upstream socket it flushes what was written to the client since the last
     * flush, so events that arrived together leave in one write and none is held back while
     * the upstream is silent.
     */
    private static final class StreamWait implements UpstreamClient.Wait {
        private final SseWriter sse;
        private final long keepAlive;
        private final long idle;
        private final long firstDeadline;
        private final long totalDeadline;
        /** Upstream bytes reached the client: idle and total deadlines, no keep-alives. */
        boolean streaming;
        /** Reading an upstream error's body: no keep-alives, which would commit a 200 to the client. */
        boolean quiet;
        /** The wait in progress ran into its deadline and gave up. */
        boolean expired;
        private long deadline;

        StreamWait(SseWriter sse, GatewayConfig.Gantry g, Duration streamTimeout) {
            this.sse = sse;
            this.keepAlive = g.keepAliveInterval().toNanos();
            this.idle = g.streamIdleTimeout().toNanos();
            long start = System.nanoTime();
            this.totalDeadline = start + streamTimeout.toNanos();
            this.firstDeadline = Math.min(totalDeadline, start + g.firstTokenTimeout().toNanos());
        }

        @Override
        public int beforeRead() {
            sse.flush();
            long now = System.nanoTime();
            deadline = streaming ? Math.min(totalDeadline, now + idle) : firstDeadline;
            return millisUntilNextWake(now);
        }

        @Override
        public int afterTimeout() {
            long now = System.nanoTime();
            if (now - deadline >= 0) {
                expired = true;
                return 0;
            }
            if (!streaming && !quiet) sse.keepAlive();
            return millisUntilNextWake(now);
        }

        /** Once streaming (or reading an error body) nothing is sent while waiting: a timeout just ends the call. */
        @Override
        public boolean timeoutEndsCall() {
            return streaming || quiet;
        }

        private int millisUntilNextWake(long now) {
            long wake = streaming || quiet ? deadline : Math.min(deadline, now + keepAlive);
            long millis = (wake - now + 999_999) / 1_000_000;
            return (int) Math.max(1, Math.min(Integer.MAX_VALUE, millis));
        }
    }

    /** An upstream error's body, as much of it as arrives before the first-token deadline (at most 64 KiB). */
    private static byte[] errorBody(UpstreamClient.Response response) {
        var out = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            int n;
            while (out.size() < MAX_ERROR_BODY && (n = response.body().read(buf)) >= 0) out.write(buf, 0, n);
        } catch (IOException e) {
            // what arrived is what the client is told
        }
        return out.toByteArray();
    }

    /**
     * Relays SSE events until the upstream ends. Before the first event a failure is retryable;
     * after it, the failure is told to the client as an error event and the stream ends.
     */
    private Failure relay(UpstreamClient.Response response, StreamWait wait, Upstream u, Exchange ex, SseWriter sse,
                          boolean clientWantsUsage) {
        EventSplitter events = new EventSplitter();
        InputStream in = response.body();
        long chunkCount = 0;
        while (true) {
            int n;
            try {
                n = events.readFrom(in);
            } catch (UncheckedIOException e) {
                throw e; // the client went away (a flush or keep-alive failed)
            } catch (IOException | RuntimeException e) {
                boolean first = !wait.streaming;
                if (wait.expired) {
                    String what = first ? "its first token" : "its next chunk";
                    Failure f = new Failure(first, 0, "timeout", "the upstream did not send " + what + " in time", null);
                    if (first) return f;
                    return new Failure(false, 504, "timeout", f.message(), null);
                }
                if (first) return classify(e, "");
                return new Failure(false, 502, "stream_broken", "the upstream stream broke after "
                        + chunkCount + " chunks (" + e + ")", null);
            }
            if (n < 0) {
                events.flushRemainder(sse);
                if (!wait.streaming) return new Failure(true, 0, "empty_stream", "the upstream closed the stream before any event", null);
                if (!ex.usageReported) ex.completionTokens = chunkCount;
                ex.cost = u.deployment.cost(ex.promptTokens, ex.completionTokens);
                return null;
            }
            chunkCount += events.split(n, sse, ex, clientWantsUsage);
            if (!wait.streaming && sse.upstreamBytesSent) {
                wait.streaming = true;
                ex.deployment = u.id();
                ex.status = 200;
                ex.firstTokenAt = Instant.now();
                ex.firstTokenNanos = System.nanoTime();
            }
        }
    }

    /**
     * Splits the upstream byte stream into SSE events ({@code \n\n}-terminated), forwards each
     * complete event, reads {@code usage} where present and drops the usage-only event the
     * gateway asked for on the client's behalf. Upstream bytes are read straight into its
     * buffer, and events are recognised on the bytes: nothing is copied or decoded per event
     * except the few that carry usage.
     */
    private static final class EventSplitter {
        private static final byte[] DONE = "data: [DONE]".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] DATA_OBJECT = "data: {".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] USAGE_KEY = "\"usage\"".getBytes(StandardCharsets.US_ASCII);

        private byte[] buf = new byte[1024]; // SSE events are a few hundred bytes; grows for larger ones
        private int len;
        private long chunksSeen;

        /** Reads the next upstream bytes after the unfinished event; their count, or -1 at the end. */
        int readFrom(InputStream in) throws IOException {
            if (len == buf.length) {
                if (len >= MAX_SSE_EVENT_BYTES) {
                    throw new IOException("the upstream sent " + len + " bytes without ending an SSE event (a blank line); "
                            + "events over " + MAX_SSE_EVENT_BYTES + " bytes are refused");
                }
                buf = java.util.Arrays.copyOf(buf, Math.min(buf.length * 2, MAX_SSE_EVENT_BYTES));
            }
            return in.read(buf, len, buf.length - len);
        }

        /**
         * Forwards the events completed by the {@code n} bytes just read; returns the number of
         * content chunks forwarded. An event ends at a blank line: LF LF, or CRLF CRLF as
         * sse-starlette (llama.cpp's server, among others) sends, or the two mixed.
         */
        int split(int n, SseWriter sse, Exchange ex, boolean clientWantsUsage) {
            int scanFrom = Math.max(0, len - 2); // a terminator may straddle the last read
            len += n;
            int chunks = 0;
            int start = 0;
            for (int i = scanFrom; i + 1 < len; i++) {
                if (buf[i] != '\n') continue;
                int end = buf[i + 1] == '\n' ? i + 2 : buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n' ? i + 3 : -1;
                if (end > 0) {
                    chunks += event(start, end, sse, ex, clientWantsUsage);
                    start = end;
                    i = end - 1;
                }
            }
            if (start > 0) {
                System.arraycopy(buf, start, buf, 0, len - start);
                len -= start;
            }
            return chunks;
        }

        private int event(int start, int end, SseWriter sse, Exchange ex, boolean clientWantsUsage) {
            if (startsWith(start, end, DONE)) {
                if (!ex.usageReported) ex.completionTokens = chunksSeen;
                ex.releaseLease();
            }
            if (startsWith(start, end, DATA_OBJECT)) {
                if (contains(start + 6, end, USAGE_KEY) && readUsage(start + 6, end, ex) == USAGE_ONLY && !clientWantsUsage) {
                    return 0; // the usage-only chunk the gateway asked for on the client's behalf
                }
                sse.upstream(buf, start, end - start);
                chunksSeen++;
                return 1;
            }
            sse.upstream(buf, start, end - start);
            return 0;
        }

        private static final int NO_USAGE = 0;
        private static final int USAGE = 1;
        private static final int USAGE_ONLY = 2;

        /**
         * Reads the top-level {@code usage} object of the JSON event data in {@code buf[from, end)}
         * into {@code ex}: {@link #USAGE_ONLY} when its {@code choices} is an empty array (the
         * final usage chunk), {@link #USAGE} when it has usage and choices, {@link #NO_USAGE}
         * when it has no usage object or is not JSON (it is relayed unread). Read with the
         * streaming parser, not into a tree: upstreams like OpenAI put {@code "usage": null} in
         * every chunk once usage is asked for.
         */
        private int readUsage(int from, int end, Exchange ex) {
            long[] usage = null;
            boolean choicesEmpty = false;
            try (JsonParser p = ApiError.JSON.getFactory().createParser(buf, from, end - from)) {
                if (p.nextToken() != JsonToken.START_OBJECT) return NO_USAGE;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken value = p.nextToken();
                    if (value == JsonToken.START_OBJECT && name.equals("usage")) {
                        usage = usageFields(p);
                    } else if (value == JsonToken.START_ARRAY && name.equals("choices")) {
                        JsonToken t = p.nextToken();
                        choicesEmpty = t == JsonToken.END_ARRAY;
                        while (t != JsonToken.END_ARRAY) {
                            if (t == null) return NO_USAGE; // cut short
                            p.skipChildren();
                            t = p.nextToken();
                        }
                    } else {
                        p.skipChildren();
                    }
                }
            } catch (IOException e) {
                return NO_USAGE;
            }
            if (usage == null) return NO_USAGE;
            ex.promptTokens = usage[0];
            ex.completionTokens = usage[1];
            ex.usageReported = true;
            return choicesEmpty ? USAGE_ONLY : USAGE;
        }

        private boolean startsWith(int start, int end, byte[] prefix) {
            if (end - start < prefix.length) return false;
            for (int i = 0; i < prefix.length; i++) {
                if (buf[start + i] != prefix[i]) return false;
            }
            return true;
        }

        private boolean contains(int from, int end, byte[] needle) {
            byte first = needle[0];
            for (int i = from, last = end - needle.length; i <= last; i++) {
                if (buf[i] == first && startsWith(i, end, needle)) return true;
            }
            return false;
        }

        void flushRemainder(SseWriter sse) {
            if (len > 0) {
                sse.upstream(buf, 0, len);
                len = 0;
                sse.flush();
            }
        }
    }
}
