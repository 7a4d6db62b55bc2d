package dev.gantry.gateway;

import dev.gantry.gateway.config.FailureMode;
import dev.gantry.gateway.config.GatewayConfig;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Limit counters shared by gateway replicas through Redis. Each admission is one Lua script
 * that checks every limit and only then adds to all of them, so replicas never over-admit
 * between a read and a write. When Redis cannot be reached within {@link #TIMEOUT}, the
 * configured {@link FailureMode} decides: admit (fail-open) or answer 503 (fail-closed);
 * either way the failure is logged (at most every 10 s) and counted in
 * {@code gantry_gateway_redis_failures_total}. Keys are derived inside the script, so this
 * targets a single Redis (or a primary with replicas), not Redis Cluster.
 */
final class RedisLimitStore implements Limits.LimitStore {
    static final Duration TIMEOUT = Duration.ofMillis(500);
    private static final Logger LOG = Logger.getLogger(RedisLimitStore.class.getName());
    private static final String PREFIX = "gantry:gw:";

    // KEYS[i]: limit id; ARGV: now, reserved, then (kind, max) per limit. Returns {0, window} or {i, retryAfter}.
    private static final String ACQUIRE = """
            local now = tonumber(ARGV[1])
            local reserved = tonumber(ARGV[2])
            local win = math.floor(now / 60000)
            local into = now % 60000
            local f = into / 60000
            for i = 1, #KEYS do
              local kind = ARGV[1 + 2 * i]
              local max = tonumber(ARGV[2 + 2 * i])
              local add = 1
              if kind == 'TPM' then add = reserved end
              if kind == 'PARALLEL' then
                local cur = tonumber(redis.call('GET', KEYS[i]) or '0')
                if cur + add > max then return {i, 1} end
              else
                local cur = tonumber(redis.call('GET', KEYS[i] .. ':' .. win) or '0')
                local prev = tonumber(redis.call('GET', KEYS[i] .. ':' .. (win - 1)) or '0')
                if prev * (1 - f) + cur + add > max then
                  local wait
                  if cur + add > max or prev == 0 then
                    wait = 60000 - into
                  else
                    wait = math.ceil((1 - (max - cur - add) / prev) * 60000) - into
                  end
                  return {i, math.max(1, math.ceil(wait / 1000))}
                end
              end
            end
            for i = 1, #KEYS do
              local kind = ARGV[1 + 2 * i]
              if kind == 'PARALLEL' then
                redis.call('INCR', KEYS[i])
                redis.call('PEXPIRE', KEYS[i], 3600000)
              else
                local add = 1
                if kind == 'TPM' then add = reserved end
                local k = KEYS[i] .. ':' .. win
                redis.call('INCRBY', k, add)
                redis.call('PEXPIRE', k, 130000)
              end
            end
            return {0, win}
            """;

    // KEYS[i]: limit id; ARGV: window, delta, then kind per limit.
    private static final String RELEASE = """
            local win = ARGV[1]
            local delta = tonumber(ARGV[2])
            for i = 1, #KEYS do
              local kind = ARGV[2 + i]
              if kind == 'PARALLEL' then
                local v = redis.call('DECR', KEYS[i])
                if v < 0 then redis.call('SET', KEYS[i], 0) end
              elseif kind == 'TPM' and delta ~= 0 then
                local k = KEYS[i] .. ':' .. win
                if redis.call('EXISTS', k) == 1 then
                  local v = redis.call('INCRBY', k, delta)
                  if v < 0 then redis.call('SET', k, 0, 'KEEPTTL') end
                end
              end
            end
            return 0
            """;

    private final RedisClient client;
    private final GatewayConfig.Redis settings;
    private final Metrics metrics;
    private volatile StatefulRedisConnection<String, String> connection;
    private volatile boolean closed;
    private final AtomicLong lastConnectAttempt = new AtomicLong();
    private final AtomicLong lastWarning = new AtomicLong();
    /** Key changes published by any replica's admin API (digests only, never keys). */
    static final String KEY_CHANGES = PREFIX + "key-changes";
    private volatile java.util.function.Consumer<String> keyChangeListener = digest -> { };
    /** Spend per key, summed here and published every {@link #SPEND_FLUSH_MILLIS}: one message per key, not per request. */
    static final String SPEND = PREFIX + "spend";
    static final long SPEND_FLUSH_MILLIS = 100;
    private final String instanceId = java.util.UUID.randomUUID().toString();
    private final java.util.concurrent.ConcurrentHashMap<String, double[]> pendingSpend = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile Auth.SpendPublisher spendListener = (digest, tokens, cost) -> { };
    private final java.util.concurrent.ScheduledExecutorService spendFlusher =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("gateway-spend-publisher").unstarted(r));
    private volatile io.lettuce.core.pubsub.StatefulRedisPubSubConnection<String, String> subscription;

    RedisLimitStore(GatewayConfig.Redis settings, Metrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
        var uri = RedisURI.builder().withHost(settings.host()).withPort(settings.port()).withTimeout(TIMEOUT);
        if (settings.password() != null) uri.withPassword(settings.password().toCharArray());
        // Reconnect quickly after an outage: at most 1 s between attempts.
        this.client = RedisClient.create(io.lettuce.core.resource.DefaultClientResources.builder()
                .reconnectDelay(io.lettuce.core.resource.Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(1), 2,
                        java.util.concurrent.TimeUnit.MILLISECONDS))
                .build(), uri.build());
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                // Commands while disconnected fail at once instead of queueing: limits must not stall requests.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(TIMEOUT))
                .socketOptions(io.lettuce.core.SocketOptions.builder().connectTimeout(Duration.ofSeconds(2)).build())
                .build());
        spendFlusher.scheduleWithFixedDelay(this::flushSpend, SPEND_FLUSH_MILLIS, SPEND_FLUSH_MILLIS,
                java.util.concurrent.TimeUnit.MILLISECONDS);
        // Connect in the background until it works, so neither start-up nor the first request
        // waits for Redis and a Redis that comes up late is picked up without traffic.
        Thread.ofVirtual().name("gateway-redis-connect").start(() -> {
            boolean warned = false;
            while (connection == null && !closed) {
                try {
                    connectNow();
                } catch (RuntimeException e) {
                    if (!warned) {
                        LOG.warning("Redis " + settings.host() + ":" + settings.port() + " not reachable at start-up ("
                                + e.getMessage() + "); retrying every second");
                        warned = true;
                    }
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        });
    }

    /** True while the connection to Redis is up. */
    @Override
    public boolean available() {
        var c = connection;
        return c != null && c.isOpen();
    }

    @Override
    public String describe() {
        return "redis " + settings.host() + ":" + settings.port() + (available() ? " connected" : " unreachable")
                + " (" + settings.failureMode().name().toLowerCase() + ")";
    }

    boolean failClosed() {
        return settings.failureMode() == FailureMode.FAIL_CLOSED;
    }

    private StatefulRedisConnection<String, String> connection() {
        var c = connection;
        if (c != null) return c;
        long now = System.nanoTime();
        long last = lastConnectAttempt.get();
        if (last != 0 && now - last < 1_000_000_000L) throw new IllegalStateException("Redis unreachable (reconnecting)");
        lastConnectAttempt.set(now);
        return connectNow();
    }

    private synchronized StatefulRedisConnection<String, String> connectNow() {
        if (connection == null) {
            if (subscription == null) {
                // Subscribed before the connection is published, so "connected" in readiness means
                // this replica hears other replicas' key changes. Lettuce resubscribes after a reconnect.
                var sub = client.connectPubSub();
                sub.addListener(new io.lettuce.core.pubsub.RedisPubSubAdapter<>() {
                    @Override
                    public void message(String channel, String message) {
                        if (KEY_CHANGES.equals(channel)) keyChangeListener.accept(message);
                        if (SPEND.equals(channel)) receiveSpend(message);
                    }
                });
                sub.sync().subscribe(KEY_CHANGES, SPEND);
                subscription = sub;
            }
            var conn = client.connect();
            conn.setTimeout(TIMEOUT);
            connection = conn;
        }
        return connection;
    }

    @Override
    public Limits.Decision acquire(List<Limits.Limit> limits, long reservedTokens, long nowMillis) {
        String[] keys = new String[limits.size()];
        List<String> args = new ArrayList<>();
        args.add(Long.toString(nowMillis));
        args.add(Long.toString(reservedTokens));
        for (int i = 0; i < keys.length; i++) {
            keys[i] = PREFIX + limits.get(i).id();
            args.add(limits.get(i).kind().name());
            args.add(Long.toString(limits.get(i).max()));
        }
        List<Object> result;
        try {
            result = connection().sync().eval(ACQUIRE, ScriptOutputType.MULTI, keys, args.toArray(String[]::new));
        } catch (RuntimeException e) {
            return unreachable(e, nowMillis);
        }
        long index = (Long) result.get(0);
        long value = (Long) result.get(1);
        if (index == 0) return new Limits.Decision.Admitted(value);
        return new Limits.Decision.Rejected(limits.get((int) index - 1), value);
    }

    private Limits.Decision unreachable(RuntimeException e, long nowMillis) {
        FailureMode mode = settings.failureMode();
        metrics.redisFailures.inc(mode.name().toLowerCase());
        long now = System.nanoTime();
        long last = lastWarning.get();
        if ((last == 0 || now - last > 10_000_000_000L) && lastWarning.compareAndSet(last, now)) {
            LOG.warning("Redis " + settings.host() + ":" + settings.port() + " unreachable for rate limits ("
                    + e.getMessage() + "); redis_failure_mode=" + mode + (mode == FailureMode.FAIL_OPEN
                    ? ": admitting requests without shared limits" : ": rejecting requests with 503"));
        }
        if (mode == FailureMode.FAIL_CLOSED) {
            throw ApiError.unavailable("rate_limiter_unavailable", "rate limits are shared through Redis at "
                    + settings.host() + ":" + settings.port() + ", which is unreachable, and router_settings."
                    + "redis_failure_mode is fail_closed; retry shortly");
        }
        // fail-open: admitted without counting; release must not decrement what was never added.
        return new Limits.Decision.Admitted(-1);
    }

    @Override
    public void release(List<Limits.Limit> limits, long window, long reservedTokens, long actualTokens) {
        if (window < 0) return; // admitted fail-open: nothing was counted
        String[] keys = new String[limits.size()];
        List<String> args = new ArrayList<>();
        args.add(Long.toString(window));
        args.add(Long.toString(actualTokens - reservedTokens));
        for (int i = 0; i < keys.length; i++) {
            keys[i] = PREFIX + limits.get(i).id();
            args.add(limits.get(i).kind().name());
        }
        try {
            connection().sync().eval(RELEASE, ScriptOutputType.INTEGER, keys, args.toArray(String[]::new));
        } catch (RuntimeException e) {
            metrics.redisFailures.inc("release");
        }
    }

    /** Adds this gateway's spend on a key to what the next flush publishes. */
    void publishSpend(String digest, long tokens, double cost) {
        pendingSpend.compute(digest, (k, v) -> {
            double[] sum = v == null ? new double[2] : v;
            sum[0] += tokens;
            sum[1] += cost;
            return sum;
        });
    }

    /** Calls {@code listener} with the spend other replicas report (never this one's own). */
    void onSpend(Auth.SpendPublisher listener) {
        this.spendListener = listener;
    }

    private void flushSpend() {
        for (String digest : pendingSpend.keySet()) {
            double[] sum = pendingSpend.remove(digest);
            if (sum == null) continue;
            try {
                // "instance digest tokens cost": receivers skip their own messages.
                connection().async().publish(SPEND, instanceId + " " + digest + " " + (long) sum[0] + " " + sum[1]);
            } catch (RuntimeException e) {
                metrics.redisFailures.inc("publish");
            }
        }
    }

    private void receiveSpend(String message) {
        String[] f = message.split(" ");
        if (f.length != 4 || f[0].equals(instanceId)) return;
        try {
            spendListener.publish(f[1], Long.parseLong(f[2]), Double.parseDouble(f[3]));
        } catch (NumberFormatException e) {
            LOG.warning("ignoring a malformed spend message on " + SPEND);
        }
    }

    /** Calls {@code listener} with the digest of every key another replica (or this one) changed. */
    void onKeyChange(java.util.function.Consumer<String> listener) {
        this.keyChangeListener = listener;
    }

    /**
     * Tells every replica that the key with this digest changed (updated, blocked, deleted), so
     * they drop it from their caches now instead of after the cache TTL. Best effort: a replica
     * that misses it (Redis down) still refreshes within {@link Auth#CACHE_TTL}.
     */
    void publishKeyChange(String digest) {
        try {
            connection().async().publish(KEY_CHANGES, digest);
        } catch (RuntimeException e) {
            metrics.redisFailures.inc("publish");
        }
    }

    @Override
    public void close() {
        closed = true;
        spendFlusher.shutdownNow();
        flushSpend();
        var s = subscription;
        if (s != null) s.close();
        var c = connection;
        if (c != null) c.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
    }
}
