package dev.gantry.gateway.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The gateway's HTTP/1.1 (and 1.0) server: an accept loop on its own platform thread, one
 * virtual thread per connection running blocking {@link Routes} handlers, {@code TCP_NODELAY}
 * on every connection (SSE events are small writes that must not wait for delayed ACKs).
 *
 * <p>Protocol: keep-alive by default on 1.1, on 1.0 only when asked, {@code Connection: close}
 * honoured both ways; pipelined requests are served in order; request bodies by
 * {@code Content-Length} or {@code chunked} (both is a 400), {@code Expect: 100-continue}
 * answered when the handler reads the body. Limits answer through the error handler:
 * request line over {@link #DEFAULT_MAX_REQUEST_LINE_BYTES} 414, header section over
 * {@link #DEFAULT_MAX_HEADER_BYTES} 431, body over {@code maxRequestBytes} 413 (without
 * reading it), more than {@code maxConcurrentRequests} requests in flight 503 with
 * {@code Retry-After: 1}, malformed head 400, HTTP/2 or another major version 505.
 *
 * <p>Timeouts: an idle keep-alive connection closes after {@link #DEFAULT_IDLE_TIMEOUT} (load
 * balancers expect the server's to be longer than theirs: AWS ALB 60 s, GCP 600 s — set theirs
 * lower or this higher); a request head must arrive within {@link #DEFAULT_HEADER_TIMEOUT} of
 * its first byte (slowloris), else 408 and close; a body read waits at most
 * {@link #DEFAULT_BODY_TIMEOUT} for the next bytes; a response write blocked for
 * {@link #DEFAULT_WRITE_TIMEOUT} (a client that stopped reading) closes the connection, so the
 * handler's write fails with {@link java.io.UncheckedIOException}. {@link #stop} stops accepting, closes idle
 * connections, lets requests in flight finish for a grace period, then closes the rest.
 */
public final class Http1Server implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Http1Server.class.getName());
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(20);
    public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_REQUEST_LINE_BYTES = 8 * 1024;
    public static final int DEFAULT_MAX_HEADER_BYTES = 16 * 1024;

    final Routes routes;
    final long maxRequestBytes;
    final int maxConcurrentRequests;
    final int maxRequestLineBytes;
    final int maxHeaderBytes;
    final int idleTimeoutMillis;
    final long headerTimeoutNanos;
    final int bodyTimeoutMillis;
    private final long writeTimeoutNanos;
    private final Duration stopGrace;
    final AtomicInteger inFlight = new AtomicInteger();
    /** Requests this server answered itself before any route ran, by HTTP status. */
    private final ConcurrentHashMap<Integer, LongAdder> refused = new ConcurrentHashMap<>();
    final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    volatile boolean stopping;
    private final ServerSocket serverSocket;
    private final Thread acceptor;

    private Http1Server(Builder b) throws IOException {
        this.routes = b.routes;
        this.maxRequestBytes = b.maxRequestBytes;
        this.maxConcurrentRequests = b.maxConcurrentRequests;
        this.maxRequestLineBytes = b.maxRequestLineBytes;
        this.maxHeaderBytes = b.maxHeaderBytes;
        this.idleTimeoutMillis = millis(b.idleTimeout, "idleTimeout");
        this.headerTimeoutNanos = b.headerTimeout.toNanos();
        millis(b.headerTimeout, "headerTimeout");
        this.bodyTimeoutMillis = millis(b.bodyTimeout, "bodyTimeout");
        this.writeTimeoutNanos = b.writeTimeout.toNanos();
        millis(b.writeTimeout, "writeTimeout");
        this.stopGrace = b.stopGrace;
        this.serverSocket = new ServerSocket();
        serverSocket.setReuseAddress(true);
        serverSocket.bind(new InetSocketAddress(b.host, b.port), 1024);
        this.acceptor = Thread.ofPlatform().name("gantry-http-accept-" + port()).daemon(true).unstarted(this::acceptLoop);
        acceptor.start();
        Thread.ofVirtual().name("gantry-http-write-watchdog").start(this::watchWrites);
    }

    /** Closes connections whose socket write is stuck (the client stopped reading) for longer than the write timeout. */
    private void watchWrites() {
        long period = Math.clamp(writeTimeoutNanos / 4 / 1_000_000, 10, 1000);
        while (!serverSocket.isClosed() || !connections.isEmpty()) {
            try {
                Thread.sleep(period);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Connection c : connections) c.abortIfWriteStalled(now, writeTimeoutNanos);
        }
    }

    private static int millis(Duration d, String what) {
        if (d.isNegative() || d.isZero() || d.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " must be between 1 ms and ~24 days, got " + d);
        }
        return (int) d.toMillis();
    }

    public static Builder builder(Routes routes) {
        return new Builder(routes);
    }

    /** The bound port (the one picked when 0 was asked for). */
    public int port() {
        return serverSocket.getLocalPort();
    }

    /** Requests being handled now. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Requests refused with 503 because {@code maxConcurrentRequests} were in flight. */
    public long rejectedOverLimit() {
        LongAdder a = refused.get(503);
        return a == null ? 0 : a.sum();
    }

    /**
     * Requests this server answered itself, before any route ran, by status: 400 (malformed),
     * 408 (head too slow), 413 (body over the limit), 414, 417, 431, 501, 505, and 503 (over
     * {@code maxConcurrentRequests}). Handlers never see them, so only this counts them.
     */
    public Map<Integer, Long> refusedByStatus() {
        var out = new java.util.TreeMap<Integer, Long>();
        refused.forEach((status, n) -> out.put(status, n.sum()));
        return out;
    }

    void refused(int status) {
        refused.computeIfAbsent(status, k -> new LongAdder()).increment();
    }

    private void acceptLoop() {
        while (!stopping) {
            Socket s;
            try {
                s = serverSocket.accept();
            } catch (IOException e) {
                if (stopping || serverSocket.isClosed()) break;
                LOG.log(Level.WARNING, "accept failed (" + e + "); retrying", e);
                try {
                    Thread.sleep(50); // e.g. out of file descriptors: do not spin
                } catch (InterruptedException ie) {
                    break;
                }
                continue;
            }
            try {
                s.setTcpNoDelay(true);
            } catch (IOException e) {
                closeQuietly(s);
                continue;
            }
            Connection c = new Connection(this, s);
            connections.add(c);
            if (stopping) {
                connections.remove(c);
                closeQuietly(s);
                break;
            }
            Thread.startVirtualThread(c);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    /** {@link #stop(Duration)} with the builder's grace period. */
    public void stop() {
        stop(stopGrace);
    }

    /**
     * Stops accepting, closes idle connections, answers requests that are in flight with
     * {@code Connection: close} and waits up to {@code grace} for them, then closes every
     * connection that is left. Returns when the accept thread has ended.
     */
    public void stop(Duration grace) {
        if (stopping) return;
        stopping = true;
        try {
            serverSocket.close();
        } catch (IOException e) {
            LOG.log(Level.FINE, "closing the listening socket", e);
        }
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long deadline = System.nanoTime() + grace.toNanos();
        while (true) {
            connections.forEach(Connection::closeIfIdle);
            if (connections.isEmpty() || System.nanoTime() - deadline >= 0) break;
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!connections.isEmpty()) {
            LOG.info("closing " + connections.size() + " connections still busy after the " + grace.toMillis() + " ms grace period");
            connections.forEach(Connection::abort);
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** Server settings; {@link #start()} binds and starts accepting. */
    public static final class Builder {
        private final Routes routes;
        private String host = "0.0.0.0";
        private int port;
        private long maxRequestBytes = 10 * 1024 * 1024;
        private int maxConcurrentRequests = 4096;
        private int maxRequestLineBytes = DEFAULT_MAX_REQUEST_LINE_BYTES;
        private int maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private Duration headerTimeout = DEFAULT_HEADER_TIMEOUT;
        private Duration bodyTimeout = DEFAULT_BODY_TIMEOUT;
        private Duration writeTimeout = DEFAULT_WRITE_TIMEOUT;
        private Duration stopGrace = DEFAULT_STOP_GRACE;

        private Builder(Routes routes) {
            this.routes = Objects.requireNonNull(routes, "routes");
        }

        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** 0 picks a free port; {@link Http1Server#port()} tells which. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
            this.port = port;
            return this;
        }

        public Builder maxRequestBytes(long bytes) {
            if (bytes <= 0 || bytes > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("maxRequestBytes must be in [1, 2^31 - 17], got " + bytes);
            this.maxRequestBytes = bytes;
            return this;
        }

        public Builder maxConcurrentRequests(int n) {
            if (n <= 0) throw new IllegalArgumentException("maxConcurrentRequests must be > 0, got " + n);
            this.maxConcurrentRequests = n;
            return this;
        }

        public Builder maxRequestLineBytes(int bytes) {
            if (bytes < 64) throw new IllegalArgumentException("maxRequestLineBytes must be >= 64, got " + bytes);
            this.maxRequestLineBytes = bytes;
            return this;
        }

        public Builder maxHeaderBytes(int bytes) {
            if (bytes < 64) throw new IllegalArgumentException("maxHeaderBytes must be >= 64, got " + bytes);
            this.maxHeaderBytes = bytes;
            return this;
        }

        public Builder idleTimeout(Duration d) {
            this.idleTimeout = Objects.requireNonNull(d);
            return this;
        }

        public Builder headerTimeout(Duration d) {
            this.headerTimeout = Objects.requireNonNull(d);
            return this;
        }

        public Builder bodyTimeout(Duration d) {
            this.bodyTimeout = Objects.requireNonNull(d);
            return this;
        }

        /** How long one socket write may block (a client that stopped reading) before the connection is closed. */
        public Builder writeTimeout(Duration d) {
            this.writeTimeout = Objects.requireNonNull(d);
            return this;
        }

        public Builder stopGrace(Duration d) {
            if (d.isNegative()) throw new IllegalArgumentException("stopGrace must be >= 0, got " + d);
            this.stopGrace = d;
            return this;
        }

        /** Binds {@code host:port} and starts accepting. */
        public Http1Server start() {
            try {
                return new Http1Server(this);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
            }
        }
    }
}
