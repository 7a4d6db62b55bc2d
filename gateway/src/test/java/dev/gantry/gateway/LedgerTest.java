package dev.gantry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LedgerTest {
    private static UsageRecord record(String id, String key) {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        return new UsageRecord(id, key, "alias", "m", "m#0", 10, 5, 0.5, 200, t, t.plusMillis(5), t.plusMillis(50));
    }

    private static long count(Database db, String sql) throws Exception {
        try (Connection c = db.connection(); var st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void h2_writesEveryRecordOnce_evenWhenAppendedTwice() throws Exception {
        Path dir = Files.createTempDirectory("ledger");
        try (Database db = new Database(null, dir.resolve("db").toString())) {
            Ledger ledger = new Ledger(db, dir.resolve("spool"), new Metrics());
            for (int i = 0; i < 1200; i++) ledger.append(record("r" + i, null));
            for (int i = 0; i < 100; i++) ledger.append(record("r" + i, null)); // duplicates (a retry, a replay)
            assertThat(ledger.awaitIdle(20_000)).isTrue();
            ledger.close();
            assertThat(count(db, "SELECT COUNT(*) FROM usage_records")).isEqualTo(1200);
        }
    }

    @Test
    void spend_isAddedOncePerRecord() throws Exception {
        Path dir = Files.createTempDirectory("ledger");
        try (Database db = new Database(null, dir.resolve("db").toString())) {
            String digest = "a".repeat(64);
            Instant now = Instant.now();
            new KeyStore(db).insert(new VirtualKey(digest, "k", "sk-aaaa", List.of(), null, null, null, java.util.Map.of(),
                    java.util.Map.of(), null, null, 0, 0, null, false, now, now));
            Ledger ledger = new Ledger(db, dir.resolve("spool"), new Metrics());
            for (int i = 0; i < 10; i++) ledger.append(record("s" + i, digest));
            for (int i = 0; i < 10; i++) ledger.append(record("s" + i, digest));
            assertThat(ledger.awaitIdle(20_000)).isTrue();
            ledger.close();
            VirtualKey k = new KeyStore(db).find(digest).orElseThrow();
            assertThat(k.spend()).isEqualTo(5.0, org.assertj.core.data.Offset.offset(1e-9));
            assertThat(k.spendTokens()).isEqualTo(150);
        }
    }

    @Test
    void databaseDown_spools_thenReplays_withExactCounts() throws Exception {
        Path dir = Files.createTempDirectory("ledger");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path pgData = dir.resolve("pgdata");
        EmbeddedPostgres pg = EmbeddedPostgres.builder().setPort(port).setDataDirectory(pgData).setCleanDataDirectory(false).start();
        String url = "postgresql://postgres:postgres@localhost:" + port + "/postgres";
        try (Database db = new Database(url, "unused")) {
            assertThat(db.postgres).isTrue();
            Metrics metrics = new Metrics();
            Ledger ledger = new Ledger(db, dir.resolve("spool"), metrics);
            int total = 3000;
            AtomicInteger appended = new AtomicInteger();
            // Writers append steadily while PostgreSQL is stopped and started again underneath.
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> writers = new ArrayList<>();
                for (int w = 0; w < 4; w++) {
                    int writer = w;
                    writers.add(pool.submit(() -> {
                        for (int i = 0; i < total / 4; i++) {
                            ledger.append(record("w" + writer + "-" + i, null));
                            appended.incrementAndGet();
                            if (i % 25 == 0) Thread.sleep(10);
                        }
                        return null;
                    }));
                }
                while (appended.get() < total / 4) Thread.sleep(5);
                pg.close(); // PostgreSQL down mid-load
                long downAt = appended.get();
                long deadline = System.currentTimeMillis() + 20_000;
                while (ledger.spooled() == 0 && System.currentTimeMillis() < deadline) Thread.sleep(20);
                assertThat(ledger.spooled()).as("records go to the spool while the database is down").isPositive();
                assertThat(ledger.databaseUp()).isFalse();
                while (appended.get() < downAt + total / 4 && System.currentTimeMillis() < deadline) Thread.sleep(5);
                pg = EmbeddedPostgres.builder().setPort(port).setDataDirectory(pgData).setCleanDataDirectory(false).start();
                for (var f : writers) f.get();
            }
            long deadline = System.currentTimeMillis() + 30_000;
            while ((ledger.spooled() > 0 || ledger.queueDepth() > 0) && System.currentTimeMillis() < deadline) Thread.sleep(50);
            assertThat(ledger.awaitIdle(30_000)).isTrue();
            assertThat(ledger.spooled()).isZero();
            ledger.close();
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://localhost:" + port + "/postgres", "postgres", "postgres");
                 var st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT COUNT(*), COUNT(DISTINCT request_id) FROM usage_records")) {
                rs.next();
                assertThat(rs.getLong(1)).as("nothing lost, nothing doubled").isEqualTo(total);
                assertThat(rs.getLong(2)).isEqualTo(total);
            }
            assertThat(metrics.ledgerRecords.value("spooled")).isPositive();
            assertThat(metrics.ledgerRecords.value("replayed")).isPositive();
            assertThat(Files.exists(dir.resolve("spool").resolve("usage-spool.jsonl"))).isFalse();
        } finally {
            pg.close();
        }
    }

    @Test
    void spoolLeftByACrash_isReplayedOnStart() throws Exception {
        Path dir = Files.createTempDirectory("ledger");
        Path spool = dir.resolve("spool");
        Files.createDirectories(spool);
        var json = new com.fasterxml.jackson.databind.ObjectMapper().registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule());
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 7; i++) lines.append(json.writeValueAsString(record("c" + i, null))).append('\n');
        lines.append("{\"requestId\":\"torn"); // a torn last line from a crash
        Files.writeString(spool.resolve("usage-spool.jsonl"), lines);
        try (Database db = new Database(null, dir.resolve("db").toString())) {
            Ledger ledger = new Ledger(db, spool, new Metrics());
            long deadline = System.currentTimeMillis() + 20_000;
            while (ledger.spooled() > 0 && System.currentTimeMillis() < deadline) Thread.sleep(20);
            ledger.close();
            assertThat(count(db, "SELECT COUNT(*) FROM usage_records")).isEqualTo(7);
        }
    }

    @Test
    void gateway_recordsOneLedgerLinePerRequest_withTokensAndTimes() throws Exception {
        try (StubUpstream a = new StubUpstream("a");
             Harness h = new Harness(Harness.config("m", List.of(a), ""))) {
            for (int i = 0; i < 3; i++) h.chat("m", null);
            h.stream(Harness.chatBody("m", true), null);
            h.awaitLedgerRows(4);
            try (Connection c = h.gateway.database.connection(); var st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT COUNT(*), SUM(completion_tokens), MIN(prompt_tokens), "
                         + "COUNT(first_token_at), MIN(status), MAX(status) FROM usage_records")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(4);
                assertThat(rs.getLong(2)).isEqualTo(12);
                assertThat(rs.getLong(3)).isPositive();
                assertThat(rs.getLong(4)).isEqualTo(4);
                assertThat(rs.getInt(5)).isEqualTo(200);
                assertThat(rs.getInt(6)).isEqualTo(200);
            }
        }
    }
}
