package dev.gantry.gateway.server;

import java.util.Map;

/**
 * A request the server itself refuses (malformed, too large, over the concurrency limit, ...),
 * handed to the {@link Routes.ErrorHandler} to be answered: {@link #status} with a short
 * machine-readable {@link #code}, a message naming the value and the fix, and headers such as
 * {@code Retry-After}. Also thrown by {@link ServerRequest#body()} for a body that breaks the
 * rules (over the size limit, bad chunk framing).
 */
public final class HttpException extends RuntimeException {
    private final int status;
    private final String code;
    private final Map<String, String> headers;

    public HttpException(int status, String code, String message) {
        this(status, code, message, Map.of());
    }

    public HttpException(int status, String code, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.headers = Map.copyOf(headers);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
