package dev.gantry.stacks.images;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Checks that a registry's host resolves and accepts a TCP connection before a push. Jib
 * retries an unreachable registry for about a minute before it fails with a generic I/O
 * error; this pre-flight fails within {@code timeout} with a message naming the host and
 * what to check.
 */
public final class RegistryPreflight {
  /** Default per-step timeout: long enough for a far registry, short enough to fail fast. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(3);

  private RegistryPreflight() {}

  /** Checks the registry of {@code reference} ({@code host[:port]/...}); port 443 unless given. */
  public static void check(String reference, Duration timeout) {
    String registry = ImageRefs.registry(reference);
    if (registry == null) {
      throw ImageException.badInput("Image reference '" + reference + "' names no registry host; "
          + "use a full reference such as '123456789012.dkr.ecr.us-east-1.amazonaws.com/gantry/engine:0.1.0'");
    }
    String host = registry;
    int port = 443;
    int colon = registry.lastIndexOf(':');
    if (colon > 0) {
      host = registry.substring(0, colon);
      try {
        port = Integer.parseInt(registry.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw ImageException.badInput("Invalid registry port in '" + registry + "'");
      }
    }
    checkHost(host, port, timeout);
  }

  /** Resolves {@code host} and opens (then closes) a TCP connection to {@code port}. */
  public static void checkHost(String host, int port, Duration timeout) {
    InetAddress address = resolve(host, timeout);
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(address, port), (int) Math.max(1, timeout.toMillis()));
    } catch (IOException e) {
      throw new ImageException("Registry " + host + ":" + port + " (" + address.getHostAddress()
          + ") is not reachable: " + e.getMessage() + "; check the registry address, your network/VPN and proxy,"
          + " or build to a tar with --to tar", e);
    }
  }

  // InetAddress has no lookup timeout; the lookup runs on a virtual thread we stop waiting for.
  private static InetAddress resolve(String host, Duration timeout) {
    CompletableFuture<InetAddress> lookup = new CompletableFuture<>();
    Thread.ofVirtual().name("registry-dns").start(() -> {
      try {
        lookup.complete(InetAddress.getByName(host));
      } catch (UnknownHostException e) {
        lookup.completeExceptionally(e);
      }
    });
    try {
      return lookup.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new ImageException("Registry host '" + host + "' does not resolve (DNS); check the spelling of the "
          + "registry in --push and your DNS/VPN", e.getCause());
    } catch (TimeoutException e) {
      throw new ImageException("Registry host '" + host + "' did not resolve within " + timeout.toMillis()
          + " ms (DNS); check your network, DNS and VPN", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ImageException("Interrupted while resolving registry host '" + host + "'", e);
    }
  }
}
