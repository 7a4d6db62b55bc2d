/**
 * The gateway's own small HTTP/1.1 server: {@link dev.gantry.gateway.server.Http1Server}
 * accepts connections and serves each on one virtual thread with blocking handlers
 * ({@link dev.gantry.gateway.server.Routes}), reading {@link dev.gantry.gateway.server.ServerRequest}s
 * and writing {@link dev.gantry.gateway.server.ServerResponse}s. HTTP/1.0 and 1.1 only, no TLS
 * (terminated at the ingress or load balancer), no HTTP/2; see docs/DECISIONS.md.
 */
package dev.gantry.gateway.server;
