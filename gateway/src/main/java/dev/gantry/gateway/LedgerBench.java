package dev.gantry.gateway;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code gantry-gateway bench-ledger}: the usage ledger alone, in this JVM. Appends records
 * shaped like the gateway's (UUIDv7 request ids from {@link Proxy#timeOrderedUuid}, a few
 * virtual keys that exist in {@code gateway_keys}, one model) at a steady rate or as fast as
 * the writer takes them, waits until they are written, and reports the CPU it cost per record:
 * the ledger's writer thread, H2's own threads (the MVStore background writer and the
 * serialisation and save threads it hands pages to), and the whole process (JIT, GC, the appending thread included). A warm-up pass of
 * the same shape runs first and is not counted. The database starts empty (a fresh H2 file in
 * a temporary directory unless {@code --data-dir} or {@code --database-url} says otherwise).
 * {@code -Dgantry.bench.threads=true} also lists every native thread's CPU (Linux).
 */
final class LedgerBench {
    private LedgerBench() {}

    private static final long TICK_NANOS = 5_000_000;

    static final String USAGE = "gantry-gateway bench-ledger [--records N (default 100000)] [--rate R (records/s, 0 = as fast "
            + "as the writer takes them; default 2000)] [--warmup N (default 20000)] [--database-url URL] [--data-dir DIR]\n"
            + "  the usage ledger alone: CPU per record of its writer thread, H2's background writer and the process";

