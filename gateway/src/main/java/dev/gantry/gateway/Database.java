package dev.gantry.gateway;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.logging.Logger;
import org.flywaydb.core.Flyway;

/**
 * The gateway's database: an embedded H2 file by default, PostgreSQL when {@code database_url}
 * is a postgres URL. The pool starts even when the database is down (the gateway must not
 * depend on it to serve); the Flyway migration runs on first successful use and is retried.
 */
final class Database implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Database.class.getName());

    final boolean postgres;
    final String displayUrl;
    private final HikariConfig poolConfig;
    private volatile HikariDataSource pool;
    private long poolCreatedNanos = System.nanoTime();
    private volatile boolean migrated;
    /** A failing pool is replaced at most this often (see {@link #connection()}). */
    private static final long RENEW_POOL_NANOS = 5_000_000_000L;

    /** A JDBC URL with its credentials, parsed from a LiteLLM-style {@code database_url}. */
    record Jdbc(String url, String user, String password) {}

    Database(String databaseUrl, String defaultH2Path) {
        Jdbc jdbc = jdbc(databaseUrl, defaultH2Path);
        this.postgres = jdbc.url.startsWith("jdbc:postgresql:");
        this.displayUrl = jdbc.url.replaceAll("password=[^&;]*", "password=***");
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(jdbc.url);
        if (jdbc.user != null) hc.setUsername(jdbc.user);
        if (jdbc.password != null) hc.setPassword(jdbc.password);
        hc.setMaximumPoolSize(4);
        hc.setMinimumIdle(0);
        hc.setPoolName("gantry-gateway-db");
        // Fail fast on a network database so an outage turns into spooling within seconds; an
        // embedded H2 file is local, but its first open (creating the file) can take seconds on a busy host.
        hc.setConnectionTimeout(postgres ? 2000 : 15000);
        hc.setValidationTimeout(500);
        hc.setInitializationFailTimeout(-1);
        if (postgres) hc.addDataSourceProperty("socketTimeout", "10");
        this.poolConfig = hc;
        this.pool = new HikariDataSource(hc);
    }

    /**
     * Accepts {@code postgresql://user:pass@host:port/db?opts} (LiteLLM's form),
     * {@code postgres://...}, or any {@code jdbc:} URL; null means the embedded H2 file.
     */
    static Jdbc jdbc(String databaseUrl, String defaultH2Path) {
        if (databaseUrl == null || databaseUrl.isBlank()) {
            return new Jdbc("jdbc:h2:file:" + defaultH2Path + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE", "sa", "");
        }
        if (databaseUrl.startsWith("jdbc:")) return new Jdbc(databaseUrl, null, null);
        if (databaseUrl.startsWith("postgresql://") || databaseUrl.startsWith("postgres://")) {
            URI uri = URI.create(databaseUrl);
            String user = null, password = null;
            if (uri.getRawUserInfo() != null) {
                String[] parts = uri.getRawUserInfo().split(":", 2);
                user = URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
                if (parts.length > 1) password = URLDecoder.decode(parts[1], StandardCharsets.UTF_8);
            }
            String url = "jdbc:postgresql://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "")
                    + (uri.getRawPath() == null ? "/" : uri.getRawPath()) + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            return new Jdbc(url, user, password);
        }
        throw new IllegalArgumentException("general_settings.database_url: '" + databaseUrl.replaceAll(":[^:@/]*@", ":***@")
                + "' is not supported; use postgresql://user:password@host:5432/db, a jdbc: URL, or leave it out for embedded H2");
    }

    /** Opens and migrates the database in the background so the first request does not pay for it. */
    void warmUpInBackground() {
        Thread.ofVirtual().name("gateway-db-warmup").start(() -> {
            try {
                connection().close();
                LOG.fine("database ready");
            } catch (SQLException e) {
                LOG.warning("database not reachable at start-up (the gateway serves anyway, spooling usage): " + e.getMessage());
            }
        });
    }

    /** A connection to a migrated database; throws when the database is unreachable. */
    Connection connection() throws SQLException {
        try {
            if (!migrated) migrate();
            return pool.getConnection();
        } catch (SQLException e) {
            renewPool();
            throw e;
        }
    }

    /**
     * Replaces the pool after a failure, at most every 5 s. A database that went down while the
     * pool was opening its very first connection left HikariCP unable to connect even after
     * the database came back (seen in LedgerTest on a loaded machine); a fresh pool connects.
     */
    private synchronized void renewPool() {
        long now = System.nanoTime();
        if (now - poolCreatedNanos < RENEW_POOL_NANOS) return;
        HikariDataSource old = pool;
        pool = new HikariDataSource(poolConfig);
        poolCreatedNanos = now;
        old.close();
    }

    private synchronized void migrate() throws SQLException {
        if (migrated) return;
        try {
            Flyway.configure().dataSource(pool).locations(migrationLocations(poolConfig.getJdbcUrl())).load().migrate();
            migrated = true;
            LOG.info("database " + displayUrl + " migrated");
        } catch (RuntimeException e) {
            throw new SQLException("database " + displayUrl + " is unavailable or cannot be migrated: " + e.getMessage(), e);
        }
    }

    /**
     * The portable migrations, plus the embedded H2's own ({@code db/vendor/h2}: what only H2
     * does differently, e.g. a ledger without secondary indexes). Versions are shared: a vendor
     * migration takes a number no portable one uses.
     */
    static String[] migrationLocations(String jdbcUrl) {
        return jdbcUrl.startsWith("jdbc:h2:")
                ? new String[] {"classpath:db/migration", "classpath:db/vendor/h2"}
                : new String[] {"classpath:db/migration"};
    }

    @Override
    public void close() {
        pool.close();
    }
}
