package dev.gantry.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class UpstreamClientTest {
    private static final String DATA1 = "data: {\"first\":\"event, long enough for a two-digit size\"}\n\n";
    private static final String DATA2 = "data: {\"second\":2}\n\n";
    private static final long PAUSE = 300;
    private static final int WAIT_MILLIS = 40;

    /** Waits WAIT_MILLIS per read and always waits again, counting the timeouts. */
    private static final class CountingWait implements UpstreamClient.Wait {
        final AtomicInteger timeouts = new AtomicInteger();
        final int giveUpAfter;

        CountingWait(int giveUpAfter) {
            this.giveUpAfter = giveUpAfter;
        }

        @Override
        public int beforeRead() {
            return WAIT_MILLIS;
        }

        @Override
        public int afterTimeout() {
            return timeouts.incrementAndGet() >= giveUpAfter ? 0 : WAIT_MILLIS;
        }
    }

    /**
     * The answer stops for longer than a read timeout inside the status line, inside a header,
     * inside a chunk-size line, between a chunk's data and its CRLF, inside the last chunk's
     * line and before the final CRLF: every byte still arrives in order, and the connection,
     * read to its end, goes back to the pool.
     */
    @Test
    void readTimeoutsAtAnyByte_ofTheHeadAndChunkedBody_loseNothing_andTheConnectionIsReused() throws Exception {
        String size1 = RawUpstream.chunkSize(DATA1);
        assertThat(size1).hasSize(2);
        var answer = new RawUpstream.Script()
                .write("HTTP/1.").pause(PAUSE)
                .write("1 200 OK\r\nContent-Ty").pause(PAUSE)
                .write("pe: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
                .write(size1.substring(0, 1)).pause(PAUSE)
                .write(size1.substring(1) + ";ext=1\r\n" + DATA1).pause(PAUSE)
                .write("\r").pause(PAUSE)
                .write("\n" + RawUpstream.chunkSize(DATA2) + "\r\n" + DATA2 + "\r\n0\r").pause(PAUSE)
                .write("\n\r").pause(PAUSE)
                .write("\n")
                .build();
        try (var upstream = new RawUpstream(i -> answer);
             var client = new UpstreamClient(Duration.ofSeconds(2), Duration.ofSeconds(30), 4)) {
            for (int round = 0; round < 2; round++) {
                CountingWait wait = new CountingWait(Integer.MAX_VALUE);
                try (var res = client.post(upstream.uri("/v1/chat/completions"), Map.of(), "{}".getBytes(), wait)) {
                    assertThat(res.status).isEqualTo(200);
                    assertThat(res.contentType).isEqualTo("text/event-stream");
                    assertThat(new String(res.readAll(1 << 20), StandardCharsets.UTF_8)).isEqualTo(DATA1 + DATA2);
                }
                assertThat(wait.timeouts.get()).as("every pause outlasted at least one read timeout")
                        .isGreaterThanOrEqualTo(8);
            }
            assertThat(upstream.connections.get()).as("the connection read to its end was reused").isEqualTo(1);
        }
    }

    @Test
    void aWaitThatGivesUp_endsTheCallWithTheTimeout_andClosesTheConnection() throws Exception {
        var silentAfterOneChunk = new RawUpstream.Script().write(RawUpstream.SSE_HEAD).chunk(DATA1).awaitClose().build();
        var whole = new RawUpstream.Script().write(RawUpstream.SSE_HEAD).chunk(DATA2).write("0\r\n\r\n").build();
        try (var upstream = new RawUpstream(i -> i == 0 ? silentAfterOneChunk : whole);
             var client = new UpstreamClient(Duration.ofSeconds(2), Duration.ofSeconds(30), 4)) {
            CountingWait wait = new CountingWait(3);
            try (var res = client.post(upstream.uri("/v1/chat/completions"), Map.of(), "{}".getBytes(), wait)) {
                byte[] buf = new byte[4096];
                int n = res.body().read(buf);
                assertThat(new String(buf, 0, n, StandardCharsets.UTF_8)).isEqualTo(DATA1);
                assertThatThrownBy(() -> res.body().read(buf)).isInstanceOf(SocketTimeoutException.class);
                assertThat(wait.timeouts.get()).isEqualTo(3);
            }
            assertThat(upstream.awaitClosedMidAnswer(5_000)).as("the upstream sees the connection closed").isTrue();
            try (var res = client.post(upstream.uri("/v1/chat/completions"), Map.of(), "{}".getBytes(), Duration.ofSeconds(5))) {
                assertThat(new String(res.readAll(1 << 20), StandardCharsets.UTF_8)).isEqualTo(DATA2);
            }
            assertThat(upstream.connections.get()).as("the timed-out connection was not reused").isEqualTo(2);
        }
    }

    @Test
    void unaryReadTimeout_isOneWait_notRetried() throws Exception {
        var slow = new RawUpstream.Script().pause(1_000).write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}").build();
        try (var upstream = new RawUpstream(i -> slow);
             var client = new UpstreamClient(Duration.ofSeconds(2), Duration.ofSeconds(30), 4)) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> client.post(upstream.uri("/x"), Map.of(), new byte[0], Duration.ofMillis(200)))
                    .isInstanceOf(SocketTimeoutException.class);
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(900);
            assertThat(upstream.requests.get()).isEqualTo(1);
        }
    }

    @Test
    void chunkSizes_withExtensionsAndWhitespace_areRead_andABadOneNamesTheByte() throws Exception {
        var good = new RawUpstream.Script().write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0003 ; name=value\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\n").build();
        var bad = new RawUpstream.Script().write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n").build();
        var split = new RawUpstream.Script().write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1 2\r\nabc\r\n").build();
        List<List<RawUpstream.Piece>> scripts = List.of(good, bad, split);
        try (var upstream = new RawUpstream(scripts::get);
             var client = new UpstreamClient(Duration.ofSeconds(2), Duration.ofSeconds(30), 4)) {
            try (var res = client.post(upstream.uri("/x"), Map.of(), new byte[0], Duration.ofSeconds(5))) {
                assertThat(new String(res.readAll(100), StandardCharsets.US_ASCII)).isEqualTo("abcde");
            }
            try (var res = client.post(upstream.uri("/x"), Map.of(), new byte[0], Duration.ofSeconds(5))) {
                assertThatThrownBy(() -> res.readAll(100)).isInstanceOf(IOException.class)
                        .hasMessageContaining("bad chunk size").hasMessageContaining("0x7a");
            }
            try (var res = client.post(upstream.uri("/x"), Map.of(), new byte[0], Duration.ofSeconds(5))) {
                assertThatThrownBy(() -> res.readAll(100)).isInstanceOf(IOException.class)
                        .hasMessageContaining("bad chunk size").hasMessageContaining("'2'");
            }
        }
    }
}