    /** What one measured pass cost; CPU in microseconds per record. */
    record Result(long records, double seconds, long batches, double writerUs, double storeUs, double appenderUs, double jitUs,
                  double processUs) {
        double recordsPerSecond() {
            return records / seconds;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d records in %.2f s (%.0f records/s, %d transactions, %.0f records each); "
                    + "CPU per record: ledger writer %.2f us + H2 threads %.2f us = %.2f us; process %.2f us less appender %.2f us "
                    + "and JIT %.2f us = %.2f us",
                    records, seconds, recordsPerSecond(), batches, batches == 0 ? 0.0 : (double) records / batches,
                    writerUs, storeUs, writerUs + storeUs, processUs, appenderUs, jitUs, processUs - appenderUs - jitUs);
        }
    }

    static int run(String[] args) throws Exception {
        var o = new Object() {
            long records = 100_000, warmup = 20_000;
            double rate = 2000;
            String databaseUrl;
            Path dataDir;
        };
        int exit = BenchFlags.parse("bench-ledger", USAGE, args, (flag, v) -> {
            switch (flag) {
                case "--records" -> o.records = positive(flag, Long.parseLong(v));
                case "--warmup" -> o.warmup = Long.parseLong(v);
                case "--rate" -> o.rate = Double.parseDouble(v);
                case "--database-url" -> o.databaseUrl = v;
                case "--data-dir" -> o.dataDir = Path.of(v);
                default -> {
                    return false;
                }
            }
            return true;
        });
        if (exit >= 0) return exit;
        long records = o.records, warmup = o.warmup;
        double rate = o.rate;
        String databaseUrl = o.databaseUrl;
        Path dataDir = o.dataDir;
        if (rate < 0 || warmup < 0) {
            System.err.println("bench-ledger: --rate and --warmup must be >= 0\n" + USAGE);
            return 2;
        }
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        Path dir = dataDir != null ? Files.createDirectories(dataDir) : Files.createTempDirectory("gantry-ledger-bench");
        try (Database db = new Database(databaseUrl, dir.resolve("gantry-gateway").toAbsolutePath().toString())) {
            System.out.println("bench-ledger: " + db.displayUrl + ", " + records + " records at "
                    + (rate == 0 ? "full speed" : String.format(Locale.ROOT, "%.0f/s", rate)) + " after " + warmup + " warm-up records");
            List<String> keys = createKeys(db, 4);
            Metrics metrics = new Metrics();
            try (Ledger ledger = new Ledger(db, dir.resolve("spool"), metrics)) {
                if (warmup > 0) measure(ledger, metrics, keys, warmup, 0); // at full speed: the JIT needs calls, not time
                Result r = measure(ledger, metrics, keys, records, rate);
                System.out.println("bench-ledger: " + r);
                if (Boolean.getBoolean("gantry.bench.threads")) dumpThreads();
                long spooled = (long) metrics.ledgerRecords.value("spooled");
                if (spooled > 0) {
                    System.err.println("bench-ledger: " + spooled + " records went to the spool: the database failed, the numbers are not the ledger's");
                    return 1;
                }
            }
            long rows = count(db, "SELECT COUNT(*) FROM usage_records");
            if (rows != records + warmup) {
                System.err.println("bench-ledger: expected " + (records + warmup) + " rows, found " + rows);
                return 1;
            }
        }
        return 0;
    }

    private static long positive(String name, long v) {
        if (v <= 0) throw new IllegalArgumentException(name + " must be > 0, got " + v);
        return v;
    }

    /** Virtual keys that exist in gateway_keys, so the ledger's spend update hits real rows. */
    static List<String> createKeys(Database db, int n) throws SQLException {
        KeyStore store = new KeyStore(db);
        Instant now = Instant.now();
        List<String> digests = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            String digest = String.format(Locale.ROOT, "%064x", 0xbe7c4L + i + System.nanoTime() % 1_000_000 * 16);
            store.insert(new VirtualKey(digest, "bench-" + i, "sk-bnch", List.of(), null, null, null, Map.of(), Map.of(),
                    null, null, 0, 0, null, false, now, now));
            digests.add(digest);
        }
        return digests;
    }

    /** One record as the gateway's Proxy writes it for a small chat completion. */
    static UsageRecord record(List<String> keys, long i) {
        long now = System.currentTimeMillis();
        Instant started = Instant.ofEpochMilli(now - 3);
        String key = keys.get((int) (i % keys.size()));
        return new UsageRecord("req-" + Proxy.timeOrderedUuid(now), key, "bench-" + (i % keys.size()), "bench", "bench#0",
                12 + i % 7, 8 + i % 5, 0.000_2 * (1 + i % 3), 200, started, started.plusMillis(1), Instant.ofEpochMilli(now));
    }

    /**
     * Appends {@code n} records (paced to {@code rate} per second, or as fast as the writer
     * drains them when 0), waits until the ledger has written them, and returns the CPU it cost.
     */
    static Result measure(Ledger ledger, Metrics metrics, List<String> keys, long n, double rate) throws InterruptedException {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long writerId = ledger.writerThreadId();
        long self = Thread.currentThread().threadId();
        double written0 = metrics.ledgerRecords.value("written") + metrics.ledgerRecords.value("duplicate");
        long batches0 = ledger.transactions();
        long writer0 = threads.getThreadCpuTime(writerId), app0 = threads.getThreadCpuTime(self);
        Map<Long, Long> store0 = storeThreadsCpu(threads);
        long jit0 = compilerCpuNanos();
        long process0 = os.getProcessCpuTime();
        long start = System.nanoTime();
        for (long i = 0; i < n; i++) {
            if (rate > 0) {
                // Paced in 5 ms ticks: a park per record would cost the appender more than the ledger.
                long due = start + (long) (i * 1e9 / rate) / TICK_NANOS * TICK_NANOS;
                long wait = due - System.nanoTime();
                if (wait > 0) LockSupport.parkNanos(wait);
            } else {
                while (ledger.queueDepth() > 20_000) LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            ledger.append(record(keys, i));
        }
        if (!ledger.awaitIdle(600_000)) throw new IllegalStateException("the ledger did not write " + n + " records in 10 minutes");
        double seconds = (System.nanoTime() - start) / 1e9;
        // The MVStore writer commits changed pages up to WRITE_DELAY (500 ms) later: count that too.
        Thread.sleep(1000);
        long writer = threads.getThreadCpuTime(writerId) - writer0, app = threads.getThreadCpuTime(self) - app0;
        Map<Long, Long> store1 = storeThreadsCpu(threads);
        long store = 0;
        for (var e : store1.entrySet()) store += e.getValue() - store0.getOrDefault(e.getKey(), 0L);
        long process = os.getProcessCpuTime() - process0;
        long jit = compilerCpuNanos() - jit0;
        double written = metrics.ledgerRecords.value("written") + metrics.ledgerRecords.value("duplicate") - written0;
        if ((long) written != n) throw new IllegalStateException("the ledger wrote " + (long) written + " of " + n + " records");
        return new Result(n, seconds, ledger.transactions() - batches0, writer / 1e3 / n, store / 1e3 / n, app / 1e3 / n,
                jit / 1e3 / n, process / 1e3 / n);
    }

    /** CPU nanoseconds of H2's own threads (MVStore background writer, H2-serialization, H2-save), by thread id. */
    private static Map<Long, Long> storeThreadsCpu(ThreadMXBean threads) {
        Map<Long, Long> cpu = new HashMap<>();
        for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (t != null && (t.getThreadName().startsWith("MVStore") || t.getThreadName().startsWith("H2-"))) cpu.put(t.getThreadId(), threads.getThreadCpuTime(t.getThreadId()));
        }
        return cpu;
    }

    /**
     * CPU of the JIT compiler threads (Linux /proc; 0 elsewhere): C2 keeps compiling H2's
     * per-transaction paths long after a short warm-up, which a gateway at steady state does not pay.
     */
    private static long compilerCpuNanos() {
        long ticks = 0;
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    if (!Files.readString(t.resolve("comm")).contains("CompilerThre")) continue;
                    String stat = Files.readString(t.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                } catch (java.io.IOException | RuntimeException e) {
                    // a compiler thread that ended meanwhile
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            return 0;
        }
        return ticks * 10_000_000L; // USER_HZ is 100 on Linux
    }

    /** Every native thread's CPU since it started, JIT and GC threads included (Linux /proc). */
    private static void dumpThreads() throws java.io.IOException {
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                String stat = Files.readString(t.resolve("stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                if (ticks > 0) System.out.printf(Locale.ROOT, "  %8d ms  %s%n", ticks * 10, Files.readString(t.resolve("comm")).strip());
            }
        }
    }

    private static long count(Database db, String sql) throws SQLException {
        try (Connection c = db.connection(); var st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
