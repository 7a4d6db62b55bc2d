package dev.gantry.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gateway's HTTP/1.1 server over real loopback sockets, byte for byte: framing, limits,
 * keep-alive, timeouts, the concurrency limit, client disconnects and graceful stop.
 */
@Timeout(30)
class Http1ServerTest {
    private Http1Server server;
    private final AtomicInteger handled = new AtomicInteger();

    /** Routes used by most tests; errors are answered as {"error": {"code", "message"}} like the gateway's. */
    private Routes routes() {
        return new Routes()
                .get("/hello", (req, res) -> {
                    handled.incrementAndGet();
                    res.header("Content-Type", "text/plain").header("X-Request-Id", "req-1").header("Retry-After", "7")
                            .header("Cache-Control", "no-cache").header("X-Accel-Buffering", "no");
                    res.send("hello " + req.query("name").orElse("nobody"));
                })
                .post("/echo", (req, res) -> {
                    handled.incrementAndGet();
                    res.header("Content-Type", "application/octet-stream").send(req.body());
                })
                .post("/ignore", (req, res) -> {
                    handled.incrementAndGet();
                    res.status(401).send("no");
                })
                .get("/fail", (req, res) -> {
                    throw new IllegalStateException("boom");
                })
                .get("/nothing", (req, res) -> {
                })
                .notFound((req, res) -> res.status(404).send("unknown " + req.method() + " " + req.path()))
                .errors((req, res, e) -> {
                    int status = e instanceof HttpException h ? h.status() : 500;
                    String code = e instanceof HttpException h ? h.code() : "internal_error";
                    if (e instanceof HttpException h) h.headers().forEach(res::header);
                    res.status(status).header("Content-Type", "application/json")
                            .send("{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + e.getMessage().replace("\"", "'") + "\"}}");
                });
    }

    private int start(Routes routes, Consumer<Http1Server.Builder> settings) {
        Http1Server.Builder b = Http1Server.builder(routes).host("127.0.0.1").port(0).maxRequestBytes(1000);
        settings.accept(b);
        server = b.start();
        return server.port();
    }

    private int start() {
        return start(routes(), b -> { });
    }

    @AfterEach
    void stop() {
        if (server != null) server.stop(Duration.ofSeconds(1));
    }

    // ---- a raw client -------------------------------------------------------------------

    record Answer(String statusLine, int status, Map<String, String> headers, byte[] body, List<String> chunks) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        String header(String name) {
            return headers.get(name.toLowerCase());
        }
    }

    static final class Raw implements AutoCloseable {
        final Socket socket;
        final InputStream in;
        final OutputStream out;

        Raw(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(5000);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }

        Raw send(String s) throws IOException {
            out.write(s.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return this;
        }

        String line() throws IOException {
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) throw new IOException("closed mid-line after '" + sb + "'");
                if (c != '\r') sb.append((char) c);
            }
            return sb.toString();
        }

        Answer read() throws IOException {
            return read(false);
        }

        Answer read(boolean head) throws IOException {
            String statusLine = line();
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String l = line(); !l.isEmpty(); l = line()) {
                int colon = l.indexOf(':');
                headers.put(l.substring(0, colon).toLowerCase(), l.substring(colon + 1).trim());
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            List<String> chunks = new ArrayList<>();
            if (head || status < 200 || status == 204 || status == 304) {
                // no body
            } else if (headers.containsKey("content-length")) {
                body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
            } else if ("chunked".equals(headers.get("transfer-encoding"))) {
                for (int size = Integer.parseInt(line(), 16); size > 0; size = Integer.parseInt(line(), 16)) {
                    byte[] chunk = in.readNBytes(size);
                    chunks.add(new String(chunk, StandardCharsets.UTF_8));
                    body.write(chunk);
                    assertThat(line()).isEmpty();
                }
                assertThat(line()).isEmpty();
            } else {
                body.write(in.readAllBytes());
            }
            return new Answer(statusLine, status, headers, body.toByteArray(), chunks);
        }

        /** True when the server closed the connection (EOF or reset) within the socket timeout. */
        boolean closedByServer() throws IOException {
            try {
                return in.read() < 0;
            } catch (SocketException e) {
                return true;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static String get(String target) {
        return "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n";
    }

    // ---- responses ----------------------------------------------------------------------

    @Test
    void fixedLengthAnswer_carriesTheHandlersHeadersUnchanged_andKeepsTheConnection() throws Exception {
        try (Raw c = new Raw(start())) {
            Answer a = c.send(get("/hello?name=J%C3%BCrgen%20K&x")).read();
            assertThat(a.statusLine()).isEqualTo("HTTP/1.1 200 OK");
            assertThat(a.text()).isEqualTo("hello Jürgen K");
            assertThat(a.header("Content-Length")).isEqualTo(Integer.toString(a.body().length));
            assertThat(a.header("Content-Type")).isEqualTo("text/plain");
            assertThat(a.header("X-Request-Id")).isEqualTo("req-1");
            assertThat(a.header("Retry-After")).isEqualTo("7");
            assertThat(a.header("Cache-Control")).isEqualTo("no-cache");
            assertThat(a.header("X-Accel-Buffering")).isEqualTo("no");
            assertThat(a.headers()).doesNotContainKey("connection");
            assertThat(c.send(get("/hello")).read().text()).isEqualTo("hello nobody");
        }
    }

    @Test
    void headRequest_getsHeadersWithoutBody_andAHandlerThatSendsNothingGetsAnEmpty200() throws Exception {
        try (Raw c = new Raw(start())) {
            Answer a = c.send("HEAD /nope HTTP/1.1\r\nHost: x\r\n\r\n").read(true);
            assertThat(a.status()).isEqualTo(404);
            assertThat(a.header("Content-Length")).isEqualTo(Integer.toString("unknown HEAD /nope".length()));
            Answer b = c.send(get("/nothing")).read();
            assertThat(b.status()).isEqualTo(200);
            assertThat(b.header("Content-Length")).isEqualTo("0");
        }
    }

    @Test
    void streamedAnswer_isChunked_andEachFlushReachesTheClientBeforeTheNextWrite() throws Exception {
        CountDownLatch firstRead = new CountDownLatch(1);
        Routes r = routes().get("/stream", (req, res) -> {
            res.header("Content-Type", "text/event-stream").header("Cache-Control", "no-cache");
            OutputStream out = res.outputStream();
            out.write("data: 1\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            assertThat(firstRead.await(5, TimeUnit.SECONDS)).isTrue();
            out.write("data: 2\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            out.close();
        });
        try (Raw c = new Raw(start(r, b -> { }))) {
            c.send(get("/stream"));
            assertThat(c.line()).isEqualTo("HTTP/1.1 200 OK");
            Map<String, String> h = new LinkedHashMap<>();
            for (String l = c.line(); !l.isEmpty(); l = c.line()) h.put(l.substring(0, l.indexOf(':')).toLowerCase(), l.substring(l.indexOf(':') + 2));
            assertThat(h).containsEntry("transfer-encoding", "chunked").containsEntry("content-type", "text/event-stream")
                    .containsEntry("cache-control", "no-cache").doesNotContainKey("content-length");
            assertThat(c.line()).isEqualTo("9");
            assertThat(new String(c.in.readNBytes(9), StandardCharsets.UTF_8)).isEqualTo("data: 1\n\n");
            assertThat(c.line()).isEmpty();
            firstRead.countDown(); // the second event is only written after the first arrived
            assertThat(c.line()).isEqualTo("9");
            assertThat(new String(c.in.readNBytes(9), StandardCharsets.UTF_8)).isEqualTo("data: 2\n\n");
            assertThat(c.line()).isEmpty();
            assertThat(c.line()).isEqualTo("0");
            assertThat(c.line()).isEmpty();
            assertThat(c.send(get("/hello")).read().status()).isEqualTo(200); // still usable
        }
    }

    @Test
    void streamToAnHttp10Client_endsWithTheConnection() throws Exception {
        Routes r = routes().get("/stream", (req, res) -> {
            OutputStream out = res.outputStream();
            out.write("abc".getBytes(StandardCharsets.UTF_8));
            out.flush();
            out.write("def".getBytes(StandardCharsets.UTF_8));
        });
        try (Raw c = new Raw(start(r, b -> { }))) {
            Answer a = c.send("GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read();
            assertThat(a.statusLine()).isEqualTo("HTTP/1.0 200 OK");
            assertThat(a.header("Connection")).isEqualTo("close");
            assertThat(a.headers()).doesNotContainKeys("transfer-encoding", "content-length");
            assertThat(a.text()).isEqualTo("abcdef");
        }
    }

    // ---- connections --------------------------------------------------------------------

    @Test
    void pipelinedRequestsInOneSegment_areAnsweredInOrder() throws Exception {
        try (Raw c = new Raw(start())) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nfirst"
                    + get("/hello?name=second")
                    + "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nthird\r\n0\r\n\r\n"
                    + get("/hello?name=fourth"));
            assertThat(c.read().text()).isEqualTo("first");
            assertThat(c.read().text()).isEqualTo("hello second");
            assertThat(c.read().text()).isEqualTo("third");
            assertThat(c.read().text()).isEqualTo("hello fourth");
        }
    }

    @Test
    void connectionClose_fromTheClient_isAnsweredWithCloseAndTheServerCloses() throws Exception {
        try (Raw c = new Raw(start())) {
            Answer a = c.send("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").read();
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.header("Connection")).isEqualTo("close");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void connectionClose_fromTheHandler_closesAfterTheAnswer() throws Exception {
        Routes r = routes().get("/bye", (req, res) -> res.header("Connection", "close").send("bye"));
        try (Raw c = new Raw(start(r, b -> { }))) {
            Answer a = c.send(get("/bye")).read();
            assertThat(a.header("Connection")).isEqualTo("close");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void http10_closesUnlessAskedToKeepAlive() throws Exception {
        int port = start();
        try (Raw c = new Raw(port)) {
            Answer a = c.send("GET /hello HTTP/1.0\r\n\r\n").read();
            assertThat(a.statusLine()).isEqualTo("HTTP/1.0 200 OK");
            assertThat(a.header("Connection")).isEqualTo("close");
            assertThat(c.closedByServer()).isTrue();
        }
        try (Raw c = new Raw(port)) {
            Answer a = c.send("GET /hello HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").read();
            assertThat(a.header("Connection")).isEqualTo("keep-alive");
            assertThat(c.send("GET /hello?name=again HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read().text()).isEqualTo("hello again");
        }
    }

    @Test
    void idleKeepAliveConnection_isClosedAfterTheIdleTimeout() throws Exception {
        try (Raw c = new Raw(start(routes(), b -> b.idleTimeout(Duration.ofMillis(300))))) {
            assertThat(c.send(get("/hello")).read().status()).isEqualTo(200);
            long t0 = System.nanoTime();
            assertThat(c.closedByServer()).isTrue();
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(200L, 3000L);
        }
    }

    @Test
    void slowHeaders_areCutOffWith408() throws Exception {
        try (Raw c = new Raw(start(routes(), b -> b.headerTimeout(Duration.ofMillis(400))))) {
            c.send("GET /hello HTTP/1.1\r\nHost: x\r\n");
            long t0 = System.nanoTime();
            for (int i = 0; i < 3; i++) {
                Thread.sleep(100);
                c.send("X-Slow-" + i + ": y\r\n"); // a byte now and then does not keep it alive
            }
            Answer a = c.read();
            assertThat(a.status()).isEqualTo(408);
            assertThat(a.text()).contains("request_timeout");
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(3000L);
            assertThat(c.closedByServer()).isTrue();
        }
    }

    // ---- request bodies -----------------------------------------------------------------

    @Test
    void chunkedRequestBody_withExtensionsAndTrailers_isDecoded() throws Exception {
        try (Raw c = new Raw(start())) {
            Answer a = c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "4;name=value\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: t\r\n\r\n").read();
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.text()).isEqualTo("Wikipedia in\r\n\r\nchunks.");
            assertThat(c.send(get("/hello")).read().status()).isEqualTo(200);
        }
    }

    @Test
    void expect100Continue_isAnsweredBeforeTheBodyIsSent() throws Exception {
        try (Raw c = new Raw(start())) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
            assertThat(c.line()).isEqualTo("HTTP/1.1 100 Continue");
            assertThat(c.line()).isEmpty();
            Answer a = c.send("body").read();
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.text()).isEqualTo("body");
            assertThat(c.send(get("/hello")).read().status()).isEqualTo(200);
        }
    }

    @Test
    void expect100Continue_refusedWithoutReadingTheBody_getsNo100_andTheConnectionCloses() throws Exception {
        try (Raw c = new Raw(start())) {
            Answer a = c.send("POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n").read();
            assertThat(a.status()).isEqualTo(401);
            assertThat(a.header("Connection")).isEqualTo("close");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void aBodyTheHandlerDidNotRead_isDrained_soTheNextRequestParses() throws Exception {
        try (Raw c = new Raw(start())) {
            c.send("POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789" + get("/hello?name=next")
                    + "POST /ignore HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" + get("/hello?name=last"));
            assertThat(c.read().status()).isEqualTo(401);
            assertThat(c.read().text()).isEqualTo("hello next");
            assertThat(c.read().status()).isEqualTo(401);
            assertThat(c.read().text()).isEqualTo("hello last");
        }
    }

    @Test
    void bodyOverTheLimit_is413WithoutReachingTheHandler_andTheClientReadsIt() throws Exception {
        try (Raw c = new Raw(start())) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + "x".repeat(3000));
            Answer a = c.read();
            assertThat(a.status()).isEqualTo(413);
            assertThat(a.statusLine()).isEqualTo("HTTP/1.1 413 Content Too Large");
            assertThat(a.header("Connection")).isEqualTo("close");
            assertThat(a.text()).contains("request_too_large").contains("5000").contains("1000");
            assertThat(handled).hasValue(0);
        }
        try (Raw c = new Raw(server.port())) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + "3e8\r\n" + "y".repeat(1000) + "\r\n1\r\nz\r\n0\r\n\r\n");
            Answer a = c.read();
            assertThat(a.status()).isEqualTo(413);
            assertThat(a.header("Connection")).isEqualTo("close");
        }
    }

    // ---- malformed and oversized requests -----------------------------------------------

    private Answer once(int port, String request) throws IOException {
        try (Raw c = new Raw(port)) {
            Answer a = c.send(request).read();
            if (a.status() >= 400) {
                assertThat(a.header("Content-Type")).isEqualTo("application/json");
                assertThat(a.header("Connection")).isEqualTo("close");
                assertThat(c.closedByServer()).isTrue();
            }
            return a;
        }
    }

    @Test
    void headerSectionTooLarge_is431() throws Exception {
        Answer a = once(start(), "GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n");
        assertThat(a.status()).isEqualTo(431);
        assertThat(a.text()).contains("header_fields_too_large");
        StringBuilder many = new StringBuilder("GET /hello HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 200; i++) many.append("X-").append(i).append(": v\r\n");
        assertThat(once(server.port(), many + "\r\n").status()).isEqualTo(431);
    }

    @Test
    void requestTargetTooLong_is414() throws Exception {
        Answer a = once(start(), get("/hello?q=" + "a".repeat(9000)));
        assertThat(a.status()).isEqualTo(414);
        assertThat(a.text()).contains("uri_too_long");
    }

    @Test
    void malformedRequests_are400() throws Exception {
        int port = start();
        for (String bad : List.of(
                "GARBAGE\r\n\r\n",
                "GET /hello\r\nHost: x\r\n\r\n",
                "GET /hello HTTP/1.1 extra\r\nHost: x\r\n\r\n",
                "GET hello HTTP/1.1\r\nHost: x\r\n\r\n",
                "G(T /hello HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /hello HTTP/1.1\r\n\r\n",
                "GET /hello HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n",
                "GET /hello HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n",
                "GET /hello HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded\r\n\r\n",
                "GET /hello HTTP/1.1\r\nHost: x\r\nX-A: a\u0001b\r\n\r\n",
                "GET /he%zzllo HTTP/1.1\r\nHost: x\r\n\r\n",
                "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
                "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: -3\r\n\r\nabc",
                "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3x\r\n\r\nabc",
                "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
                "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
                "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n",
                "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")) {
            Answer a = once(port, bad);
            assertThat(a.status()).as(bad).isEqualTo(400);
            assertThat(a.text()).as(bad).contains("bad_request");
        }
        assertThat(handled).hasValue(2); // only the two bad chunked bodies got that far: found when /echo read them
        assertThat(once(port, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n").status()).isEqualTo(501);
        assertThat(once(port, "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\na").status()).isEqualTo(417);
    }

    @Test
    void otherHttpVersions_are505_andHttp2PriorKnowledgeToo() throws Exception {
        int port = start();
        Answer a = once(port, "GET /hello HTTP/2.0\r\nHost: x\r\n\r\n");
        assertThat(a.status()).isEqualTo(505);
        assertThat(a.statusLine()).isEqualTo("HTTP/1.1 505 HTTP Version Not Supported");
        assertThat(a.text()).contains("http_version_not_supported");
        assertThat(once(port, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").status()).isEqualTo(505);
        assertThat(once(port, "GET /hello HTTP/3\r\nHost: x\r\n\r\n").status()).isEqualTo(505);
    }

    @Test
    void absoluteFormTarget_andLeadingEmptyLine_areAccepted() throws Exception {
        try (Raw c = new Raw(start())) {
            assertThat(c.send("\r\nGET http://example.com/hello?name=abs HTTP/1.1\r\nHost: example.com\r\n\r\n").read().text())
                    .isEqualTo("hello abs");
        }
    }

    // ---- routing and errors -------------------------------------------------------------

    @Test
    void unknownPathAndWrongMethod_goToNotFound_andHandlerExceptionsToTheErrorHandler() throws Exception {
        try (Raw c = new Raw(start())) {
            Answer a = c.send(get("/nope")).read();
            assertThat(a.status()).isEqualTo(404);
            assertThat(a.text()).isEqualTo("unknown GET /nope");
            assertThat(c.send("DELETE /hello HTTP/1.1\r\nHost: x\r\n\r\n").read().text()).isEqualTo("unknown DELETE /hello");
            assertThat(c.send(get("/echo")).read().text()).isEqualTo("unknown GET /echo");
            Answer f = c.send(get("/fail")).read();
            assertThat(f.status()).isEqualTo(500);
            assertThat(f.text()).contains("internal_error").contains("boom");
            assertThat(c.send(get("/hello")).read().status()).isEqualTo(200); // the connection survived
        }
    }

    // ---- concurrency limit --------------------------------------------------------------

    @Test
    void overTheConcurrencyLimit_is503WithRetryAfter() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Routes r = routes().get("/slow", (req, res) -> {
            entered.countDown();
            release.await();
            res.send("done");
        });
        int port = start(r, b -> b.maxConcurrentRequests(1));
        try (Raw slow = new Raw(port); Raw other = new Raw(port)) {
            slow.send(get("/slow"));
            assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
            Answer a = other.send(get("/hello")).read();
            assertThat(a.status()).isEqualTo(503);
            assertThat(a.header("Retry-After")).isEqualTo("1");
            assertThat(a.text()).contains("server_busy");
            assertThat(server.rejectedOverLimit()).isEqualTo(1);
            release.countDown();
            assertThat(slow.read().text()).isEqualTo("done");
            assertThat(other.send(get("/hello")).read().status()).isEqualTo(200); // same connection, now admitted
        }
    }

    // ---- client going away --------------------------------------------------------------

    @Test
    void clientDisconnectMidStream_reachesTheHandlerAsUncheckedIOException() throws Exception {
        CompletableFuture<Throwable> seen = new CompletableFuture<>();
        Routes r = routes().get("/forever", (req, res) -> {
            OutputStream out = res.outputStream();
            try {
                for (int i = 0; i < 10_000; i++) {
                    out.write(("data: " + i + "\n\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    Thread.sleep(2);
                }
                seen.complete(null);
            } catch (Throwable t) {
                seen.complete(t);
                throw t;
            }
        });
        int port = start(r, b -> { });
        try (Raw c = new Raw(port)) {
            c.send(get("/forever"));
            assertThat(c.line()).isEqualTo("HTTP/1.1 200 OK");
        }
        assertThat(seen.get(10, TimeUnit.SECONDS)).isInstanceOf(UncheckedIOException.class);
        try (Raw c = new Raw(port)) {
            assertThat(c.send(get("/hello")).read().status()).isEqualTo(200);
        }
    }

    @Test
    void aClientThatStopsReading_isCutOffByTheWriteTimeout_andTheHandlerSeesUncheckedIOException() throws Exception {
        CompletableFuture<Throwable> seen = new CompletableFuture<>();
        byte[] block = new byte[64 * 1024];
        Routes r = routes().get("/flood", (req, res) -> {
            OutputStream out = res.outputStream();
            try {
                for (int i = 0; i < 100_000; i++) {
                    out.write(block);
                    out.flush();
                }
                seen.complete(null);
            } catch (Throwable t) {
                seen.complete(t);
                throw t;
            }
        });
        int port = start(r, b -> b.writeTimeout(Duration.ofMillis(300)));
        try (Raw c = new Raw(port)) {
            c.send(get("/flood")); // and never read
            assertThat(seen.get(10, TimeUnit.SECONDS)).isInstanceOf(UncheckedIOException.class);
        }
    }

    // ---- stop ---------------------------------------------------------------------------

    @Test
    void gracefulStop_closesIdleConnections_finishesInFlightRequests_andStopsAccepting() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        Routes r = routes().get("/slow", (req, res) -> {
            entered.countDown();
            Thread.sleep(300);
            res.send("finished");
        });
        int port = start(r, b -> { });
        try (Raw idle = new Raw(port); Raw busy = new Raw(port)) {
            assertThat(idle.send(get("/hello")).read().status()).isEqualTo(200);
            busy.send(get("/slow"));
            assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
            long t0 = System.nanoTime();
            server.stop(Duration.ofSeconds(5));
            long tookMillis = (System.nanoTime() - t0) / 1_000_000;
            assertThat(idle.closedByServer()).isTrue();
            Answer a = busy.read();
            assertThat(a.text()).isEqualTo("finished");
            assertThat(a.header("Connection")).isEqualTo("close");
            assertThat(tookMillis).isLessThan(3000);
        }
        try (Socket s = new Socket("127.0.0.1", port)) {
            throw new AssertionError("still accepting after stop: " + s);
        } catch (ConnectException expected) {
            // refused
        }
    }

    @Test
    void stop_closesRequestsStillRunningAfterTheGracePeriod() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        Routes r = routes().get("/stuck", (req, res) -> {
            OutputStream out = res.outputStream();
            entered.countDown();
            while (true) {
                out.write('x');
                out.flush();
                Thread.sleep(20);
            }
        });
        int port = start(r, b -> { });
        try (Raw c = new Raw(port)) {
            c.send(get("/stuck"));
            assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
            long t0 = System.nanoTime();
            server.stop(Duration.ofMillis(200));
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(150L, 2000L);
            c.socket.setSoTimeout(2000);
            byte[] rest = new byte[65536];
            try {
                while (c.in.read(rest) >= 0) {
                    // drain until closed
                }
            } catch (SocketException reset) {
                // closed
            }
        }
    }
}
