package dev.gantry.engine.server;

import java.time.Duration;
import java.util.List;

/**
 * The HTTP side of {@code gantry-engine serve}, validated once: where to listen, what names to
 * answer to, the API key, and the limits that keep the server answering under load (request
 * size, waiting queue, queue timeout, drain timeout on SIGTERM, engine watchdog).
 *
 * @param apiKey null means no authentication (as vLLM without --api-key)
 * @param seed seeds requests that give no seed (reproducible server), or null for random seeds
 * @param maxNumSeqs sequences run at once (the engine's --max-num-seqs): admission permits
 */
record ServerConfig(
    String host,
    int port,
    List<String> servedModelNames,
    String modelRoot,
    String apiKey,
    Long seed,
    int maxNumSeqs,
    int maxNumQueuedRequests,
    Duration queueTimeout,
    long maxRequestBytes,
    Duration drainTimeout,
    Duration watchdogTimeout) {

  ServerConfig {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("--host must not be blank");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--port must be within [0, 65535] (0 picks a free port), got " + port);
    }
    servedModelNames = List.copyOf(servedModelNames);
    new ServedModels(servedModelNames, modelRoot); // validates the names
    if (apiKey != null && apiKey.isBlank()) {
      throw new IllegalArgumentException("--api-key must not be blank; omit it to serve without authentication");
    }
    if (maxNumSeqs < 1) {
      throw new IllegalArgumentException("--max-num-seqs must be >= 1, got " + maxNumSeqs);
    }
    if (maxNumQueuedRequests < 0) {
      throw new IllegalArgumentException("--max-num-queued-requests must be >= 0, got " + maxNumQueuedRequests);
    }
    positive("--queue-timeout", queueTimeout);
    positive("--drain-timeout", drainTimeout);
    positive("--watchdog-timeout", watchdogTimeout);
    if (maxRequestBytes < 1024) {
      throw new IllegalArgumentException("--max-request-bytes must be at least 1024, got " + maxRequestBytes);
    }
  }

  private static void positive(String flag, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(flag + " must be > 0 seconds, got " + (d == null ? null : d.toMillis() / 1000.0));
    }
  }

  /** Defaults for tests and embedding: loopback, a free port, no key, vLLM-like limits. */
  static ServerConfig defaults(String modelName, int maxNumSeqs) {
    return new ServerConfig("127.0.0.1", 0, List.of(modelName), modelName, null, null, maxNumSeqs, 1024,
        Duration.ofSeconds(60), 10L << 20, Duration.ofSeconds(30), Duration.ofSeconds(60));
  }

  ServerConfig withApiKey(String key) {
    return new ServerConfig(host, port, servedModelNames, modelRoot, key, seed, maxNumSeqs, maxNumQueuedRequests,
        queueTimeout, maxRequestBytes, drainTimeout, watchdogTimeout);
  }

  ServerConfig withQueue(int maxQueued, Duration timeout) {
    return new ServerConfig(host, port, servedModelNames, modelRoot, apiKey, seed, maxNumSeqs, maxQueued, timeout,
        maxRequestBytes, drainTimeout, watchdogTimeout);
  }

  ServerConfig withMaxRequestBytes(long bytes) {
    return new ServerConfig(host, port, servedModelNames, modelRoot, apiKey, seed, maxNumSeqs, maxNumQueuedRequests,
        queueTimeout, bytes, drainTimeout, watchdogTimeout);
  }

  ServerConfig withWatchdogTimeout(Duration d) {
    return new ServerConfig(host, port, servedModelNames, modelRoot, apiKey, seed, maxNumSeqs, maxNumQueuedRequests,
        queueTimeout, maxRequestBytes, drainTimeout, d);
  }
}
