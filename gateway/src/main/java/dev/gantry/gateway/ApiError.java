package dev.gantry.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.gateway.server.HttpException;
import dev.gantry.gateway.server.ServerResponse;
import java.util.Map;

/**
 * An error answered to a client, OpenAI-shaped: {@code {"error": {"message", "type", "param",
 * "code"}}}. Thrown from anywhere in request handling and turned into the response by
 * {@link Gateway}; {@code headers} carries e.g. {@code Retry-After}.
 */
final class ApiError extends RuntimeException {
    static final ObjectMapper JSON = new ObjectMapper();

    final int status;
    final String type;
    final String param;
    final String code;
    final Map<String, String> headers;

    ApiError(int status, String type, String code, String param, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.headers = Map.copyOf(headers);
    }

    static ApiError badRequest(String param, String message) {
        return new ApiError(400, "invalid_request_error", null, param, message, Map.of());
    }

    static ApiError unauthorized(String message) {
        return new ApiError(401, "authentication_error", "invalid_api_key", null, message, Map.of());
    }

    static ApiError forbidden(String code, String message) {
        return new ApiError(403, "permission_error", code, null, message, Map.of());
    }

    static ApiError notFound(String code, String message) {
        return new ApiError(404, "invalid_request_error", code, null, message, Map.of());
    }

    static ApiError rateLimited(String code, String message, long retryAfterSeconds) {
        return new ApiError(429, "rate_limit_error", code, null, message,
                retryAfterSeconds > 0 ? Map.of("Retry-After", Long.toString(retryAfterSeconds)) : Map.of());
    }

    static ApiError unavailable(String code, String message) {
        return new ApiError(503, "service_unavailable_error", code, null, message, Map.of());
    }

    /** A request the HTTP server refused itself (too large, malformed, over the concurrency limit, ...). */
    static ApiError of(HttpException e) {
        String type = e.status() == 503 ? "service_unavailable_error" : e.status() == 408 ? "timeout_error" : "invalid_request_error";
        return new ApiError(e.status(), type, e.code(), null, e.getMessage(), e.headers());
    }

    ObjectNode body() {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", getMessage());
        error.put("type", type);
        if (param == null) error.putNull("param"); else error.put("param", param);
        if (code == null) error.putNull("code"); else error.put("code", code);
        return root;
    }

    byte[] bodyBytes() {
        try {
            return JSON.writeValueAsBytes(body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    void send(ServerResponse res) {
        res.status(status);
        headers.forEach(res::header);
        res.header("Content-Type", "application/json");
        res.send(bodyBytes());
    }
}
