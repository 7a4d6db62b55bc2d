package dev.gantry.gateway.server;

import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One client connection, served on its own virtual thread: requests are read from one buffer
 * (so pipelined requests that arrive in one segment are kept for their turn), handled in
 * order, and answered with one socket write per response or per flushed chunk.
 */
final class Connection implements Runnable {
    private static final Logger LOG = Logger.getLogger(Http1Server.class.getName());
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EMPTY = new byte[0];
    /** A body the handler did not read is drained up to this size to keep the connection; a larger one closes it. */
    static final long DRAIN_LIMIT = 1024 * 1024;
    /** Headers at most, past that 431. */
    static final int MAX_HEADERS = 128;
    /** A chunk-size line (hex size and extensions) at most. */
    private static final int MAX_CHUNK_LINE = 4096;
    /** Before closing a connection with unread input, discard it for at most this long / this many bytes (lingering close). */
    private static final int LINGER_MILLIS = 2000;
    private static final long LINGER_BYTES = 4L * 1024 * 1024;
    /** A response body up to this size is copied behind its head and sent in one write. */
    private static final int COALESCE_LIMIT = 32 * 1024;

    private static final boolean[] TCHAR = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) TCHAR[c] = true;
        for (char c = 'a'; c <= 'z'; c++) TCHAR[c] = true;
        for (char c = 'A'; c <= 'Z'; c++) TCHAR[c] = true;
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) TCHAR[c] = true;
    }

    static boolean isTokenChar(int c) {
        return c >= 0 && c < 128 && TCHAR[c];
    }

    private final Http1Server server;
    private final Socket socket;
    private TimedInput in;
    private OutputStream out;
    private byte[] buf = new byte[8192];
    private int pos;
    private int lim;
    private final int maxHeadBytes;
    private final Bytes wire = new Bytes(1024);
    private byte[] streamBuffer;
    /** System.nanoTime() (made odd, so never 0) when a socket write started; 0 when none is under way. */
    private volatile long writingSince;
    /** Waiting for the first byte of a request: {@link Http1Server#stop} may close it at once. */
    private volatile boolean idle = true;
    /** This response must be the connection's last (the request broke the framing, or a body read failed). */
    private boolean forceClose;
    /** Input may be left unread: close lingering, so the client reads the answer instead of a reset. */
    private boolean unreadInput;

    Connection(Http1Server server, Socket socket) {
        this.server = server;
        this.socket = socket;
        this.maxHeadBytes = server.maxRequestLineBytes + server.maxHeaderBytes + 16;
    }

    @Override
    public void run() {
        try {
            in = new TimedInput(socket);
            out = socket.getOutputStream();
            while (serveOne()) {
                // next request on this connection
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.log(Level.FINE, "connection ended", e);
        } catch (Throwable t) {
            LOG.log(Level.SEVERE, "connection failed", t);
        } finally {
            close();
            server.connections.remove(this);
        }
    }

    /** Serves one request; true when the connection stays open for the next. */
    private boolean serveOne() throws IOException {
        if (pos == lim) {
            pos = lim = 0;
        } else if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, lim - pos);
            lim -= pos;
            pos = 0;
        }
        idle = true;
        if (server.stopping) return false;
        if (pos == lim) {
            try {
                timeout(server.idleTimeoutMillis);
                int n = in.read(buf, 0, buf.length);
                if (n < 0) return false;
                lim = n;
            } catch (IOException e) {
                return false; // idle timeout, reset, or closed by stop()
            }
        }
        idle = false;
        forceClose = false;
        unreadInput = false;
        ServerRequest req;
        try {
            req = readHead(System.nanoTime() + server.headerTimeoutNanos);
        } catch (HttpException e) {
            forceClose = unreadInput = true;
            refuse(null, new ServerResponse(this, null), e);
            return false;
        } catch (SocketTimeoutException e) {
            forceClose = unreadInput = true;
            refuse(null, new ServerResponse(this, null), new HttpException(408, "request_timeout",
                    "the request line and headers did not arrive within " + server.headerTimeoutNanos / 1_000_000_000
                            + " s; send the whole request head at once"));
            return false;
        } catch (IOException e) {
            return false; // the client went away mid-head
        }
        ServerResponse res = new ServerResponse(this, req);
        if (req.contentLength > server.maxRequestBytes) {
            forceClose = unreadInput = true;
            refuse(req, res, new HttpException(413, "request_too_large", "the request body is " + req.contentLength
                    + " bytes, over this gateway's limit of " + server.maxRequestBytes
                    + " bytes (gantry_settings.max_request_bytes); send a smaller body or raise the limit"));
            return false;
        }
        if (server.inFlight.incrementAndGet() > server.maxConcurrentRequests) {
            server.inFlight.decrementAndGet();
            refuse(req, res, new HttpException(503, "server_busy", "the gateway is serving its limit of "
                    + server.maxConcurrentRequests + " concurrent requests (gantry_settings.max_concurrent_requests); retry shortly",
                    Map.of("Retry-After", "1")));
        } else {
            try {
                dispatch(req, res);
            } finally {
                server.inFlight.decrementAndGet();
            }
        }
        if (res.broken || res.closeConnection || forceClose) {
            if (!req.bodyConsumed) unreadInput = true;
            return false;
        }
        return req.bodyConsumed || drain(req);
    }

    private void dispatch(ServerRequest req, ServerResponse res) throws IOException {
        boolean completed = true;
        try {
            server.routes.find(req.method(), req.path()).handle(req, res);
        } catch (Exception e) {
            if (res.broken) return;
            if (!res.isSent()) {
                answerError(req, res, e);
                return;
            }
            // Part of the answer is out: end the connection without the final chunk, so the
            // client sees a truncated answer rather than a complete one.
            if (!(e instanceof UncheckedIOException)) {
                LOG.log(Level.WARNING, "handler for " + req.method() + " " + req.path() + " failed after its response started", e);
            }
            completed = false;
            forceClose = true;
        }
        if (completed && !res.broken) {
            try {
                res.finish();
            } catch (IOException e) {
                res.broken = true;
            }
        }
    }

    /** Answers a request the server refuses before any route runs, and counts it. */
    private void refuse(ServerRequest req, ServerResponse res, HttpException e) {
        server.refused(e.status());
        answerError(req, res, e);
    }

    private void answerError(ServerRequest req, ServerResponse res, Exception e) {
        try {
            server.routes.errorHandler().handle(req, res, e);
            if (!res.isSent()) res.finish();
        } catch (UncheckedIOException | IOException io) {
            res.broken = true;
        } catch (Exception again) {
            LOG.log(Level.SEVERE, "the error handler failed on " + e, again);
            if (!res.isSent()) {
                try {
                    res.status(500).header("Content-Type", "text/plain; charset=utf-8").send("internal server error\n");
                } catch (UncheckedIOException io) {
                    res.broken = true;
                }
            }
        }
    }

    /** True when the response being written must be the connection's last. */
    boolean mustClose(ServerRequest req) {
        if (req == null || forceClose || server.stopping || !req.keepAlive) return true;
        if (req.bodyConsumed) return false;
        if (req.expectContinue && !req.continueSent) return true; // the client may never send the body
        return req.contentLength > DRAIN_LIMIT;
    }

    // ---- reading the head ---------------------------------------------------------------

    private static HttpException bad(String message) {
        return new HttpException(400, "bad_request", message);
    }

    private ServerRequest readHead(long deadline) throws IOException {
        int start = pos;
        int eol;
        int end;
        for (int blank = 0; ; blank++) {
            eol = headLine(start, server.maxRequestLineBytes, deadline, true);
            end = eol > start && buf[eol - 1] == '\r' ? eol - 1 : eol;
            if (end > start) break;
            if (blank == 8) throw bad("the request starts with empty lines instead of a request line");
            start = eol + 1;
        }
        // Request line: method SP target SP HTTP-version
        int sp1 = start;
        while (sp1 < end && buf[sp1] != ' ') {
            if (!isTokenChar(buf[sp1])) throw bad("malformed request line '" + ascii(start, end) + "': the method must be a token like POST");
            sp1++;
        }
        int sp2 = end - 1;
        while (sp2 > sp1 && buf[sp2] != ' ') sp2--;
        if (sp1 == start || sp1 >= end || sp2 <= sp1 + 1) {
            throw bad("malformed request line '" + ascii(start, end) + "'; expected 'METHOD /path HTTP/1.1'");
        }
        boolean http11 = version(sp2 + 1, end);
        for (int i = sp1 + 1; i < sp2; i++) {
            int b = buf[i] & 0xff;
            if (b <= 0x20 || b >= 0x7f) {
                throw bad("the request target has a space, control or non-ASCII byte (0x" + Integer.toHexString(b)
                        + "); percent-encode it");
            }
        }
        String method = method(start, sp1);
        int ps = sp1 + 1;
        String path;
        String rawQuery = null;
        if (buf[ps] == '/' || sp2 - ps == 1 && buf[ps] == '*') {
            // origin-form, or '*' (OPTIONS), which no route matches
        } else if (startsWithIgnoreCase(ps, sp2, "http://") || startsWithIgnoreCase(ps, sp2, "https://")) {
            int authority = ps + (buf[ps + 4] == ':' ? 7 : 8);
            int slash = authority;
            while (slash < sp2 && buf[slash] != '/' && buf[slash] != '?') slash++;
            ps = slash; // absolute-form: the path part; an empty path is "/"
        } else {
            throw bad("the request target must be a path starting with '/', got '" + ascii(ps, sp2) + "'");
        }
        int q = ps;
        while (q < sp2 && buf[q] != '?') q++;
        path = q == ps ? "/" : ascii(ps, q);
        if (q < sp2) rawQuery = ascii(q + 1, sp2);
        if (path.indexOf('%') >= 0) path = ServerRequest.percentDecode(path, "request path");
        pos = eol + 1;

        // Header section
        String[] names = new String[16];
        String[] values = new String[16];
        int count = 0;
        int headerBytes = 0;
        int hosts = 0;
        long contentLength = 0;
        String contentLengthText = null;
        String transferEncoding = null;
        boolean close = false;
        boolean keepAlive = false;
        String expect = null;
        while (true) {
            int ls = pos;
            int le = headLine(ls, server.maxHeaderBytes - headerBytes, deadline, false);
            headerBytes += le + 1 - ls;
            pos = le + 1;
            if (le > ls && buf[le - 1] == '\r') le--;
            if (le == ls) break;
            if (buf[ls] == ' ' || buf[ls] == '\t') throw bad("obsolete header line folding (a line starting with a space); send each header on one line");
            int colon = ls;
            while (colon < le && buf[colon] != ':') {
                if (!isTokenChar(buf[colon])) throw bad("malformed header line '" + ascii(ls, le) + "': a header name is a token followed by ':'");
                colon++;
            }
            if (colon == ls || colon == le) throw bad("malformed header line '" + ascii(ls, le) + "'; expected 'Name: value'");
            int vs = colon + 1;
            int ve = le;
            while (vs < ve && (buf[vs] == ' ' || buf[vs] == '\t')) vs++;
            while (ve > vs && (buf[ve - 1] == ' ' || buf[ve - 1] == '\t')) ve--;
            for (int i = vs; i < ve; i++) {
                int b = buf[i] & 0xff;
                if (b < 0x20 && b != '\t' || b == 0x7f) {
                    throw bad("the value of header " + ascii(ls, colon) + " has a control character (0x" + Integer.toHexString(b) + ")");
                }
            }
            if (count == MAX_HEADERS) {
                throw new HttpException(431, "header_fields_too_large", "more than " + MAX_HEADERS + " header fields; send fewer");
            }
            if (count == names.length) {
                names = Arrays.copyOf(names, count * 2);
                values = Arrays.copyOf(values, count * 2);
            }
            String name = ascii(ls, colon);
            String value = new String(buf, vs, ve - vs, StandardCharsets.ISO_8859_1);
            names[count] = name;
            values[count++] = value;
            switch (colon - ls) {
                case 4 -> {
                    if (name.equalsIgnoreCase("Host")) hosts++;
                }
                case 6 -> {
                    if (name.equalsIgnoreCase("Expect")) expect = value;
                }
                case 10 -> {
                    if (name.equalsIgnoreCase("Connection")) {
                        close |= ServerResponse.containsToken(value, "close");
                        keepAlive |= ServerResponse.containsToken(value, "keep-alive");
                    }
                }
                case 14 -> {
                    if (name.equalsIgnoreCase("Content-Length")) {
                        if (contentLengthText != null && !contentLengthText.equals(value)) {
                            throw bad("two different Content-Length headers ('" + contentLengthText + "' and '" + value + "'); send one");
                        }
                        contentLengthText = value;
                        contentLength = contentLength(value);
                    }
                }
                case 17 -> {
                    if (name.equalsIgnoreCase("Transfer-Encoding")) {
                        transferEncoding = transferEncoding == null ? value : transferEncoding + ", " + value;
                    }
                }
                default -> {
                }
            }
        }
        if (hosts > 1) throw bad("more than one Host header; send one");
        if (http11 && hosts == 0) throw bad("an HTTP/1.1 request must carry a Host header");
        if (transferEncoding != null) {
            if (!http11) throw bad("Transfer-Encoding is not allowed in an HTTP/1.0 request; send Content-Length");
            if (contentLengthText != null) throw bad("both Content-Length and Transfer-Encoding; send one of them");
            if (!transferEncoding.equalsIgnoreCase("chunked")) {
                throw new HttpException(501, "unsupported_transfer_encoding", "Transfer-Encoding '" + transferEncoding
                        + "' is not supported; send the body with Content-Length or Transfer-Encoding: chunked");
            }
            contentLength = -1;
        }
        boolean expectContinue = false;
        if (expect != null && http11) {
            if (!expect.equalsIgnoreCase("100-continue")) {
                throw new HttpException(417, "expectation_failed", "Expect: '" + expect + "' is not supported; only 100-continue is");
            }
            expectContinue = contentLength != 0;
        }
        return new ServerRequest(this, method, path, rawQuery, http11, names, values, count, contentLength, expectContinue,
                http11 ? !close : keepAlive && !close);
    }

    /** True for 1.1 (and 1.x above), false for 1.0; 505 for another major version, 400 for garbage. */
    private boolean version(int from, int to) {
        int n = to - from;
        if (n < 6 || buf[from] != 'H' || buf[from + 1] != 'T' || buf[from + 2] != 'T' || buf[from + 3] != 'P' || buf[from + 4] != '/') {
            throw bad("malformed request line: the protocol must be HTTP/1.1 or HTTP/1.0, got '" + ascii(from, to) + "'");
        }
        int major = buf[from + 5] - '0';
        if (major < 0 || major > 9) throw bad("malformed HTTP version '" + ascii(from, to) + "'");
        if (n == 8 && buf[from + 6] == '.' && buf[from + 7] >= '0' && buf[from + 7] <= '9' && major == 1) {
            return buf[from + 7] != '0';
        }
        if (major != 1 && (n == 6 || n == 8 && buf[from + 6] == '.')) {
            throw new HttpException(505, "http_version_not_supported", "HTTP version '" + ascii(from, to)
                    + "' is not supported; this gateway speaks HTTP/1.1 and HTTP/1.0");
        }
        throw bad("malformed HTTP version '" + ascii(from, to) + "'");
    }

    private static long contentLength(String v) {
        if (v.isEmpty() || v.length() > 18) throw bad("Content-Length must be a whole number of bytes, got '" + v + "'");
        long n = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') throw bad("Content-Length must be a whole number of bytes, got '" + v + "'");
            n = n * 10 + (c - '0');
        }
        return n;
    }

    private String method(int from, int to) {
        int n = to - from;
        if (n == 4 && buf[from] == 'P' && buf[from + 1] == 'O' && buf[from + 2] == 'S' && buf[from + 3] == 'T') return "POST";
        if (n == 3 && buf[from] == 'G' && buf[from + 1] == 'E' && buf[from + 2] == 'T') return "GET";
        if (n > 32) throw bad("the request method is longer than 32 characters");
        return ascii(from, to);
    }

    private boolean startsWithIgnoreCase(int from, int to, String prefix) {
        if (to - from < prefix.length()) return false;
        for (int i = 0; i < prefix.length(); i++) {
            if (Character.toLowerCase((char) buf[from + i]) != prefix.charAt(i) && (char) buf[from + i] != prefix.charAt(i)) return false;
        }
        return true;
    }

    private String ascii(int from, int to) {
        return new String(buf, from, to - from, StandardCharsets.ISO_8859_1);
    }

    /**
     * The index of the '\n' ending the line that starts at {@code from}, reading as needed
     * until {@code deadline}; a line longer than {@code max} is 414 (request line with a method)
     * or 400, and 431 for a header line.
     */
    private int headLine(int from, int max, long deadline, boolean requestLine) throws IOException {
        int scan = from;
        while (true) {
            for (; scan < lim; scan++) {
                if (buf[scan] == '\n') {
                    if (scan - from >= max) break;
                    return scan;
                }
            }
            if (scan - from >= max) {
                if (!requestLine) {
                    throw new HttpException(431, "header_fields_too_large", "the request's header section is over "
                            + server.maxHeaderBytes + " bytes; send fewer or shorter headers");
                }
                int sp = from;
                while (sp < from + 33 && sp < lim && buf[sp] != ' ') sp++;
                if (sp < lim && buf[sp] == ' ') {
                    throw new HttpException(414, "uri_too_long", "the request target is longer than "
                            + server.maxRequestLineBytes + " bytes; send long parameters in the body");
                }
                throw bad("the request line is over " + server.maxRequestLineBytes + " bytes and does not start with a method");
            }
            if (lim == buf.length) buf = Arrays.copyOf(buf, Math.min(buf.length * 2, Math.max(maxHeadBytes, buf.length + 1)));
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) throw new SocketTimeoutException("request head timeout");
            timeout((int) Math.min(left, Integer.MAX_VALUE));
            int n = in.read(buf, lim, buf.length - lim);
            if (n < 0) throw new EOFException("the client closed the connection mid-head");
            lim += n;
        }
    }

    /** The longest each following read may block (see {@link TimedInput}: no timed park per read). */
    private void timeout(int millis) {
        in.timeout(millis);
    }

    // ---- reading the body ---------------------------------------------------------------

    byte[] readBody(ServerRequest req) {
        if (req.bodyConsumed) return EMPTY;
        try {
            timeout(server.bodyTimeoutMillis);
            if (req.expectContinue && !req.continueSent) {
                req.continueSent = true;
                if (pos == lim) send(CONTINUE, 0, CONTINUE.length); // no body byte arrived yet: the client waits for this
            }
            byte[] body = req.contentLength >= 0 ? readFixed((int) req.contentLength) : readChunked(server.maxRequestBytes, true);
            req.bodyConsumed = true;
            return body;
        } catch (HttpException e) {
            forceClose = unreadInput = true;
            throw e;
        } catch (IOException e) {
            forceClose = true;
            throw new UncheckedIOException(e);
        }
    }

    private byte[] readFixed(int n) throws IOException {
        byte[] body = new byte[n];
        int have = Math.min(lim - pos, n);
        System.arraycopy(buf, pos, body, 0, have);
        pos += have;
        while (have < n) {
            int r = in.read(body, have, n - have);
            if (r < 0) throw new EOFException("the client closed the connection after " + have + " of " + n + " body bytes");
            have += r;
        }
        return body;
    }

    /** Decodes a chunked body of at most {@code limit} bytes; trailers are read and dropped. */
    private byte[] readChunked(long limit, boolean keep) throws IOException {
        Bytes body = keep ? new Bytes(1024) : null;
        long total = 0;
        while (true) {
            int eol = bodyLine(MAX_CHUNK_LINE, "chunk size line");
            long size = 0;
            int i = pos;
            int digits = 0;
            for (; i < eol; i++) {
                int d = Character.digit(buf[i], 16);
                if (d < 0) break;
                if (++digits > 15) throw bad("a chunk size has more than 15 hex digits");
                size = size * 16 + d;
            }
            int rest = i;
            while (rest < eol && (buf[rest] == ' ' || buf[rest] == '\t')) rest++;
            if (digits == 0 || rest < eol && buf[rest] != ';' && buf[rest] != '\r') {
                throw bad("malformed chunk size line '" + ascii(pos, eol).strip() + "'; expected hex digits, then CRLF");
            }
            pos = eol + 1;
            if (size == 0) break;
            if (total + size > limit) {
                throw new HttpException(413, "request_too_large", "the chunked request body is over this gateway's limit of "
                        + limit + " bytes (gantry_settings.max_request_bytes); send a smaller body or raise the limit");
            }
            total += size;
            long left = size;
            while (left > 0) {
                if (pos == lim) fill();
                int take = (int) Math.min(left, lim - pos);
                if (body != null) body.put(buf, pos, take);
                pos += take;
                left -= take;
            }
            int end = bodyLine(2, "chunk end");
            if (end != pos && !(end == pos + 1 && buf[pos] == '\r')) throw bad("a chunk's data is not followed by CRLF");
            pos = end + 1;
        }
        // Trailer section: lines until an empty one, dropped.
        int trailerBytes = 0;
        while (true) {
            int eol = bodyLine(server.maxHeaderBytes, "trailer line");
            trailerBytes += eol + 1 - pos;
            boolean empty = eol == pos || eol == pos + 1 && buf[pos] == '\r';
            pos = eol + 1;
            if (empty) break;
            if (trailerBytes > server.maxHeaderBytes) throw bad("the chunked body's trailers are over " + server.maxHeaderBytes + " bytes");
        }
        return body == null ? EMPTY : body.toArray();
    }

    /** The index of the next '\n' at or after pos, within {@code max} bytes; the buffer is compacted as needed. */
    private int bodyLine(int max, String what) throws IOException {
        int scan = pos;
        while (true) {
            for (; scan < lim; scan++) {
                if (buf[scan] == '\n') return scan;
            }
            if (scan - pos >= max) throw bad("the " + what + " is longer than " + max + " bytes");
            if (lim == buf.length) {
                if (pos > 0) {
                    System.arraycopy(buf, pos, buf, 0, lim - pos);
                    scan -= pos;
                    lim -= pos;
                    pos = 0;
                } else {
                    buf = Arrays.copyOf(buf, buf.length * 2);
                }
            }
            int n = in.read(buf, lim, buf.length - lim);
            if (n < 0) throw new EOFException("the client closed the connection mid-body");
            lim += n;
        }
    }

    private void fill() throws IOException {
        pos = lim = 0;
        int n = in.read(buf, 0, buf.length);
        if (n < 0) throw new EOFException("the client closed the connection mid-body");
        lim = n;
    }

    /** Reads and drops a body the handler left unread; false when the connection must close instead. */
    private boolean drain(ServerRequest req) {
        if (req.expectContinue && !req.continueSent) return false;
        try {
            timeout(server.bodyTimeoutMillis);
            if (req.contentLength > 0) {
                if (req.contentLength > DRAIN_LIMIT) return false;
                long left = req.contentLength;
                while (left > 0) {
                    if (pos == lim) fill();
                    int take = (int) Math.min(left, lim - pos);
                    pos += take;
                    left -= take;
                }
            } else {
                readChunked(Math.min(DRAIN_LIMIT, server.maxRequestBytes), false);
            }
            req.bodyConsumed = true;
            return true;
        } catch (IOException | HttpException e) {
            return false;
        }
    }

    // ---- writing ------------------------------------------------------------------------

    /** The connection's reusable output buffer, emptied. */
    /** A buffer for streamed response bodies, made on the first one and reused by the next. */
    byte[] streamBuffer(int capacity) {
        if (streamBuffer == null || streamBuffer.length < capacity) streamBuffer = new byte[capacity];
        return streamBuffer;
    }

    Bytes wire() {
        wire.len = 0;
        return wire;
    }

    void write(Bytes b) throws IOException {
        send(b.array, 0, b.len);
    }

    /** Every socket write goes through here, so the server's watchdog can see one that does not progress. */
    private void send(byte[] b, int off, int len) throws IOException {
        writingSince = System.nanoTime() | 1;
        try {
            out.write(b, off, len);
        } finally {
            writingSince = 0;
        }
    }

    /**
     * Closes the connection when one socket write has been blocked longer than {@code limitNanos}
     * (a client that stopped reading); the blocked write then fails with an IOException.
     */
    void abortIfWriteStalled(long now, long limitNanos) {
        long since = writingSince;
        if (since != 0 && now - since > limitNanos) {
            LOG.fine("closing a connection whose write made no progress for " + limitNanos / 1_000_000 + " ms");
            abort();
        }
    }

    void writeFixed(ServerResponse res, byte[] body) throws IOException {
        int status = res.status();
        boolean bodyAllowed = status >= 200 && status != 204 && status != 304;
        Bytes b = wire();
        res.writeHead(b, bodyAllowed ? body.length : 0, bodyAllowed);
        boolean withBody = bodyAllowed && body.length > 0 && !res.headRequest();
        if (withBody && body.length <= COALESCE_LIMIT) {
            b.put(body, 0, body.length);
            write(b);
        } else {
            write(b);
            if (withBody) send(body, 0, body.length);
        }
    }

    // ---- closing ------------------------------------------------------------------------

    /** Closes an idle connection at once (server stop); true when it was idle. */
    boolean closeIfIdle() {
        if (!idle) return false;
        abort();
        return true;
    }

    void abort() {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    private void close() {
        if (unreadInput && !socket.isClosed()) {
            // Lingering close: a reset caused by unread input can make the client lose the answer.
            try {
                socket.shutdownOutput();
                timeout(LINGER_MILLIS);
                long deadline = System.nanoTime() + LINGER_MILLIS * 1_000_000L;
                long dropped = 0;
                byte[] sink = buf;
                while (dropped < LINGER_BYTES && System.nanoTime() < deadline && !server.stopping) {
                    int n = in.read(sink, 0, Math.min(sink.length, 8192));
                    if (n < 0) break;
                    dropped += n;
                }
            } catch (IOException e) {
                // done
            }
        }
        abort();
    }

    /** A growable byte buffer for heads, chunks and bodies. */
    static final class Bytes {
        byte[] array;
        int len;

        Bytes(int capacity) {
            array = new byte[capacity];
        }

        private void ensure(int more) {
            if (len + more > array.length) array = Arrays.copyOf(array, Math.max(array.length * 2, len + more));
        }

        Bytes put(byte b) {
            ensure(1);
            array[len++] = b;
            return this;
        }

        Bytes put(byte[] b) {
            return put(b, 0, b.length);
        }

        Bytes put(byte[] b, int off, int n) {
            ensure(n);
            System.arraycopy(b, off, array, len, n);
            len += n;
            return this;
        }

        /** Latin-1 characters as bytes (header values were checked to be Latin-1). */
        Bytes ascii(String s) {
            int n = s.length();
            ensure(n);
            for (int i = 0; i < n; i++) array[len + i] = (byte) s.charAt(i);
            len += n;
            return this;
        }

        Bytes decimal(long v) {
            return ascii(Long.toString(v));
        }

        Bytes hex(int v) {
            return ascii(Integer.toHexString(v));
        }

        byte[] toArray() {
            return Arrays.copyOf(array, len);
        }
    }
}
