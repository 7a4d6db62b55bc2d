package dev.gantry.gateway;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Polls every deployment's {@code /health} (never a paid completion) and, for engine-aware
 * routing, its Prometheus {@code /metrics} ({@code vllm:num_requests_waiting},
 * {@code vllm:kv_cache_usage_perc}, {@code vllm:num_requests_running}). The engine's root is
 * the {@code api_base} without its trailing {@code /v1}. A deployment whose /health answers
 * 404 is taken as healthy (not every OpenAI-compatible server has one).
 */
final class HealthMonitor implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(HealthMonitor.class.getName());

    private final Router router;
    private final HttpClient client;
    private final Duration timeout;
    private final boolean readMetrics;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "gateway-health");
        t.setDaemon(true);
        return t;
    });

    HealthMonitor(Router router, HttpClient client, Duration interval, boolean readMetrics) {
        this.router = router;
        this.client = client;
        // Not tied to the interval: a busy engine that answers in 1 s is alive (polls never overlap: fixed delay).
        this.timeout = Duration.ofSeconds(2);
        this.readMetrics = readMetrics;
        timer.scheduleWithFixedDelay(this::pollAll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    static URI engineRoot(URI apiBase) {
        String s = apiBase.toString();
        if (s.endsWith("/v1")) s = s.substring(0, s.length() - 3);
        return URI.create(s);
    }

    void pollAll() {
        try (var exec = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Upstream u : router.all()) exec.submit(() -> poll(u));
        } catch (RuntimeException e) {
            LOG.warning("health poll failed: " + e);
        }
    }

    private void poll(Upstream u) {
        URI root = engineRoot(u.deployment.apiBase());
        boolean wasHealthy = u.healthy;
        try {
            var res = client.send(HttpRequest.newBuilder(URI.create(root + "/health")).timeout(timeout).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
            u.healthy = res.statusCode() < 300 || res.statusCode() == 404;
        } catch (Exception e) {
            u.healthy = false;
        }
        if (wasHealthy != u.healthy) {
            LOG.info("deployment " + u.id() + " at " + root + " is now " + (u.healthy ? "healthy" : "UNHEALTHY"));
        }
        if (readMetrics && u.healthy) {
            try {
                var res = client.send(HttpRequest.newBuilder(URI.create(root + "/metrics")).timeout(timeout).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                if (res.statusCode() == 200) {
                    u.waiting = sum(res.body(), "vllm:num_requests_waiting");
                    u.kvCacheUsage = sum(res.body(), "vllm:kv_cache_usage_perc");
                    u.running = sum(res.body(), "vllm:num_requests_running");
                }
            } catch (Exception e) {
                // keep the last reading: a slow scrape says nothing new about the load
            }
        }
    }

    /** Sums every sample of a metric in Prometheus text format, or -1 when absent. */
    static double sum(String text, String metric) {
        double total = 0;
        boolean found = false;
        for (String line : text.split("\n")) {
            if (!line.startsWith(metric)) continue;
            int after = metric.length();
            if (line.length() > after && line.charAt(after) != ' ' && line.charAt(after) != '{') continue;
            int space = line.lastIndexOf(' ');
            String[] parts = line.substring(0, line.length()).trim().split("\\s+");
            try {
                // value is the last field unless a timestamp follows it
                String v = line.contains("}") ? line.substring(line.indexOf('}') + 1).trim().split("\\s+")[0]
                        : parts.length > 1 ? parts[1] : line.substring(space + 1);
                total += Double.parseDouble(v);
                found = true;
            } catch (NumberFormatException e) {
                // skip malformed line
            }
        }
        return found ? total : -1;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
