package dev.gantry.gateway.server;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A socket's input whose reads time out like {@code SO_TIMEOUT}, with the timeout enforced by
 * one shared watchdog thread instead of by the read itself.
 *
 * <p>Why: a virtual thread blocked in a read with a socket timeout parks with a timeout, and
 * on JDK 25 every such park schedules a task on the ForkJoinPool's delay scheduler and wakes
 * its thread (a futex call), then cancels the task when the bytes arrive (JDK 21 does the same
 * through its scheduled "unparker" executor). A profile of the
 * gateway at 16 clients put ~15% of its CPU there: every upstream answer, every streamed
 * chunk and every wait for a keep-alive connection's next request is such a read. Here a read
 * only stores its deadline in a field; the watchdog looks at the armed reads every
 * {@link #TICK_MILLIS} ms and shuts the input of any read past its deadline, which wakes it
 * with an end of stream that {@link #read} reports as {@link SocketTimeoutException}.
 *
 * <p>Consequences: a timeout fires up to {@link #TICK_MILLIS} ms late, and it ends the
 * connection's input for good ({@link #fired()}): the owner closes the connection, as it does
 * after any read timeout. The output stays open, so a server can still answer 408. Sockets
 * whose reads must wake on time to do something else and read on (a proxy sending keep-alive
 * comments while its upstream is silent) keep using {@code SO_TIMEOUT} with {@link #timeout}
 * 0 here.
 */
public final class TimedInput extends InputStream {
    /** How often the watchdog looks; also how late a timeout may fire. */
    static final long TICK_MILLIS = 10;

    private static final Set<TimedInput> WATCHED = ConcurrentHashMap.newKeySet();

    static {
        Thread.ofPlatform().name("gateway-read-deadlines").daemon().start(TimedInput::watch);
    }

    private final Socket socket;
    private final InputStream raw;
    private int timeoutMillis;
    /** System.nanoTime() by which the read in progress must return; meaningful while {@link #armed}. */
    private long deadline;
    private volatile boolean armed;
    private volatile boolean fired;

    public TimedInput(Socket socket) throws IOException {
        this.socket = socket;
        this.raw = socket.getInputStream();
        WATCHED.add(this);
    }

    /** The longest any following read may block, in milliseconds; 0 means no limit. */
    public void timeout(int millis) {
        if (millis < 0) throw new IllegalArgumentException("timeout must be >= 0 ms, got " + millis);
        this.timeoutMillis = millis;
    }

    /** A read ran past its deadline: the input is shut and every later read times out too. */
    public boolean fired() {
        return fired;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (fired) throw timedOut();
        int n;
        if (timeoutMillis > 0) {
            deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            armed = true; // a volatile write after the deadline's: the watchdog reads them in the other order
            try {
                n = raw.read(b, off, len);
            } catch (IOException e) {
                if (fired) throw timedOut();
                throw e;
            } finally {
                armed = false;
            }
        } else {
            n = raw.read(b, off, len);
        }
        if (n < 0 && fired) throw timedOut();
        return n;
    }

    private SocketTimeoutException timedOut() {
        return new SocketTimeoutException("Read timed out after " + timeoutMillis + " ms");
    }

    @Override
    public int available() throws IOException {
        return raw.available();
    }

    /** Closes the socket (as closing a socket's own input stream does). */
    @Override
    public void close() throws IOException {
        WATCHED.remove(this);
        socket.close();
    }

    private static void watch() {
        while (true) {
            try {
                Thread.sleep(TICK_MILLIS);
            } catch (InterruptedException e) {
                // a daemon thread: nobody stops it
            }
            long now = System.nanoTime();
            for (TimedInput t : WATCHED) {
                if (t.socket.isClosed()) {
                    WATCHED.remove(t);
                } else if (t.armed && now - t.deadline >= 0 && !t.fired) {
                    t.fired = true;
                    try {
                        t.socket.shutdownInput(); // the blocked read returns end-of-stream
                    } catch (IOException e) {
                        // closed meanwhile: its read ends anyway
                    }
                }
            }
        }
    }
}
