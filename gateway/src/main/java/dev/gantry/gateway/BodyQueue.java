package dev.gantry.gateway;

import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One upstream streaming call, run by its own virtual thread that does the blocking request
 * and reads the body into a small bounded queue (back-pressure: a slow client slows the
 * reader). The handler polls the queue with timeouts, which is what lets the proxy send
 * keep-alive comments and enforce first-token, idle and total timeouts. Items, in order: the
 * upstream {@link Status}, then {@code byte[]} chunks, then {@link #END} or a {@link Throwable}.
 */
final class BodyQueue {
    /** Marks the end of the body. */
    static final Object END = new Object();

    /** The upstream answered with this HTTP status; body chunks follow. */
    record Status(int code) {}

    private final ArrayBlockingQueue<Object> queue = new ArrayBlockingQueue<>(64);
    private final Thread reader;
    private volatile boolean cancelled;

    private BodyQueue(UpstreamClient http, URI uri, Map<String, String> headers, byte[] body, Duration readTimeout) {
        reader = Thread.ofVirtual().name("upstream-reader").unstarted(() -> read(http, uri, headers, body, readTimeout));
        reader.start();
    }

    static BodyQueue start(UpstreamClient http, URI uri, Map<String, String> headers, byte[] body, Duration readTimeout) {
        return new BodyQueue(http, uri, headers, body, readTimeout);
    }

    private void read(UpstreamClient http, URI uri, Map<String, String> headers, byte[] body, Duration readTimeout) {
        try (UpstreamClient.Response res = http.post(uri, headers, body, readTimeout)) {
            put(new Status(res.status));
            InputStream in = res.body();
            byte[] buf = new byte[16 * 1024];
            int n;
            while (!cancelled && (n = in.read(buf)) >= 0) {
                if (n > 0) put(Arrays.copyOf(buf, n));
            }
            put(END);
        } catch (InterruptedException e) {
            // cancelled by the handler
        } catch (Throwable t) {
            if (!cancelled) {
                try {
                    put(t);
                } catch (InterruptedException ignored) {
                    // cancelled
                }
            }
        }
    }

    private void put(Object item) throws InterruptedException {
        if (!cancelled) queue.put(item);
    }

    /**
     * Waits up to {@code nanos} for the next item: a {@link Status}, a {@code byte[]},
     * {@link #END}, a {@link Throwable}, or null on timeout.
     */
    Object poll(long nanos) throws InterruptedException {
        return queue.poll(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    /** Stops the reader: interrupting a virtual thread blocked on a socket closes that socket. */
    void cancel() {
        if (cancelled) return;
        cancelled = true;
        queue.clear();
        reader.interrupt();
    }
}
