package dev.gantry.gateway;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.gateway.config.GatewayConfig;
import dev.gantry.gateway.config.RoutingStrategy;
import dev.gantry.gateway.server.Http1Server;
import dev.gantry.gateway.server.HttpException;
import dev.gantry.gateway.server.Routes;
import dev.gantry.gateway.server.ServerRequest;
import dev.gantry.gateway.server.ServerResponse;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The gateway wired from a {@link GatewayConfig}: router and health monitor, auth and key
 * admin, limits (in memory, or Redis when {@code redis_host} is set), the usage ledger and
 * metrics. {@link #routing(Routes)} installs every endpoint and the OpenAI-shaped error
 * answers; {@link #start(String, int)} serves them with the gateway's own HTTP/1.1 server
 * ({@link Http1Server}: one virtual thread per connection running the blocking handlers),
 * limited to {@code max_request_bytes} per body and {@code max_concurrent_requests} in flight.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Gateway.class.getName());
    /** Liveness (LiteLLM's spelling; /health/liveness is served too). */
    public static final String LIVELINESS_PATH = "/health/liveliness";
    /** Readiness: "healthy" while an upstream is available and the usage ledger writable. */
    public static final String READINESS_PATH = "/health/readiness";
    public static final String METRICS_PATH = "/metrics";

    final GatewayConfig config;
    final Metrics metrics = new Metrics();
    final Router router;
    final Auth auth;
    final Limits limits;
    final Ledger ledger;
    final Database database;
    private final HttpClient client;
    private final UpstreamClient upstreamHttp;
    private final HealthMonitor health;
    private final Limits.LimitStore limitStore;
    private final Proxy proxy;
    private final KeyAdmin keyAdmin;
    private Http1Server server;

    /** {@code dataDir} holds the embedded H2 database and the ledger spool unless the config says otherwise. */
    public Gateway(GatewayConfig config, Path dataDir) {
        this.config = config;
        Clock clock = Clock.systemUTC();
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.gantry().connectTimeout())
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
        this.router = new Router(config, metrics, System::nanoTime);
        this.health = new HealthMonitor(router, client, config.gantry().healthCheckInterval(),
                config.router().strategy() == RoutingStrategy.ENGINE_AWARE);
        this.database = new Database(config.general().databaseUrl(), dataDir.resolve("gantry-gateway").toAbsolutePath().toString());
        database.warmUpInBackground();
        KeyStore keys = new KeyStore(database);
        this.auth = new Auth(config.general().masterKey(), config.general().saltKey(), keys, clock,
                config.general().jwt().map(JwtVerifier::new).orElse(null));
        this.keyAdmin = new KeyAdmin(auth, keys, clock);
        this.limitStore = config.router().redis().<Limits.LimitStore>map(r -> new RedisLimitStore(r, metrics))
                .orElseGet(Limits.LocalLimitStore::new);
        this.limits = new Limits(limitStore, config, clock::millis);
        if (limitStore instanceof RedisLimitStore redis) {
            // Key updates, blocks and deletes reach the other replicas' caches at once, not after the TTL.
            redis.onKeyChange(auth::invalidateLocally);
            auth.publishKeyChangesTo(redis::publishKeyChange);
            // Spend is shared too, so a budget spent on one replica stops the others within ~0.1 s.
            redis.onSpend(auth::addSpend);
            auth.publishSpendTo(redis::publishSpend);
        }
        Path spoolDir = Path.of(config.gantry().spoolDir());
        this.ledger = new Ledger(database, spoolDir.isAbsolute() ? spoolDir : dataDir.resolve(spoolDir), metrics);
        // Idle pooled connections are dropped after 2 s: upstream servers close theirs (uvicorn after 5 s).
        this.upstreamHttp = new UpstreamClient(config.gantry().connectTimeout(), java.time.Duration.ofSeconds(2), 1024);
        this.proxy = new Proxy(config, router, upstreamHttp, metrics, auth, limits, ledger);
        metrics.processMetrics();
        metrics.gauges("gantry_gateway_deployment_in_flight", "Requests in flight per deployment.", "deployment", () -> {
            var m = new java.util.TreeMap<String, Double>();
            router.all().forEach(u -> m.put(u.id(), (double) u.inFlight.get()));
            return m;
        });
        metrics.gauges("gantry_gateway_deployment_healthy", "1 when the deployment is healthy and not cooling down.", "deployment", () -> {
            var m = new java.util.TreeMap<String, Double>();
            long now = System.nanoTime();
            router.all().forEach(u -> m.put(u.id(), u.healthy && !u.coolingDown(now) ? 1.0 : 0.0));
            return m;
        });
        config.warnings().forEach(w -> LOG.warning("config: " + w));
    }

    /** Installs every endpoint, the unknown-URL answer and the error answers. */
    public void routing(Routes r) {
        r.errors((req, res, e) -> {
            if (e instanceof ApiError api) {
                api.send(res);
            } else if (e instanceof HttpException http) {
                ApiError.of(http).send(res);
            } else {
                LOG.log(Level.SEVERE, "unexpected error on " + (req == null ? "a request" : req.method() + " " + req.path()), e);
                new ApiError(500, "internal_error", "internal_error", null,
                        "internal gateway error (" + e.getClass().getSimpleName() + "); see the gateway log", java.util.Map.of()).send(res);
            }
        });
        for (String prefix : new String[] {"/v1", ""}) {
            r.post(prefix + "/chat/completions", (req, res) -> proxy.handle(Proxy.Endpoint.CHAT, req, res));
            r.post(prefix + "/completions", (req, res) -> proxy.handle(Proxy.Endpoint.COMPLETIONS, req, res));
            r.get(prefix + "/models", this::models);
        }
        r.get(LIVELINESS_PATH, (req, res) -> json(res, 200, "{\"status\":\"alive\"}"));
        r.get("/health/liveness", (req, res) -> json(res, 200, "{\"status\":\"alive\"}"));
        r.get(READINESS_PATH, this::readiness);
        r.get(METRICS_PATH, (req, res) -> {
            res.header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            res.send(metrics.scrape());
        });
        keyAdmin.routing(r);
        // Unknown paths and known paths with another method alike (as under Helidon, whose r.any caught both).
        r.notFound((req, res) -> new ApiError(404, "invalid_request_error", "unknown_url", null, "unknown URL "
                + req.method() + " " + req.path()
                + "; the gateway serves /v1/chat/completions, /v1/completions, /v1/models, /key/*, /health/*, /metrics",
                java.util.Map.of()).send(res));
    }

    private void models(ServerRequest req, ServerResponse res) {
        Caller caller = auth.authenticate(req);
        ObjectNode out = ApiError.JSON.createObjectNode();
        out.put("object", "list");
        ArrayNode data = out.putArray("data");
        for (String name : config.modelNames()) {
            if (!caller.mayUse(name)) continue;
            ObjectNode m = data.addObject();
            m.put("id", name);
            m.put("object", "model");
            m.put("created", 0);
            m.put("owned_by", "gantry");
        }
        json(res, 200, out.toString());
    }

    private void readiness(ServerRequest req, ServerResponse res) {
        boolean upstream = router.anyAvailable();
        // With fail_closed limits and Redis down every request would get 503: not ready.
        boolean limitsOk = limitStore.available() || !(limitStore instanceof RedisLimitStore r && r.failClosed());
        boolean ledgerOk = ledger.writable() && limitsOk;
        ObjectNode out = ApiError.JSON.createObjectNode();
        out.put("status", upstream && ledgerOk ? "healthy" : "unhealthy");
        out.put("config_loaded", true);
        out.put("healthy_deployments", router.all().stream().filter(u -> u.healthy && !u.coolingDown(System.nanoTime())).count());
        out.put("deployments", router.all().size());
        out.put("db", ledger.databaseUp() ? "connected" : "down, spooling");
        out.put("ledger_queue_depth", ledger.queueDepth());
        out.put("ledger_spooled_records", ledger.spooled());
        out.put("limits", limitStore.describe());
        json(res, upstream && ledgerOk ? 200 : 503, out.toString());
    }

    private static void json(ServerResponse res, int status, String body) {
        res.status(status);
        res.header("Content-Type", "application/json");
        res.send(body);
    }

    /**
     * Starts serving on {@code host:port} (port 0 picks a free one); timeouts are
     * {@link Http1Server}'s defaults (idle keep-alive 60 s, request head 20 s).
     */
    public Http1Server start(String host, int port) {
        Routes routes = new Routes();
        routing(routes);
        server = Http1Server.builder(routes)
                .host(host)
                .port(port)
                .maxRequestBytes(config.gantry().maxRequestBytes())
                .maxConcurrentRequests(config.gantry().maxConcurrentRequests())
                .start();
        Http1Server started = server;
        metrics.sampledCounters("gantry_gateway_http_refused_total", "Requests the HTTP server answered itself before any "
                + "endpoint ran, by status (503: over max_concurrent_requests; 413: body over max_request_bytes; 400, 408, "
                + "414, 417, 431, 501, 505: malformed or too slow). Not in gantry_gateway_requests_total.", "status", () -> {
            var m = new java.util.TreeMap<String, Double>();
            started.refusedByStatus().forEach((status, n) -> m.put(Integer.toString(status), (double) n));
            return m;
        });
        LOG.info("gantry gateway listening on http://" + host + ":" + server.port() + " with "
                + config.deployments().size() + " deployments of " + config.modelNames());
        return server;
    }

    @Override
    public void close() {
        if (server != null) server.stop();
        health.close();
        ledger.close();
        try {
            limitStore.close();
        } catch (Exception e) {
            LOG.warning("closing limits: " + e);
        }
        database.close();
        client.shutdownNow();
        upstreamHttp.close();
    }
}
