package dev.gantry.engine.server;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.concurrency.limits.Limit;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.PeerInfo;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ListenerContext;
import io.helidon.webserver.ProxyProtocolData;
import io.helidon.webserver.Router;
import io.helidon.webserver.ServerConnectionException;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionSelector;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * Tells a blocking handler when its client closed the connection, which Helidon 4's HTTP/1 API
 * does not: a handler learns of it only when a write fails, and a non-streaming request writes
 * nothing until the engine has finished it.
 *
 * <p>How: the server's HTTP/1 connections come from {@link #http1Selector()}, a
 * {@link ServerConnectionSelector} (Helidon's SPI, registered ahead of the built-in one) that
 * builds Helidon's own HTTP/1 connection but hands it a {@link DataReader} over a supplier this
 * class owns. While a request waits for the engine, {@link Connection#watch} reads ahead from the
 * socket on a virtual thread — what vLLM's {@code listen_for_disconnect} does with ASGI's
 * {@code receive()}. End of stream or a reset means the client is gone and the callback aborts
 * the request; bytes (a pipelined next request) are kept and handed to the connection's next
 * read, in order, so nothing is lost. All reads of the socket are serialized: the connection
 * thread waits for a read-ahead in flight instead of reading beside it.
 *
 * <pre>
 *   ClientWatch.Connection c = ClientWatch.current();       // on the handler's thread
 *   try (ClientWatch.Registration r = c.watch(() -> stream.close())) { ... wait for the engine ... }
 * </pre>
 */
final class ClientWatch {
  private static final ThreadLocal<Connection> CURRENT = new ThreadLocal<>();
  private static final ExecutorService READERS = Executors.newThreadPerTaskExecutor(
      Thread.ofVirtual().name("gantry-client-watch-", 0).factory());

  private ClientWatch() {}

  /** The HTTP/1 connection selector to register first on the web server. */
  static ServerConnectionSelector http1Selector() {
    return new Selector(Http1ConnectionSelector.builder().config(Http1Config.create()).build());
  }

  /** The connection the calling handler thread serves, if it came through {@link #http1Selector()}. */
  static Optional<Connection> current() {
    return Optional.ofNullable(CURRENT.get());
  }

  /** Ends a {@link Connection#watch}; the read-ahead stays in flight for the connection. */
  @FunctionalInterface
  interface Registration extends AutoCloseable {
    @Override
    void close();
  }

  /** One client connection's input, with read-ahead to notice the client leaving. */
  static final class Connection implements Supplier<byte[]> {
    private final DataReader socketReader;
    private final HelidonSocket socket;
    private CompletableFuture<byte[]> ahead;
    private Runnable onGone;

    Connection(DataReader socketReader, HelidonSocket socket) {
      this.socketReader = socketReader;
      this.socket = socket;
    }

    /**
     * Runs {@code onGone} (once, on another thread) if the client closes or resets the connection
     * before the registration is closed. Call only when the request body has been read.
     */
    Registration watch(Runnable onGone) {
      CompletableFuture<byte[]> read;
      synchronized (this) {
        if (ahead == null) {
          ahead = CompletableFuture.supplyAsync(this::readSocket, READERS);
        }
        this.onGone = onGone;
        read = ahead;
      }
      read.whenComplete((bytes, failure) -> {
        if (failure != null) {
          Runnable callback = take();
          if (callback != null) {
            callback.run();
          }
        }
      });
      return this::take;
    }

    private synchronized Runnable take() {
      Runnable r = onGone;
      onGone = null;
      return r;
    }

    /** The connection's next bytes: a read-ahead's result if one is in flight, else a read now. */
    @Override
    public byte[] get() {
      CompletableFuture<byte[]> read;
      synchronized (this) {
        read = ahead;
        ahead = null;
      }
      if (read == null) {
        return readSocket();
      }
      try {
        return read.get();
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RuntimeException r) {
          throw r; // Helidon's own end-of-stream and connection exceptions, unchanged
        }
        throw new ServerConnectionException("reading from the client failed", e.getCause());
      } catch (InterruptedException e) {
        // Helidon interrupts a connection it closes (idle timeout, shutdown) while it waits for
        // a request; the read-ahead is then still blocked in the socket, so close that too.
        Thread.currentThread().interrupt();
        socket.close();
        throw new ServerConnectionException("connection closed while waiting for the next request", e);
      }
    }

    private byte[] readSocket() {
      socketReader.ensureAvailable(); // blocks; throws at end of stream
      return socketReader.readBytes(socketReader.available());
    }
  }

  private record Selector(ServerConnectionSelector http1) implements ServerConnectionSelector {
    @Override
    public int bytesToIdentifyConnection() {
      return http1.bytesToIdentifyConnection();
    }

    @Override
    public Support supports(BufferData data) {
      return http1.supports(data);
    }

    @Override
    public Set<String> supportedApplicationProtocols() {
      return http1.supportedApplicationProtocols();
    }

    @Override
    public ServerConnection connection(ConnectionContext ctx) {
      Connection input = new Connection(ctx.dataReader(), ctx.serverSocket());
      DataReader reader = DataReader.create(input);
      return new WatchedConnection(http1.connection(new Context(ctx, reader)), input);
    }
  }

  /** Helidon's connection, run with {@link #current()} set on its thread. */
  private record WatchedConnection(ServerConnection delegate, Connection input) implements ServerConnection {
    @FunctionalInterface
    private interface Handling {
      void run() throws InterruptedException;
    }

    private void withCurrent(Handling handling) throws InterruptedException {
      CURRENT.set(input);
      try {
        handling.run();
      } finally {
        CURRENT.remove();
      }
    }

    @Override
    public void handle(Semaphore requestSemaphore) throws InterruptedException {
      withCurrent(() -> delegate.handle(requestSemaphore));
    }

    @Override
    public void handle(Limit limit) throws InterruptedException {
      withCurrent(() -> delegate.handle(limit));
    }

    @Override
    public Duration idleTime() {
      return delegate.idleTime();
    }

    @Override
    public void close(boolean interrupt) {
      delegate.close(interrupt);
    }
  }

  /** Helidon's connection context with the watched reader in place of the socket's. */
  private record Context(ConnectionContext delegate, DataReader reader) implements ConnectionContext {
    @Override public DataReader dataReader() { return reader; }
    @Override public ListenerContext listenerContext() { return delegate.listenerContext(); }
    @Override public ExecutorService executor() { return delegate.executor(); }
    @Override public DataWriter dataWriter() { return delegate.dataWriter(); }
    @Override public Router router() { return delegate.router(); }
    @Override public Optional<ProxyProtocolData> proxyProtocolData() { return delegate.proxyProtocolData(); }
    @Override public HelidonSocket serverSocket() { return delegate.serverSocket(); }
    @Override public PeerInfo remotePeer() { return delegate.remotePeer(); }
    @Override public PeerInfo localPeer() { return delegate.localPeer(); }
    @Override public boolean isSecure() { return delegate.isSecure(); }
    @Override public String socketId() { return delegate.socketId(); }
    @Override public String childSocketId() { return delegate.childSocketId(); }
  }
}
