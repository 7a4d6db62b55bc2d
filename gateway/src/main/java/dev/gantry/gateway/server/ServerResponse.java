package dev.gantry.gateway.server;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The answer to one request: set {@link #status} and {@link #header}s, then either
 * {@link #send(byte[])} a whole body (sent with {@code Content-Length}) or write a streamed one
 * through {@link #outputStream()} (sent {@code Transfer-Encoding: chunked}; each
 * {@code flush()} puts what was written on the wire as one chunk). Headers are sent as given;
 * {@code Content-Length}, {@code Transfer-Encoding} and {@code Connection} are the server's
 * (a handler's {@code Connection: close} is honoured). A write to a client that went away
 * throws {@link UncheckedIOException}.
 */
public final class ServerResponse {
    private static final byte[] CRLF = {'\r', '\n'};

    private final Connection conn;
    /** Null for a request the server could not parse. */
    private final ServerRequest req;
    private int status = 200;
    private String[] names = new String[8];
    private String[] values = new String[8];
    private int count;
    private boolean sent;
    private BodyStream stream;
    /** The connection must close after this response (decided when the head is written). */
    boolean closeConnection;
    /** A write failed: the client is gone, the connection is closed without more writes. */
    boolean broken;

    ServerResponse(Connection conn, ServerRequest req) {
        this.conn = conn;
        this.req = req;
    }

    public ServerResponse status(int code) {
        checkNotSent();
        if (code < 100 || code > 999) throw new IllegalArgumentException("an HTTP status is 100..999, got " + code);
        this.status = code;
        return this;
    }

    public int status() {
        return status;
    }

    /** Sets a header, replacing a value set before under the same name (case-insensitive). */
    public ServerResponse header(String name, String value) {
        checkNotSent();
        checkHeader(name, value);
        for (int i = 0; i < count; i++) {
            if (names[i].equalsIgnoreCase(name)) {
                values[i] = value;
                return this;
            }
        }
        if (count == names.length) {
            names = java.util.Arrays.copyOf(names, count * 2);
            values = java.util.Arrays.copyOf(values, count * 2);
        }
        names[count] = name;
        values[count++] = value;
        return this;
    }

    /** True once the head is committed ({@link #send} or {@link #outputStream} was called). */
    public boolean isSent() {
        return sent;
    }

    /** Sends the whole answer with a {@code Content-Length}. */
    public void send(byte[] body) {
        checkNotSent();
        sent = true;
        try {
            conn.writeFixed(this, body);
        } catch (IOException e) {
            broken = true;
            throw new UncheckedIOException(e);
        }
    }

    /** Sends the string as UTF-8. */
    public void send(String body) {
        send(body.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Commits the head and returns the body stream: chunked on HTTP/1.1, until the end of the
     * connection on HTTP/1.0. Nothing reaches the wire before the first {@code flush()} or
     * {@code close()}; the server closes it when the handler did not. Its methods throw
     * {@link UncheckedIOException} when the client went away.
     */
    public OutputStream outputStream() {
        checkNotSent();
        sent = true;
        stream = new BodyStream();
        return stream;
    }

    private void checkNotSent() {
        if (sent) throw new IllegalStateException("the response head was already sent");
    }

    private static void checkHeader(String name, String value) {
        if (name.isEmpty()) throw new IllegalArgumentException("empty header name");
        for (int i = 0; i < name.length(); i++) {
            if (!Connection.isTokenChar(name.charAt(i))) {
                throw new IllegalArgumentException("header name '" + name + "' has a character not allowed in HTTP tokens");
            }
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f || c > 0xff) {
                throw new IllegalArgumentException("header " + name + " has a control or non-Latin-1 character at " + i);
            }
        }
    }

    /** Ends the response after the handler returned: sends an empty body or closes the stream. */
    void finish() throws IOException {
        if (!sent) {
            sent = true;
            conn.writeFixed(this, new byte[0]);
        } else if (stream != null && !broken) {
            stream.finish();
        }
    }

    /**
     * Writes the head into {@code out}. {@code contentLength} < 0 means streamed: chunked on
     * 1.1; on 1.0 the body ends with the connection.
     */
    void writeHead(Connection.Bytes out, long contentLength, boolean bodyAllowed) {
        boolean http11 = req == null || req.http11();
        for (int i = 0; i < count; i++) {
            if (names[i].equalsIgnoreCase("Connection") && containsToken(values[i], "close")) closeConnection = true;
        }
        if (conn.mustClose(req) || contentLength < 0 && !http11) closeConnection = true;
        out.ascii(http11 ? "HTTP/1.1 " : "HTTP/1.0 ").decimal(status).put((byte) ' ').ascii(reason(status)).put(CRLF);
        for (int i = 0; i < count; i++) {
            String n = names[i];
            if (n.equalsIgnoreCase("Content-Length") || n.equalsIgnoreCase("Transfer-Encoding") || n.equalsIgnoreCase("Connection")) continue;
            out.ascii(n).put((byte) ':').put((byte) ' ').ascii(values[i]).put(CRLF);
        }
        if (bodyAllowed) {
            if (contentLength >= 0) out.ascii("Content-Length: ").decimal(contentLength).put(CRLF);
            else if (http11) out.ascii("Transfer-Encoding: chunked\r\n");
        }
        if (closeConnection) out.ascii("Connection: close\r\n");
        else if (!http11) out.ascii("Connection: keep-alive\r\n");
        out.put(CRLF);
    }

    boolean headRequest() {
        return req != null && req.method().equals("HEAD");
    }

    boolean chunked() {
        return req == null || req.http11();
    }

    static boolean containsToken(String list, String token) {
        int from = 0;
        while (from <= list.length()) {
            int comma = list.indexOf(',', from);
            int end = comma < 0 ? list.length() : comma;
            if (list.substring(from, end).trim().equalsIgnoreCase(token)) return true;
            if (comma < 0) return false;
            from = comma + 1;
        }
        return false;
    }

    static String reason(int status) {
        return switch (status) {
            case 100 -> "Continue";
            case 101 -> "Switching Protocols";
            case 200 -> "OK";
            case 201 -> "Created";
            case 202 -> "Accepted";
            case 204 -> "No Content";
            case 206 -> "Partial Content";
            case 301 -> "Moved Permanently";
            case 302 -> "Found";
            case 303 -> "See Other";
            case 304 -> "Not Modified";
            case 307 -> "Temporary Redirect";
            case 308 -> "Permanent Redirect";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 402 -> "Payment Required";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 406 -> "Not Acceptable";
            case 408 -> "Request Timeout";
            case 409 -> "Conflict";
            case 410 -> "Gone";
            case 411 -> "Length Required";
            case 412 -> "Precondition Failed";
            case 413 -> "Content Too Large";
            case 414 -> "URI Too Long";
            case 415 -> "Unsupported Media Type";
            case 417 -> "Expectation Failed";
            case 422 -> "Unprocessable Content";
            case 425 -> "Too Early";
            case 426 -> "Upgrade Required";
            case 429 -> "Too Many Requests";
            case 431 -> "Request Header Fields Too Large";
            case 499 -> "Client Closed Request";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            case 505 -> "HTTP Version Not Supported";
            default -> status < 200 ? "Informational" : status < 300 ? "Success" : status < 400 ? "Redirection"
                    : status < 500 ? "Client Error" : "Server Error";
        };
    }

    /**
     * The streamed body. Writes collect in a buffer; {@code flush()} sends them as one chunk in
     * one socket write (with the head before the first), so an SSE event is one TCP segment.
     */
    private final class BodyStream extends OutputStream {
        private static final int CAPACITY = 16 * 1024;
        /** The connection's: it serves one response at a time, so a streamed answer allocates no buffer. */
        private final byte[] buf = conn.streamBuffer(CAPACITY);
        private int len;
        private boolean headWritten;
        private boolean closed;

        @Override
        public void write(int b) {
            if (len == CAPACITY) emit(false);
            buf[len++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int n) {
            java.util.Objects.checkFromIndexSize(off, n, b.length);
            if (closed) throw new IllegalStateException("the response stream is closed");
            while (n > 0) {
                if (len == CAPACITY) emit(false);
                int take = Math.min(n, CAPACITY - len);
                System.arraycopy(b, off, buf, len, take);
                len += take;
                off += take;
                n -= take;
            }
        }

        @Override
        public void flush() {
            if (!closed && (len > 0 || !headWritten)) emit(false);
        }

        @Override
        public void close() {
            if (closed || broken) {
                closed = true;
                return;
            }
            emit(true);
            closed = true;
        }

        void finish() throws IOException {
            try {
                close();
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }

        private void emit(boolean last) {
            if (broken) throw new UncheckedIOException(new IOException("the client connection is closed"));
            if (closed) throw new IllegalStateException("the response stream is closed");
            Connection.Bytes out = conn.wire();
            if (!headWritten) {
                writeHead(out, -1, !headRequest());
                headWritten = true;
            }
            if (!headRequest()) {
                if (chunked()) {
                    if (len > 0) out.hex(len).put(CRLF).put(buf, 0, len).put(CRLF);
                    if (last) out.ascii("0\r\n\r\n");
                } else {
                    out.put(buf, 0, len);
                }
            }
            len = 0;
            try {
                conn.write(out);
            } catch (IOException e) {
                broken = true;
                throw new UncheckedIOException(e);
            }
        }
    }
}
