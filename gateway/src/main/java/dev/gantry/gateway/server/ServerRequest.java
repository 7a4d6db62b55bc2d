package dev.gantry.gateway.server;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One request as parsed by {@link Http1Server}: method, percent-decoded path, query
 * parameters, headers (names case-insensitive, values as sent minus surrounding spaces) and
 * the body, read from the connection the first time {@link #body()} is called.
 */
public final class ServerRequest {
    private final Connection conn;
    private final String method;
    private final String path;
    private final String rawQuery;
    private final boolean http11;
    private final String[] headerNames;
    private final String[] headerValues;
    private final int headerCount;
    private List<String[]> query;

    // Body framing, set by the connection after the header section.
    /** Bytes of a Content-Length body, or -1 for a chunked one. */
    final long contentLength;
    final boolean expectContinue;
    /** The client allows another request on this connection (1.1 without close, 1.0 with keep-alive). */
    final boolean keepAlive;
    /** Every body byte has been taken off the connection (read by the handler, or drained). */
    boolean bodyConsumed;
    boolean continueSent;
    private byte[] body;

    ServerRequest(Connection conn, String method, String path, String rawQuery, boolean http11,
                  String[] headerNames, String[] headerValues, int headerCount, long contentLength, boolean expectContinue,
                  boolean keepAlive) {
        this.conn = conn;
        this.method = method;
        this.path = path;
        this.rawQuery = rawQuery;
        this.http11 = http11;
        this.headerNames = headerNames;
        this.headerValues = headerValues;
        this.headerCount = headerCount;
        this.contentLength = contentLength;
        this.expectContinue = expectContinue;
        this.keepAlive = keepAlive;
        this.bodyConsumed = contentLength == 0;
    }

    /** As sent on the request line, e.g. "POST". */
    public String method() {
        return method;
    }

    /** The percent-decoded path without the query, e.g. "/v1/chat/completions". */
    public String path() {
        return path;
    }

    /** "HTTP/1.1" or "HTTP/1.0". */
    public String protocol() {
        return http11 ? "HTTP/1.1" : "HTTP/1.0";
    }

    /** The first value of a header (name case-insensitive). */
    public Optional<String> header(String name) {
        for (int i = 0; i < headerCount; i++) {
            if (headerNames[i].equalsIgnoreCase(name)) return Optional.of(headerValues[i]);
        }
        return Optional.empty();
    }

    /** Every value of a header, in the order received. */
    public List<String> headers(String name) {
        List<String> out = new ArrayList<>(1);
        for (int i = 0; i < headerCount; i++) {
            if (headerNames[i].equalsIgnoreCase(name)) out.add(headerValues[i]);
        }
        return out;
    }

    /** The query string as sent (still percent-encoded), or null when the target had none. */
    public String rawQuery() {
        return rawQuery;
    }

    /**
     * The first value of a query parameter, percent-decoded as UTF-8 ('+' stays '+'); a
     * parameter given without '=' has the empty value.
     *
     * @throws HttpException 400 when the query holds a malformed percent escape
     */
    public Optional<String> query(String name) {
        if (rawQuery == null) return Optional.empty();
        if (query == null) query = parseQuery(rawQuery);
        for (String[] p : query) {
            if (p[0].equals(name)) return Optional.of(p[1]);
        }
        return Optional.empty();
    }

    private static List<String[]> parseQuery(String raw) {
        List<String[]> out = new ArrayList<>();
        for (String part : raw.split("&")) {
            if (part.isEmpty()) continue;
            int eq = part.indexOf('=');
            String k = eq < 0 ? part : part.substring(0, eq);
            String v = eq < 0 ? "" : part.substring(eq + 1);
            out.add(new String[] {percentDecode(k, "query parameter"), percentDecode(v, "query parameter")});
        }
        return out;
    }

    /** RFC 3986 percent-decoding as UTF-8. */
    static String percentDecode(String s, String what) {
        int pct = s.indexOf('%');
        if (pct < 0) return s;
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        byte[] in = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < in.length; i++) {
            byte b = in[i];
            if (b != '%') {
                out.write(b);
                continue;
            }
            int hi = i + 2 < in.length ? Character.digit(in[i + 1], 16) : -1;
            int lo = hi < 0 ? -1 : Character.digit(in[i + 2], 16);
            if (lo < 0) {
                throw new HttpException(400, "bad_request", "malformed percent escape in the " + what + " '" + s
                        + "'; a '%' must be followed by two hex digits (send a literal '%' as %25)");
            }
            out.write((hi << 4) | lo);
            i += 2;
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * The whole body, read from the connection on the first call (an {@code Expect:
     * 100-continue} is answered first); empty when the request has none.
     *
     * @throws HttpException 413 when the body is larger than the server's limit, 400 for bad chunk framing
     * @throws java.io.UncheckedIOException when the client goes away or stalls mid-body
     */
    public byte[] body() {
        if (body == null) body = conn.readBody(this);
        return body;
    }

    /** True when the request has a body (Content-Length above 0, or chunked). */
    public boolean hasBody() {
        return contentLength != 0;
    }

    boolean http11() {
        return http11;
    }
}
