package dev.gantry.gateway.server;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Exact method + path to handler. A path that is not routed, or routed for other methods
 * only, goes to the {@link #notFound} handler; an exception thrown by a handler before its
 * response was sent, and every request the server refuses itself ({@link HttpException}), goes
 * to the {@link #errors} handler. Filled in before {@link Http1Server} starts, read-only after.
 */
public final class Routes {
    /** A blocking request handler; it runs on the connection's virtual thread. */
    @FunctionalInterface
    public interface Handler {
        void handle(ServerRequest req, ServerResponse res) throws Exception;
    }

    /**
     * Answers an exception. {@code req} is null when the request could not be parsed (a
     * malformed request line or header section); {@code res} is not sent yet.
     */
    @FunctionalInterface
    public interface ErrorHandler {
        void handle(ServerRequest req, ServerResponse res, Exception error) throws Exception;
    }

    private static final Logger LOG = Logger.getLogger(Routes.class.getName());

    /** path -> method -> handler: two lookups and no string building per request. */
    private final Map<String, Map<String, Handler>> routes = new HashMap<>();
    private Handler notFound = (req, res) -> {
        res.status(404).header("Content-Type", "text/plain; charset=utf-8");
        res.send("no route for " + req.method() + " " + req.path() + "\n");
    };
    private ErrorHandler errors = (req, res, e) -> {
        if (e instanceof HttpException h) {
            res.status(h.status());
            h.headers().forEach(res::header);
            res.header("Content-Type", "text/plain; charset=utf-8").send(h.getMessage() + "\n");
        } else {
            LOG.log(Level.SEVERE, "unexpected error on " + (req == null ? "a request" : req.method() + " " + req.path()), e);
            res.status(500).header("Content-Type", "text/plain; charset=utf-8").send("internal server error\n");
        }
    };

    public Routes get(String path, Handler handler) {
        return route("GET", path, handler);
    }

    public Routes post(String path, Handler handler) {
        return route("POST", path, handler);
    }

    /** {@code method} as sent on the request line (case-sensitive, e.g. "PUT"); {@code path} exact, percent-decoded. */
    public Routes route(String method, String path, Handler handler) {
        Objects.requireNonNull(handler, "handler");
        if (!path.startsWith("/")) throw new IllegalArgumentException("a route path must start with '/', got '" + path + "'");
        Handler before = routes.computeIfAbsent(path, p -> new HashMap<>(4)).putIfAbsent(method, handler);
        if (before != null) throw new IllegalArgumentException(method + " " + path + " is routed twice");
        return this;
    }

    /** For any request no route matches (method or path). */
    public Routes notFound(Handler handler) {
        this.notFound = Objects.requireNonNull(handler, "handler");
        return this;
    }

    public Routes errors(ErrorHandler handler) {
        this.errors = Objects.requireNonNull(handler, "handler");
        return this;
    }

    Handler find(String method, String path) {
        Map<String, Handler> byMethod = routes.get(path);
        Handler h = byMethod == null ? null : byMethod.get(method);
        return h == null ? notFound : h;
    }

    ErrorHandler errorHandler() {
        return errors;
    }
}
