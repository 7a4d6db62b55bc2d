package dev.gantry.gateway;

import dev.gantry.gateway.server.TimedInput;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * The gateway's HTTP/1.1 client to its upstreams: blocking sockets read and written on the
 * caller's own (virtual) thread, and a keep-alive pool per host, most recently used first.
 * It exists because the general-purpose clients cost the hot path a thread hand-off per
 * request (the JDK client's selector; Helidon's client starts an idle-monitor virtual thread
 * for every pooled connection and reads the next response's first byte on it).
 *
 * <p>A pooled connection idle longer than {@code maxIdle} is closed rather than reused
 * (servers drop idle keep-alive connections: uvicorn after 5 s). A reused connection that
 * fails before any byte of the answer arrived (the server had closed it) is retried once on a
 * new connection; a read timeout is never retried here. Bodies are framed by
 * {@code Content-Length}, {@code chunked}, or the end of the connection.
 *
 * <p>How a call waits for its upstream is explicit: every call takes a {@link Wait}. Before
 * each read from the socket (whenever the bytes already received are used up) the client asks
 * {@link Wait#beforeRead()} how long that read may block, and times the read by the socket's
 * read timeout, or by {@link TimedInput}'s watchdog when {@link Wait#timeoutEndsCall()} says a
 * timeout ends the call; when the read times out it calls {@link Wait#afterTimeout()}, which may act on the
 * reading thread (the proxy sends a {@code : keep-alive} comment to its client) and returns how
 * long to wait more, or 0 to give up, which ends the call with the
 * {@link SocketTimeoutException}. A unary call uses {@link Wait#fixed}: one read timeout, no
 * second chance. The wait runs under the connection's buffer, so the head parser and the
 * chunked decoder never see a timeout they could be interrupted by: a pause at any byte (in
 * the status line, a header, a chunk-size line, between a chunk and its CRLF) costs only the
 * time waited, and a Java socket stays valid after a read timeout. A call that gives up, or
 * whose caller stops reading early, closes its connection instead of returning it to the pool.
 */
final class UpstreamClient implements AutoCloseable {
    private final Duration connectTimeout;
    private final long maxIdleNanos;
    private final int maxIdlePerHost;
    private final ConcurrentHashMap<String, ConcurrentLinkedDeque<Conn>> pools = new ConcurrentHashMap<>();
    private volatile boolean closed;

    UpstreamClient(Duration connectTimeout, Duration maxIdle, int maxIdlePerHost) {
        this.connectTimeout = connectTimeout;
        this.maxIdleNanos = maxIdle.toNanos();
        this.maxIdlePerHost = maxIdlePerHost;
    }

    /**
     * How one call waits for bytes from its upstream (see the class comment). Both methods run
     * on the calling thread, inside the read that waits; an unchecked exception from them ends
     * the call and closes its connection.
     */
    interface Wait {
        /** Milliseconds (at least 1) that the next socket read may block. */
        int beforeRead();

        /** The read waited {@link #beforeRead} (or the last answer) in vain: milliseconds to wait more, or 0 to give up. */
        int afterTimeout();

        /**
         * True when a timeout of the next read ends the call ({@link #afterTimeout} would give
         * up): then the read is timed by {@link TimedInput}'s watchdog, which spares it a timed
         * park, and may end up to ~10 ms late. False when the reading thread must wake on time
         * to act and read on (keep-alive comments): then the socket's own read timeout.
         */
        default boolean timeoutEndsCall() {
            return false;
        }

        /** Every read may block for {@code timeout}; a read that times out ends the call. */
        static Wait fixed(Duration timeout) {
            int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            return new Wait() {
                @Override
                public int beforeRead() {
                    return millis;
                }

                @Override
                public int afterTimeout() {
                    return 0;
                }

                @Override
                public boolean timeoutEndsCall() {
                    return true;
                }
            };
        }
    }

    /** An answer: status, the headers the proxy needs, and the body as a stream that ends with the body. */
    static final class Response implements AutoCloseable {
        final int status;
        final String contentType;
        private final InputStream body;
        private final Conn conn;
        private final UpstreamClient owner;
        private boolean done;

        private Response(int status, String contentType, InputStream body, Conn conn, UpstreamClient owner) {
            this.status = status;
            this.contentType = contentType;
            this.body = body;
            this.conn = conn;
            this.owner = owner;
        }

        InputStream body() {
            return body;
        }

        /** The whole body, at most {@code max} bytes (more is an error: no upstream answer is that large). */
        byte[] readAll(int max) throws IOException {
            if (body instanceof LengthBody sized) {
                // Content-Length known (the usual unary answer): one array of exactly that size.
                if (sized.left > max) throw new IOException("upstream answer larger than " + max + " bytes");
                byte[] all = new byte[(int) sized.left];
                for (int off = 0; off < all.length; ) {
                    off += sized.read(all, off, all.length - off); // throws EOFException when the upstream stops short
                }
                return all;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(max, 8192));
            byte[] buf = new byte[8192];
            int n;
            while ((n = body.read(buf)) >= 0) {
                if (out.size() + n > max) throw new IOException("upstream answer larger than " + max + " bytes");
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        }

        /** Returns the connection to the pool when the body was read to its end, else closes it. */
        @Override
        public void close() {
            if (done) return;
            done = true;
            if (body instanceof Framed f && f.complete() && conn.keepAlive) {
                owner.release(conn);
            } else {
                conn.close();
            }
        }
    }

    /** POSTs {@code body} to {@code uri}; the read timeout bounds every wait for bytes. */
    Response post(URI uri, Map<String, String> headers, byte[] body, Duration readTimeout) throws IOException {
        return send("POST", uri, headers, body, Wait.fixed(readTimeout));
    }

    /** POSTs {@code body} to {@code uri}, waiting for the answer's head and body bytes as {@code wait} says. */
    Response post(URI uri, Map<String, String> headers, byte[] body, Wait wait) throws IOException {
        return send("POST", uri, headers, body, wait);
    }

    /** GETs {@code uri} (a bodiless request); the read timeout bounds every wait for bytes. */
    Response get(URI uri, Map<String, String> headers, Duration readTimeout) throws IOException {
        return send("GET", uri, headers, null, Wait.fixed(readTimeout));
    }

    private Response send(String method, URI uri, Map<String, String> headers, byte[] body, Wait wait)
            throws IOException {
        String key = key(uri);
        for (int attempt = 0; ; attempt++) {
            Conn c = attempt == 0 ? take(key) : null;
            boolean reused = c != null;
            if (c == null) c = connect(uri);
            try {
                c.in.wait = wait;
                writeRequest(c, method, uri, headers, body);
                return readHead(c);
            } catch (IOException e) {
                c.close();
                // A pooled connection the server had closed fails on write or on the first read:
                // once more on a new connection. Never after an answer started, never on a timeout.
                boolean stale = reused && !c.answerStarted && !(e instanceof SocketTimeoutException);
                if (stale) continue;
                if (e instanceof StaleConnection) throw new EOFException("the upstream closed the connection without answering");
                throw e;
            } catch (RuntimeException e) {
                c.close();
                throw e;
            }
        }
    }

    private static String key(URI uri) {
        return uri.getScheme() + "://" + uri.getHost() + ":" + port(uri);
    }

    private static int port(URI uri) {
        return uri.getPort() > 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    private Conn take(String key) {
        ConcurrentLinkedDeque<Conn> pool = pools.get(key);
        if (pool == null) return null;
        long now = System.nanoTime();
        Conn c;
        while ((c = pool.pollFirst()) != null) {
            if (now - c.idleSinceNanos < maxIdleNanos && !c.socket.isClosed()) return c;
            c.close();
        }
        return null;
    }

    private void release(Conn c) {
        if (closed) {
            c.close();
            return;
        }
        ConcurrentLinkedDeque<Conn> pool = pools.computeIfAbsent(c.key, k -> new ConcurrentLinkedDeque<>());
        c.idleSinceNanos = System.nanoTime();
        c.answerStarted = false;
        c.in.wait = null; // the finished call's (and whatever it holds on to)
        pool.offerFirst(c);
        // Over the cap: drop the least recently used one (the tail).
        if (pool.size() > maxIdlePerHost) {
            Conn old = pool.pollLast();
            if (old != null) old.close();
        }
    }

    private Conn connect(URI uri) throws IOException {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IOException("unsupported upstream URL scheme in '" + uri + "'; api_base must be http:// or https://");
        }
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(uri.getHost(), port(uri)), (int) connectTimeout.toMillis());
            if (scheme.equals("https")) {
                SSLSocket tls = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault())
                        .createSocket(s, uri.getHost(), port(uri), true);
                SSLParameters p = tls.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                tls.setSSLParameters(p);
                tls.startHandshake();
                s = tls;
            }
        } catch (IOException e) {
            s.close();
            throw e;
        }
        return new Conn(key(uri), s);
    }

    private static void writeRequest(Conn c, String method, URI uri, Map<String, String> headers, byte[] body)
            throws IOException {
        StringBuilder h = new StringBuilder(256);
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        h.append(method).append(' ').append(path);
        if (uri.getRawQuery() != null) h.append('?').append(uri.getRawQuery());
        h.append(" HTTP/1.1\r\nHost: ").append(uri.getHost());
        if (uri.getPort() > 0) h.append(':').append(uri.getPort());
        h.append("\r\n");
        if (body != null) h.append("Content-Length: ").append(body.length).append("\r\n");
        for (Map.Entry<String, String> e : headers.entrySet()) {
            h.append(e.getKey()).append(": ").append(e.getValue()).append("\r\n");
        }
        h.append("\r\n");
        c.out.write(h.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) c.out.write(body);
        c.out.flush();
    }

    /** Thrown when a connection ends before the first byte of an answer. */
    private static final class StaleConnection extends IOException {
        StaleConnection() {
            super("connection closed before the answer");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this; // an expected event on pooled connections: no stack trace to pay for
        }
    }

    private Response readHead(Conn c) throws IOException {
        int first = c.in.read();
        if (first < 0) throw new StaleConnection();
        c.answerStarted = true;
        String statusLine = (char) first + readLine(c.in);
        // HTTP/1.1 200 OK
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
            throw new IOException("not an HTTP/1.x answer from the upstream: '" + clip(statusLine) + "'");
        }
        int status;
        try {
            status = Integer.parseInt(statusLine.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new IOException("bad status line from the upstream: '" + clip(statusLine) + "'");
        }
        boolean http10 = statusLine.startsWith("HTTP/1.0");
        long contentLength = -1;
        boolean chunked = false;
        boolean close = http10;
        String contentType = null;
        String line;
        while (!(line = readLine(c.in)).isEmpty()) {
            int colon = line.indexOf(':');
            if (colon <= 0) continue;
            String name = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("Content-Length")) {
                try {
                    contentLength = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    throw new IOException("bad Content-Length from the upstream: '" + clip(value) + "'");
                }
            } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
            } else if (name.equalsIgnoreCase("Connection")) {
                String v = value.toLowerCase(Locale.ROOT);
                if (v.contains("close")) close = true;
                if (v.contains("keep-alive")) close = false;
            } else if (name.equalsIgnoreCase("Content-Type")) {
                contentType = value;
            }
        }
        if (status == 100) return readHead(c); // 100 Continue: the real answer follows
        InputStream body;
        if (status == 204 || status == 304) {
            body = new LengthBody(c.in, 0);
        } else if (chunked) {
            body = new ChunkedBody(c.in);
        } else if (contentLength >= 0) {
            body = new LengthBody(c.in, contentLength);
        } else {
            body = c.in; // until the connection closes
            close = true;
        }
        c.keepAlive = !close;
        return new Response(status, contentType, body, c, this);
    }

    private static String clip(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    /** A header line without its CRLF (at most 64 KiB). */
    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder(64);
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                int len = sb.length();
                if (len > 0 && sb.charAt(len - 1) == '\r') sb.setLength(len - 1);
                return sb.toString();
            }
            if (sb.length() >= 65536) throw new IOException("upstream header line longer than 64 KiB");
            sb.append((char) b);
        }
        throw new EOFException("the upstream closed the connection inside the headers");
    }

    /** A body whose end is known, so the connection can be reused once it is reached. */
    private abstract static class Framed extends InputStream {
        abstract boolean complete();

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }
    }

    private static final class LengthBody extends Framed {
        private final InputStream in;
        private long left;

        LengthBody(InputStream in, long length) {
            this.in = in;
            this.left = length;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left == 0) return -1;
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) throw new EOFException("the upstream closed the connection with " + left + " body bytes missing");
            left -= n;
            return n;
        }

        @Override
        boolean complete() {
            return left == 0;
        }
    }

    /**
     * The {@code chunked} transfer coding. A chunk's data is returned as soon as it is read; the
     * CRLF after it is consumed by the next read, so a chunk is never held back waiting for it.
     */
    private static final class ChunkedBody extends Framed {
        private final InputStream in;
        private long chunkLeft;
        /** The current chunk's data was read to its end, the CRLF after it not yet. */
        private boolean crlfDue;
        private boolean ended;

        ChunkedBody(InputStream in) {
            this.in = in;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (ended) return -1;
            if (len == 0) return 0;
            if (chunkLeft == 0) {
                if (crlfDue) {
                    skipLine(in);
                    crlfDue = false;
                }
                chunkLeft = readChunkSize(in);
                if (chunkLeft == 0) {
                    while (!readLine(in).isEmpty()) {
                        // trailers: ignored
                    }
                    ended = true;
                    return -1;
                }
            }
            int n = in.read(b, off, (int) Math.min(len, chunkLeft));
            if (n < 0) throw new EOFException("the upstream closed the connection inside a chunk");
            chunkLeft -= n;
            if (chunkLeft == 0) crlfDue = true;
            return n;
        }

        @Override
        boolean complete() {
            return ended;
        }
    }

    /**
     * A chunk-size line: hex digits, optional whitespace, optional {@code ;extensions}, CRLF.
     * Parsed from the bytes as they come (no String per chunk).
     */
    private static long readChunkSize(InputStream in) throws IOException {
        long size = 0;
        int digits = 0;
        boolean digitsEnded = false;
        boolean extension = false;
        int length = 0;
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) throw new EOFException("the upstream closed the connection inside a chunk-size line");
            if (++length > 4096) throw new IOException("upstream chunk-size line longer than 4 KiB");
            if (extension || b == '\r') continue;
            if (b == ';') {
                extension = true;
            } else if (b == ' ' || b == '\t') {
                digitsEnded = digits > 0;
            } else {
                int d = Character.digit(b, 16);
                if (d < 0 || digitsEnded || size > (Long.MAX_VALUE >> 4)) {
                    throw new IOException("bad chunk size from the upstream: unexpected "
                            + (d < 0 ? "byte 0x" + Integer.toHexString(b) : "digit '" + (char) b + "'") + " in a chunk-size line");
                }
                size = size << 4 | d;
                digits++;
            }
        }
        if (digits == 0) throw new IOException("bad chunk size from the upstream: a chunk-size line without hex digits");
        return size;
    }

    /** Skips to the end of a line (the CRLF after a chunk's data). */
    private static void skipLine(InputStream in) throws IOException {
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) throw new EOFException("the upstream closed the connection after a chunk's data");
        }
    }

    /**
     * A connection's input: a buffer over the socket whose every socket read waits as the
     * current call's {@link Wait} says. A read that times out consumed nothing, so whatever
     * reads through this buffer (the head parser, a body) simply blocks longer.
     */
    private static final class In extends InputStream {
        private final Socket socket;
        private final TimedInput raw;
        /**
         * Plain sockets only: shutting a TLS socket's input from the watchdog would wait for the
         * lock its blocked reader holds, so TLS reads keep the socket's own read timeout.
         */
        private final boolean watchable;
        private final byte[] buf = new byte[16 * 1024];
        private int pos;
        private int lim;
        /** The socket's read timeout as last set, so an unchanged one is not set again. */
        private int soTimeout = -1;
        Wait wait;

        In(Socket socket) throws IOException {
            this.socket = socket;
            this.raw = new TimedInput(socket);
            this.watchable = !(socket instanceof SSLSocket);
        }

        @Override
        public int read() throws IOException {
            if (pos == lim && !fill()) return -1;
            return buf[pos++] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            if (pos == lim && !fill()) return -1;
            int n = Math.min(len, lim - pos);
            System.arraycopy(buf, pos, b, off, n);
            pos += n;
            return n;
        }

        /** Bytes received and not yet read; never touches the socket. */
        @Override
        public int available() {
            return lim - pos;
        }

        /** Reads more from the socket into the empty buffer; false at the end of the connection. */
        private boolean fill() throws IOException {
            int timeout = wait.beforeRead();
            while (true) {
                boolean watched = watchable && wait.timeoutEndsCall();
                raw.timeout(watched ? timeout : 0);
                int socketTimeout = watched ? 0 : timeout;
                if (socketTimeout != soTimeout) {
                    socket.setSoTimeout(socketTimeout);
                    soTimeout = socketTimeout;
                }
                try {
                    int n = raw.read(buf, 0, buf.length);
                    if (n < 0) return false;
                    if (n == 0) continue;
                    pos = 0;
                    lim = n;
                    return true;
                } catch (SocketTimeoutException e) {
                    timeout = wait.afterTimeout();
                    if (timeout <= 0 || raw.fired()) throw e; // after the watchdog fired the input is shut
                }
            }
        }
    }

    /** One connection: its socket, buffered streams, and whether it may be kept. */
    private static final class Conn {
        final String key;
        final Socket socket;
        final In in;
        final OutputStream out;
        boolean keepAlive = true;
        boolean answerStarted;
        long idleSinceNanos;

        Conn(String key, Socket socket) throws IOException {
            this.key = key;
            this.socket = socket;
            this.in = new In(socket);
            this.out = new BufferedOutputStream(socket.getOutputStream(), 8 * 1024);
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing: nothing to do
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        pools.values().forEach(p -> {
            Conn c;
            while ((c = p.pollFirst()) != null) c.close();
        });
    }
}
