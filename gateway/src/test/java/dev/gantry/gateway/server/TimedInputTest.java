package dev.gantry.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Reads timed by the watchdog, on real loopback sockets, from virtual threads as the gateway reads. */
@Timeout(20)
class TimedInputTest {
    private ServerSocket listener;
    private Socket client;
    private Socket peer;

    @BeforeEach
    void connect() throws IOException {
        listener = new ServerSocket(0);
        client = new Socket("127.0.0.1", listener.getLocalPort());
        peer = listener.accept();
    }

    @AfterEach
    void close() throws IOException {
        client.close();
        peer.close();
        listener.close();
    }

    /** Runs {@code task} on a virtual thread, as the server and the upstream client do. */
    private static <T> T onVirtualThread(java.util.concurrent.Callable<T> task) throws Exception {
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            return pool.submit(task).get();
        }
    }

    @Test
    void aSilentPeer_timesTheReadOut_nearItsDeadline_andTheOutputStillWorks() throws Exception {
        TimedInput in = new TimedInput(client);
        in.timeout(150);
        long t0 = System.nanoTime();
        Throwable thrown = onVirtualThread(() -> {
            try {
                in.read(new byte[16], 0, 16);
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(thrown).isInstanceOf(SocketTimeoutException.class).hasMessageContaining("150 ms");
        assertThat(millis).as("fired at the deadline, within the watchdog's tick (and scheduling slack)").isBetween(150L, 2_000L);
        assertThat(in.fired()).isTrue();
        assertThatThrownBy(() -> in.read(new byte[1], 0, 1)).as("the input stays shut").isInstanceOf(SocketTimeoutException.class);
        // A server can still answer (408) on the same connection.
        client.getOutputStream().write("408".getBytes(StandardCharsets.US_ASCII));
        assertThat(new String(peer.getInputStream().readNBytes(3), StandardCharsets.US_ASCII)).isEqualTo("408");
    }

    @Test
    void bytesInTime_areRead_andManyShortTimedReadsNeverFire() throws Exception {
        TimedInput in = new TimedInput(client);
        in.timeout(200);
        var writer = CompletableFuture.runAsync(() -> {
            try {
                for (int i = 0; i < 50; i++) {
                    Thread.sleep(5);
                    peer.getOutputStream().write(i);
                }
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Integer sum = onVirtualThread(() -> {
            int s = 0;
            for (int i = 0; i < 50; i++) s += in.read();
            return s;
        });
        writer.join();
        assertThat(sum).isEqualTo(49 * 50 / 2);
        assertThat(in.fired()).isFalse();
    }

    @Test
    void noTimeout_waitsAsLongAsItTakes_andEndOfStreamIsNotATimeout() throws Exception {
        TimedInput in = new TimedInput(client);
        in.timeout(0);
        var late = CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(300);
                peer.getOutputStream().write(7);
                peer.shutdownOutput();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        int first = onVirtualThread(in::read);
        int next = onVirtualThread(in::read);
        assertThat(first).isEqualTo(7);
        assertThat(next).isEqualTo(-1);
        late.join();
        assertThat(in.fired()).isFalse();
    }

    @Test
    void aNegativeTimeout_isRefused() throws Exception {
        TimedInput in = new TimedInput(client);
        assertThatThrownBy(() -> in.timeout(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
    }
}
