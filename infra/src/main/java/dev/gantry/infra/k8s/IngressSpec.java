package dev.gantry.infra.k8s;

import java.util.Map;

/**
 * The public edge: the gateway's host name, the ACME account that issues its TLS
 * certificate, and the per-client-IP rate limits ingress-nginx enforces before a request
 * reaches the gateway (the gateway's per-key limits come on top).
 *
 * @param host                   public host of the gateway, e.g. {@code llm.example.com}
 * @param acmeEmail              ACME account e-mail (expiry notices)
 * @param acmeServer             ACME directory URL; {@link #LETS_ENCRYPT} when null
 * @param requestsPerSecond      per client IP, {@code nginx.ingress.kubernetes.io/limit-rps}
 * @param burstMultiplier        burst = rps x this, {@code limit-burst-multiplier}
 * @param connectionsPerClient   concurrent connections per client IP, {@code limit-connections}
 * @param requestTimeoutSeconds  proxy read/send timeout; long generations stream for minutes
 * @param loadBalancerAnnotations annotations of the ingress controller's LoadBalancer Service
 *                               (cloud specific, e.g. {@code service.beta.kubernetes.io/aws-load-balancer-type: nlb})
 * @param selfSigned             issue the certificate from a self-signed ClusterIssuer instead of ACME (a laptop
 *                               cluster, which Let's Encrypt cannot reach); {@code acmeEmail} may then be null
 */
public record IngressSpec(
    String host,
    String acmeEmail,
    String acmeServer,
    int requestsPerSecond,
    int burstMultiplier,
    int connectionsPerClient,
    int requestTimeoutSeconds,
    Map<String, String> loadBalancerAnnotations,
    boolean selfSigned) {

  /** Let's Encrypt production directory. */
  public static final String LETS_ENCRYPT = "https://acme-v02.api.letsencrypt.org/directory";

  /** An ACME (Let's Encrypt) certificate: the shape of every cloud stack. */
  public IngressSpec(String host, String acmeEmail, String acmeServer, int requestsPerSecond, int burstMultiplier,
      int connectionsPerClient, int requestTimeoutSeconds, Map<String, String> loadBalancerAnnotations) {
    this(host, acmeEmail, acmeServer, requestsPerSecond, burstMultiplier, connectionsPerClient, requestTimeoutSeconds,
        loadBalancerAnnotations, false);
  }

  public IngressSpec {
    Check.hostName("ingress.host", host);
    if (!selfSigned || acmeEmail != null) {
      Check.email("ingress.acmeEmail", acmeEmail);
    }
    acmeServer = acmeServer == null || acmeServer.isBlank() ? LETS_ENCRYPT : acmeServer;
    if (!acmeServer.startsWith("https://")) {
      throw new IllegalArgumentException("ingress.acmeServer: '" + acmeServer
          + "' must be an https:// ACME directory URL, e.g. " + LETS_ENCRYPT);
    }
    Check.atLeast("ingress.requestsPerSecond", requestsPerSecond, 1);
    Check.atLeast("ingress.burstMultiplier", burstMultiplier, 1);
    Check.atLeast("ingress.connectionsPerClient", connectionsPerClient, 1);
    Check.atLeast("ingress.requestTimeoutSeconds", requestTimeoutSeconds, 30);
    loadBalancerAnnotations = loadBalancerAnnotations == null ? Map.of() : Map.copyOf(loadBalancerAnnotations);
  }
}
