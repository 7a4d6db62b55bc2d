package dev.gantry.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * An HTTP/1.1 upstream on a raw loopback socket for tests: it reads each request and answers
 * with a script of byte pieces written one by one, with a pause before any of them, so a test
 * can stop an answer at any byte (inside the status line, a header, a chunk-size line, between
 * a chunk and its CRLF). It also tells when the other side closed a connection.
 */
final class RawUpstream implements AutoCloseable {
    /** Write {@code bytes} after sleeping {@code pauseMillis}; {@link #AWAIT_CLOSE} as bytes waits for the peer to close. */
    record Piece(long pauseMillis, String bytes) {}

    /** A piece that writes nothing and waits (reading) until the other side closes the connection. */
    static final String AWAIT_CLOSE = "\u0000await-close";

    private final ServerSocket server;
    private final IntFunction<List<Piece>> scripts;
    /** Connections accepted. */
    final AtomicInteger connections = new AtomicInteger();
    /** Requests read (over all connections). */
    final AtomicInteger requests = new AtomicInteger();
    /** Counted down each time the other side closed a connection in the middle of an answer. */
    private final CountDownLatch closedMidAnswer = new CountDownLatch(1);
    private final List<Socket> sockets = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** {@code scripts} gives the answer to the request with the given index (0, 1, ...). */
    RawUpstream(IntFunction<List<Piece>> scripts) throws IOException {
        this.scripts = scripts;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("raw-upstream-accept").start(this::acceptLoop);
    }

    /** The api_base for a gateway config. */
    String apiBase() {
        return "http://127.0.0.1:" + server.getLocalPort() + "/v1";
    }

    java.net.URI uri(String path) {
        return java.net.URI.create("http://127.0.0.1:" + server.getLocalPort() + path);
    }

    /** True once the other side closed a connection before its answer was all written. */
    boolean awaitClosedMidAnswer(long millis) throws InterruptedException {
        return closedMidAnswer.await(millis, TimeUnit.MILLISECONDS);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                s.setTcpNoDelay(true);
                sockets.add(s);
                connections.incrementAndGet();
                Thread.ofVirtual().name("raw-upstream-conn").start(() -> serve(s));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            String target;
            while ((target = readRequest(in)) != null) {
                if (!target.startsWith("/v1/") && !target.startsWith("/x")) {
                    // The gateway's health monitor (/health, /metrics): a plain 200, no script.
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    continue;
                }
                List<Piece> script = scripts.apply(requests.getAndIncrement());
                for (Piece p : script) {
                    if (p.pauseMillis() > 0) Thread.sleep(p.pauseMillis());
                    if (p.bytes().equals(AWAIT_CLOSE)) {
                        while (in.read() >= 0) {
                            // whatever arrives: wait for the end
                        }
                        closedMidAnswer.countDown();
                        return;
                    }
                    try {
                        out.write(p.bytes().getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    } catch (IOException e) {
                        closedMidAnswer.countDown();
                        return;
                    }
                }
            }
        } catch (IOException | InterruptedException e) {
            // connection gone or server closed
        }
    }

    /** Reads one request (head and Content-Length body); its target, or null at the end of the connection. */
    private static String readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            byte[] h = head.toByteArray();
            int n = h.length;
            if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') break;
        }
        if (b < 0) return null;
        long length = 0;
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        for (String line : lines) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) length = Long.parseLong(line.substring(15).trim());
        }
        in.readNBytes((int) length);
        String[] requestLine = lines[0].split(" ");
        return requestLine.length > 1 ? requestLine[1] : "";
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) s.close();
    }

    // ---- building scripts -----------------------------------------------------------------

    /** Builds a script: bytes, and pauses before the next bytes. */
    static final class Script {
        private final List<Piece> pieces = new ArrayList<>();
        private long pause;

        Script write(String bytes) {
            pieces.add(new Piece(pause, bytes));
            pause = 0;
            return this;
        }

        Script pause(long millis) {
            pause += millis;
            return this;
        }

        /** One chunk of the chunked coding: size line, data, CRLF. */
        Script chunk(String data) {
            return write(chunkSize(data) + "\r\n" + data + "\r\n");
        }

        Script awaitClose() {
            return write(AWAIT_CLOSE);
        }

        List<Piece> build() {
            return List.copyOf(pieces);
        }
    }

    static String chunkSize(String data) {
        return Integer.toHexString(data.getBytes(StandardCharsets.UTF_8).length);
    }

    static final String SSE_HEAD = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";

    /** An OpenAI chat chunk event carrying {@code text}. */
    static String event(String text) {
        return "data: {\"id\":\"raw\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"raw\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + text + "\"},\"finish_reason\":null}]}\n\n";
    }
}
