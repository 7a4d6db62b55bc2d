package dev.gantry.engine.server;

/**
 * An error answered to an HTTP client as OpenAI's error body
 * {@code {"error": {"message", "type", "param", "code"}}} with {@link #status()}. The message
 * names the offending field or value and says what to do; it never carries internals (stack
 * traces, class names) — those go to the server log.
 */
final class ApiException extends RuntimeException {
  private final int status;
  private final String type;
  private final String param;
  private final String code;
  private final Integer retryAfterSeconds;

  ApiException(int status, String type, String param, String code, String message, Integer retryAfterSeconds) {
    super(message, null, false, false);
    this.status = status;
    this.type = type;
    this.param = param;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** 400: a field is missing, has the wrong type or an invalid value. */
  static ApiException badRequest(String param, String message) {
    return new ApiException(400, "invalid_request_error", param, null, message, null);
  }

  static ApiException unauthorized() {
    return new ApiException(401, "authentication_error", null, "invalid_api_key",
        "Invalid or missing API key: send the server's --api-key as 'Authorization: Bearer <key>'", null);
  }

  static ApiException modelNotFound(String model, String served) {
    return new ApiException(404, "invalid_request_error", "model", "model_not_found",
        "The model '" + model + "' does not exist; this server serves " + served + " (see GET /v1/models)", null);
  }

  static ApiException notFound(String path) {
    return new ApiException(404, "invalid_request_error", null, "not_found", "No route for " + path, null);
  }

  static ApiException tooLarge(long limit) {
    return new ApiException(413, "invalid_request_error", null, "request_too_large",
        "Request body is larger than " + limit + " bytes (the server's --max-request-bytes); send a smaller request", null);
  }

  static ApiException queueFull(int maxQueued) {
    return new ApiException(429, "rate_limit_error", null, "queue_full",
        "The server's waiting queue is full (" + maxQueued + " requests, --max-num-queued-requests); retry later", 1);
  }

  static ApiException queueTimeout(double seconds) {
    return new ApiException(503, "server_error", null, "queue_timeout",
        "The request waited " + seconds + " s in the queue without being scheduled (--queue-timeout); retry later", 1);
  }

  static ApiException draining() {
    return new ApiException(503, "server_error", null, "shutting_down",
        "The server is shutting down and accepts no new requests; send the request to another replica", 5);
  }

  static ApiException unhealthy(String why) {
    return new ApiException(503, "server_error", null, "engine_unhealthy", why, 5);
  }

  static ApiException internal(String requestId) {
    return new ApiException(500, "server_error", null, "internal_error",
        "The engine failed while serving request " + requestId + "; it was not completed. The server log has details.",
        null);
  }

  int status() {
    return status;
  }

  String type() {
    return type;
  }

  String param() {
    return param;
  }

  String code() {
    return code;
  }

  Integer retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
