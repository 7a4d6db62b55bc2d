package dev.gantry.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * The usage ledger: one {@link UsageRecord} per request, appended from the request path to a
 * bounded in-memory queue (never blocking, never touching the database) and written by one
 * background thread in batches. Inserts are idempotent by request id ({@code ON CONFLICT DO
 * NOTHING}), and each key's spend is increased in the same transaction by the rows actually
 * inserted, so a replayed record is counted once. When the database fails, the batch goes to
 * an append-only spool file (JSON lines, forced to disk) and new records follow it there
 * until a replay of the whole spool succeeds; then the spool is deleted.
 */
final class Ledger implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Ledger.class.getName());
    private static final int BATCH = 500;
    /**
     * How long the writer waits for a batch to fill. Each transaction has a fixed cost (commit,
     * connection, spend update, caches gone cold since the last one) that H2 pays on the cores
     * serving requests: at 2,000 records/s, 200 ms (~400 records a transaction) cost ~10 us of
     * CPU per record against ~14 us at 50 ms (~110 records; bench-ledger). Records wait that
     * long in memory (~400 of them, ~150 KB, at 2,000 requests/s) and a crash loses them, as it
     * loses anything still in the queue.
     */
    private static final long LINGER_MILLIS = 200;
    private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private final Database db;
    private final Path spool;
    private final Metrics metrics;
    private final ArrayBlockingQueue<UsageRecord> queue = new ArrayBlockingQueue<>(100_000);
    private final Thread writer;
    private final AtomicLong spooledRecords = new AtomicLong();
    private final AtomicLong pending = new AtomicLong(); // appended, not yet in the DB or the spool
    private final AtomicLong transactions = new AtomicLong(); // committed batches (bench-ledger)
    private volatile boolean running = true;
    private volatile boolean databaseUp = true;
    private volatile boolean spoolWritable = true;
    private long lastReplayAttempt;

    Ledger(Database db, Path spoolDir, Metrics metrics) {
        this.db = db;
        this.metrics = metrics;
        try {
            Files.createDirectories(spoolDir);
        } catch (IOException e) {
            throw new IllegalArgumentException("gantry_settings.spool_dir: cannot create '" + spoolDir + "': " + e.getMessage()
                    + "; point it at a writable directory", e);
        }
        this.spool = spoolDir.resolve("usage-spool.jsonl");
        spooledRecords.set(countLines(spool));
        metrics.gauge("gantry_gateway_ledger_queue_depth", "Usage records waiting to be written.", () -> queue.size());
        metrics.gauge("gantry_gateway_ledger_spool_records", "Usage records spooled to disk while the database is down.",
                () -> spooledRecords.get());
        writer = Thread.ofPlatform().name("gateway-ledger").daemon().start(this::run);
    }

    /** Called on the request path: O(1), never blocks on I/O unless the queue is full. */
    void append(UsageRecord r) {
        pending.incrementAndGet();
        if (!queue.offer(r)) {
            // 100k records behind: the writer cannot keep up; keep the record on disk rather than lose it.
            synchronized (this) {
                spoolAppend(List.of(r));
            }
            pending.decrementAndGet();
        }
    }

    long queueDepth() {
        return queue.size();
    }

    long spooled() {
        return spooledRecords.get();
    }

    /** Ready when records can go somewhere durable: the database, or the spool. */
    boolean writable() {
        return databaseUp || spoolWritable;
    }

    boolean databaseUp() {
        return databaseUp;
    }

    /** The writer thread, whose CPU time is the ledger's cost (bench-ledger). */
    long writerThreadId() {
        return writer.threadId();
    }

    /** Batches committed to the database so far. */
    long transactions() {
        return transactions.get();
    }

    /** Waits until every appended record is in the database or the spool (tests, shutdown). */
    boolean awaitIdle(long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (pending.get() > 0) {
            if (System.currentTimeMillis() > deadline) return false;
            Thread.sleep(10);
        }
        return true;
    }

    private void run() {
        List<UsageRecord> batch = new ArrayList<>(BATCH);
        while (running || !queue.isEmpty()) {
            try {
                UsageRecord first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, BATCH - 1);
                    if (batch.size() < BATCH && running) {
                        // Linger so a busy gateway writes one transaction per hundreds of requests,
                        // and appends find the writer asleep instead of waking it each time.
                        Thread.sleep(LINGER_MILLIS);
                        queue.drainTo(batch, BATCH - batch.size());
                    }
                }
                synchronized (this) {
                    if (spooledRecords.get() > 0) tryReplay();
                    if (!batch.isEmpty()) {
                        if (spooledRecords.get() > 0 || !write(batch)) spoolAppend(batch);
                    }
                }
                pending.addAndGet(-batch.size());
                batch.clear();
            } catch (InterruptedException e) {
                if (!running) continue;
            } catch (RuntimeException e) {
                LOG.severe("ledger writer: " + e);
            }
        }
    }

    /** Writes a batch; false when the database is unavailable. */
    private boolean write(List<UsageRecord> batch) {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                int inserted = insert(c, batch);
                c.commit();
                transactions.incrementAndGet();
                metrics.ledgerRecords.add(inserted, "written");
                metrics.ledgerRecords.add(batch.size() - inserted, "duplicate");
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
            if (!databaseUp) LOG.info("usage ledger: database " + db.displayUrl + " is back");
            databaseUp = true;
            return true;
        } catch (SQLException e) {
            if (databaseUp) LOG.warning("usage ledger: database " + db.displayUrl + " unavailable, spooling to " + spool + ": " + e.getMessage());
            databaseUp = false;
            return false;
        }
    }

    private static int insert(Connection c, List<UsageRecord> batch) throws SQLException {
        int[] counts;
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO usage_records (request_id, key_digest, key_alias, "
                + "model, deployment, prompt_tokens, completion_tokens, cost, status, started_at, first_token_at, ended_at) "
                + "VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING")) {
            for (UsageRecord r : batch) {
                ps.setString(1, r.requestId());
                ps.setString(2, r.keyDigest());
                ps.setString(3, r.keyAlias());
                ps.setString(4, r.model());
                ps.setString(5, r.deployment());
                ps.setLong(6, r.promptTokens());
                ps.setLong(7, r.completionTokens());
                ps.setDouble(8, r.cost());
                ps.setInt(9, r.status());
                ps.setLong(10, r.startedAt().toEpochMilli());
                if (r.firstTokenAt() == null) ps.setNull(11, Types.BIGINT); else ps.setLong(11, r.firstTokenAt().toEpochMilli());
                ps.setLong(12, r.endedAt().toEpochMilli());
                ps.addBatch();
            }
            counts = ps.executeBatch();
        }
        // Spend per key from the rows really inserted (a duplicate adds nothing).
        Map<String, double[]> spend = new HashMap<>();
        int inserted = 0;
        for (int i = 0; i < batch.size(); i++) {
            boolean added = counts[i] > 0 || counts[i] == PreparedStatement.SUCCESS_NO_INFO;
            if (!added) continue;
            inserted++;
            UsageRecord r = batch.get(i);
            if (r.keyDigest() == null) continue;
            double[] s = spend.computeIfAbsent(r.keyDigest(), k -> new double[2]);
            s[0] += r.cost();
            s[1] += r.promptTokens() + r.completionTokens();
        }
        if (!spend.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE gateway_keys SET spend = spend + ?, spend_tokens = spend_tokens + ? WHERE key_digest = ?")) {
                for (var e : spend.entrySet()) {
                    ps.setDouble(1, e.getValue()[0]);
                    ps.setLong(2, (long) e.getValue()[1]);
                    ps.setString(3, e.getKey());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
        return inserted;
    }

    private void spoolAppend(List<UsageRecord> batch) {
        StringBuilder sb = new StringBuilder(batch.size() * 300);
        try {
            for (UsageRecord r : batch) sb.append(JSON.writeValueAsString(r)).append('\n');
            try (FileChannel ch = FileChannel.open(spool, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND)) {
                ByteBuffer buf = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(false);
            }
            spoolWritable = true;
            spooledRecords.addAndGet(batch.size());
            metrics.ledgerRecords.add(batch.size(), "spooled");
        } catch (IOException e) {
            spoolWritable = false;
            metrics.ledgerRecords.add(batch.size(), "lost");
            LOG.severe("usage ledger: cannot write the spool " + spool + " (" + e.getMessage() + "); "
                    + batch.size() + " usage records lost");
        }
    }

    /** Replays the whole spool in batches; deletes it only when every record is in the database. */
    private void tryReplay() {
        long now = System.nanoTime();
        if (lastReplayAttempt != 0 && now - lastReplayAttempt < RETRY_NANOS) return;
        lastReplayAttempt = now;
        List<UsageRecord> batch = new ArrayList<>(BATCH);
        try (BufferedReader in = Files.newBufferedReader(spool, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) continue;
                try {
                    batch.add(JSON.readValue(line, UsageRecord.class));
                } catch (IOException e) {
                    // a torn last line after a crash: that record was not acknowledged anywhere else either
                    LOG.warning("usage ledger: skipping an unreadable spool line: " + e.getMessage());
                    continue;
                }
                if (batch.size() == BATCH) {
                    if (!write(batch)) return;
                    batch.clear();
                }
            }
            if (!batch.isEmpty() && !write(batch)) return;
        } catch (IOException e) {
            LOG.warning("usage ledger: cannot read the spool " + spool + ": " + e.getMessage());
            return;
        }
        try {
            long n = spooledRecords.getAndSet(0);
            Files.deleteIfExists(spool);
            metrics.ledgerRecords.add(n, "replayed");
            LOG.info("usage ledger: replayed " + n + " spooled records into " + db.displayUrl);
        } catch (IOException e) {
            LOG.warning("usage ledger: replayed the spool but cannot delete it: " + e.getMessage());
        }
    }

    private static long countLines(Path file) {
        if (!Files.exists(file)) return 0;
        try (var lines = Files.lines(file)) {
            return lines.filter(l -> !l.isBlank()).count();
        } catch (IOException e) {
            return 0;
        }
    }

    @Override
    public void close() {
        running = false; // the writer drains the queue, then stops (it polls every 200 ms)
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
