package dev.gantry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/** The ledger's schema per database: migrations of existing ledgers, and idempotency on each. */
class LedgerSchemaTest {
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

    private static UsageRecord record(String id, String key) {
        return new UsageRecord(id, key, "alias", "m", "m#0", 10, 5, 0.5, 200, T, T.plusMillis(5), T.plusMillis(50));
    }

    private static long count(Connection c, String sql) throws Exception {
        try (var st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static List<String> usageIndexes(Connection c) throws Exception {
        List<String> names = new ArrayList<>();
        try (ResultSet rs = c.getMetaData().getIndexInfo(null, null, "usage_records", false, false)) {
            while (rs.next()) if (rs.getString("INDEX_NAME") != null) names.add(rs.getString("INDEX_NAME").toLowerCase());
        }
        return names;
    }

    private static void addKey(Database db, String digest) throws Exception {
        new KeyStore(db).insert(new VirtualKey(digest, "k", "sk-aaaa", List.of(), null, null, null, Map.of(), Map.of(), null, null,
                0, 0, null, false, T, T));
    }

    /** Appends every id (duplicates included), waits, and returns the key's spend tokens. */
    private static long appendAll(Database db, Path spool, List<String> ids, String digest) throws Exception {
        Ledger ledger = new Ledger(db, spool, new Metrics());
        for (String id : ids) ledger.append(record(id, digest));
        assertThat(ledger.awaitIdle(20_000)).isTrue();
        ledger.close();
        assertThat(ledger.spooled()).isZero();
        return new KeyStore(db).find(digest).orElseThrow().spendTokens();
    }

    @Test
    void h2LedgerCreatedByV1_migratesKeepingItsRows_andStaysIdempotent() throws Exception {
        Path dir = Files.createTempDirectory("ledger-v1");
        String path = dir.resolve("db").toString();
        Database.Jdbc jdbc = Database.jdbc(null, path);
        String digest = "b".repeat(64);
        // A ledger as the gateway left it before V2: V1 applied, rows and spend in it.
        Flyway.configure().dataSource(jdbc.url(), jdbc.user(), jdbc.password()).locations("classpath:db/migration").target("1")
                .load().migrate();
        try (Connection c = DriverManager.getConnection(jdbc.url(), jdbc.user(), jdbc.password())) {
            assertThat(usageIndexes(c)).contains("usage_records_key_digest", "usage_records_started_at");
            c.createStatement().execute("INSERT INTO gateway_keys (key_digest, key_hint, models, model_rpm_limit, model_tpm_limit, "
                    + "spend, spend_tokens, created_at, updated_at) VALUES ('" + digest + "', 'sk-bbbb', '[]', '{}', '{}', 1.5, 45, 0, 0)");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO usage_records (request_id, key_digest, model, prompt_tokens, "
                    + "completion_tokens, cost, status, started_at, ended_at) VALUES (?, ?, 'm', 10, 5, 0.5, 200, 1, 2)")) {
                for (int i = 0; i < 3; i++) {
                    ps.setString(1, "old-" + i);
                    ps.setString(2, digest);
                    ps.executeUpdate();
                }
            }
        }
        try (Database db = new Database(null, path)) {
            try (Connection c = db.connection()) {
                assertThat(count(c, "SELECT COUNT(*) FROM usage_records WHERE request_id LIKE 'old-%'")).isEqualTo(3);
                assertThat(count(c, "SELECT MAX(CAST(version AS INT)) FROM \"flyway_schema_history\"")).isEqualTo(2);
                assertThat(usageIndexes(c)).doesNotContain("usage_records_key_digest", "usage_records_started_at");
            }
            // Old ids replayed (a spool from before the upgrade) and new ones, each twice: counted once.
            List<String> ids = new ArrayList<>();
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < 3; i++) ids.add("old-" + i);
                for (int i = 0; i < 600; i++) ids.add("new-" + i);
            }
            assertThat(appendAll(db, dir.resolve("spool"), ids, digest)).isEqualTo(45 + 600 * 15);
            try (Connection c = db.connection()) {
                assertThat(count(c, "SELECT COUNT(*) FROM usage_records")).isEqualTo(603);
                assertThat(count(c, "SELECT COUNT(DISTINCT request_id) FROM usage_records")).isEqualTo(603);
            }
        }
        // Opening it again migrates nothing and keeps everything.
        try (Database db = new Database(null, path); Connection c = db.connection()) {
            assertThat(count(c, "SELECT COUNT(*) FROM usage_records")).isEqualTo(603);
            assertThat(count(c, "SELECT COUNT(*) FROM \"flyway_schema_history\" WHERE version IS NOT NULL")).isEqualTo(2);
        }
    }

    @Test
    void postgres_keepsItsIndexes_andCountsADuplicateOnce() throws Exception {
        Path dir = Files.createTempDirectory("ledger-pg");
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(dir.resolve("pgdata")).start()) {
            String url = "postgresql://postgres:postgres@localhost:" + pg.getPort() + "/postgres";
            try (Database db = new Database(url, "unused")) {
                String digest = "c".repeat(64);
                addKey(db, digest);
                List<String> ids = new ArrayList<>();
                for (int round = 0; round < 2; round++) for (int i = 0; i < 700; i++) ids.add("pg-" + i);
                assertThat(appendAll(db, dir.resolve("spool"), ids, digest)).isEqualTo(700 * 15);
                // Replayed again by a second ledger (a spool after a restart): nothing added.
                assertThat(appendAll(db, dir.resolve("spool"), ids.subList(0, 50), digest)).isEqualTo(700 * 15);
                try (Connection c = db.connection()) {
                    assertThat(count(c, "SELECT COUNT(*) FROM usage_records")).isEqualTo(700);
                    assertThat(count(c, "SELECT MAX(CAST(version AS INT)) FROM flyway_schema_history")).isEqualTo(1);
                    assertThat(usageIndexes(c)).contains("usage_records_key_digest", "usage_records_started_at");
                }
            }
        }
    }

    @Test
    void migrationLocations_addH2sOwnOnlyForH2() {
        assertThat(Database.migrationLocations("jdbc:h2:file:/x;MODE=PostgreSQL")).containsExactly("classpath:db/migration",
                "classpath:db/vendor/h2");
        assertThat(Database.migrationLocations("jdbc:postgresql://h/db")).containsExactly("classpath:db/migration");
    }
}
