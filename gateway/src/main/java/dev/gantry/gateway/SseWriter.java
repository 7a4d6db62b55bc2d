package dev.gantry.gateway;

import dev.gantry.gateway.server.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The client side of a streamed answer. Headers are committed lazily, on the first
 * keep-alive comment or data event, so an upstream that fails before that can still be
 * retried or answered with a proper HTTP status. A write that fails because the client went
 * away throws {@link UncheckedIOException}, which the proxy records as status 499.
 */
final class SseWriter {
    private static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);

    private final ServerResponse res;
    private OutputStream out;
    /** Upstream bytes (not keep-alives) have reached the client: no retry is possible any more. */
    boolean upstreamBytesSent;
    /** Bytes were written since the last flush. */
    private boolean unflushed;

    SseWriter(ServerResponse res) {
        this.res = res;
    }

    boolean committed() {
        return out != null;
    }

    private void commit() {
        if (out == null) {
            res.status(200);
            res.header("Content-Type", "text/event-stream; charset=utf-8");
            res.header("Cache-Control", "no-cache");
            res.header("X-Accel-Buffering", "no");
            out = res.outputStream();
        }
    }

    void keepAlive() {
        commit();
        writeFlush(KEEP_ALIVE, 0, KEEP_ALIVE.length);
    }

    void upstream(byte[] bytes, int off, int len) {
        commit();
        upstreamBytesSent = true;
        unflushed = true;
        try {
            out.write(bytes, off, len);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends what was written since the last flush; nothing when nothing was. */
    void flush() {
        if (!unflushed) return;
        unflushed = false;
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An error after the stream started: an SSE event carrying the OpenAI-shaped error. */
    void error(ApiError e) {
        commit();
        byte[] body = e.bodyBytes();
        byte[] event = new byte[body.length + 8];
        System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, event, 0, 6);
        System.arraycopy(body, 0, event, 6, body.length);
        event[event.length - 2] = '\n';
        event[event.length - 1] = '\n';
        writeFlush(event, 0, event.length);
    }

    private void writeFlush(byte[] b, int off, int len) {
        try {
            out.write(b, off, len);
            unflushed = false;
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void close() {
        try {
            if (out != null) out.close();
        } catch (IOException e) {
            // client went away; nothing to tell it
        }
    }
}
