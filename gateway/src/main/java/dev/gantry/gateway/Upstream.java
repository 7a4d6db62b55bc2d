package dev.gantry.gateway;

import dev.gantry.gateway.config.Deployment;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runtime state of one deployment: requests in flight from this gateway, recent failures
 * (for cooldown), health from the engine's {@code /health}, and load read from its
 * {@code /metrics}. Thread-safe; the failure window is guarded by {@code this}.
 */
final class Upstream {
    final Deployment deployment;
    final AtomicInteger inFlight = new AtomicInteger();
    private final Deque<Long> failureTimesNanos = new ArrayDeque<>();
    private volatile long cooldownUntilNanos;
    private volatile boolean everCooledDown;
    /** Health from /health; optimistic until the first check says otherwise. */
    volatile boolean healthy = true;
    /** vllm:num_requests_waiting from /metrics, or -1 when unknown. */
    volatile double waiting = -1;
    /** vllm:kv_cache_usage_perc (0..1) from /metrics, or -1 when unknown. */
    volatile double kvCacheUsage = -1;
    /** vllm:num_requests_running from /metrics, or -1 when unknown. */
    volatile double running = -1;

    /** Endpoint URIs by path, parsed once: URI.create per request was ~2% of the gateway's CPU. */
    private final ConcurrentHashMap<String, URI> uris = new ConcurrentHashMap<>();

    Upstream(Deployment deployment) {
        this.deployment = deployment;
    }

    /** The deployment's {@code api_base} followed by {@code path}, e.g. {@code /chat/completions}. */
    URI uri(String path) {
        URI u = uris.get(path);
        return u != null ? u : uris.computeIfAbsent(path, p -> URI.create(deployment.apiBase() + p));
    }

    String id() {
        return deployment.id();
    }

    boolean coolingDown(long nowNanos) {
        return everCooledDown && nowNanos - cooldownUntilNanos < 0;
    }

    /**
     * Records a failed attempt. Returns true when this failure puts the deployment in cooldown:
     * more than {@code allowedFails} failures within {@code window}.
     */
    synchronized boolean recordFailure(long nowNanos, int allowedFails, Duration window, Duration cooldown) {
        failureTimesNanos.addLast(nowNanos);
        while (!failureTimesNanos.isEmpty() && nowNanos - failureTimesNanos.peekFirst() > window.toNanos()) {
            failureTimesNanos.removeFirst();
        }
        if (failureTimesNanos.size() > allowedFails && !coolingDown(nowNanos)) {
            cooldownUntilNanos = nowNanos + cooldown.toNanos();
            everCooledDown = true;
            failureTimesNanos.clear();
            return true;
        }
        return false;
    }

    /** A success ends the run of failures: ejection is for consecutive trouble, not rare blips. */
    synchronized void recordSuccess() {
        failureTimesNanos.clear();
    }

    /** Engine-aware load score: waiting requests dominate, KV cache usage breaks ties. */
    double engineLoad() {
        double w = waiting < 0 ? inFlight.get() : waiting;
        double kv = kvCacheUsage < 0 ? 0 : kvCacheUsage;
        return w * 10 + kv * 5 + inFlight.get() * 0.01;
    }
}
