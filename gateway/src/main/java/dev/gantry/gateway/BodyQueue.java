package dev.gantry.gateway;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Flow;

/**
 * Turns the upstream response body publisher into something a blocking handler can poll
 * with a timeout, one item at a time (back-pressure: the next item is requested only after
 * the previous one was taken). Polling with a timeout is what lets the proxy send
 * keep-alive comments and enforce first-token and idle timeouts.
 */
final class BodyQueue implements Flow.Subscriber<List<ByteBuffer>> {
    /** Marks the end of the body. */
    static final Object END = new Object();

    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private volatile Flow.Subscription subscription;
    private volatile boolean cancelled;

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (cancelled) s.cancel(); else s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
        queue.add(item);
    }

    @Override
    public void onError(Throwable t) {
        queue.add(t);
    }

    @Override
    public void onComplete() {
        queue.add(END);
    }

    /**
     * Waits up to {@code nanos} for the next item: a {@code List<ByteBuffer>}, {@link #END}, a
     * {@link Throwable}, or null on timeout.
     */
    Object poll(long nanos) throws InterruptedException {
        Object o = queue.poll(Math.max(0, nanos), TimeUnit.NANOSECONDS);
        if (o instanceof List<?> && subscription != null) subscription.request(1);
        return o;
    }

    void cancel() {
        cancelled = true;
        var s = subscription;
        if (s != null) s.cancel();
    }
}
