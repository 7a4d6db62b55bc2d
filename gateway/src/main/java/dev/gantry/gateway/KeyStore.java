package dev.gantry.gateway;

import com.fasterxml.jackson.core.type.TypeReference;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Virtual keys in the database (table {@code gateway_keys}); only the admin API and cache misses come here. */
final class KeyStore {
    private static final String COLUMNS = "key_digest, key_alias, key_hint, models, rpm_limit, tpm_limit, "
            + "max_parallel_requests, model_rpm_limit, model_tpm_limit, max_budget, max_budget_tokens, spend, "
            + "spend_tokens, expires_at, blocked, created_at, updated_at";

    private final Database db;

    KeyStore(Database db) {
        this.db = db;
    }

    void insert(VirtualKey k) throws SQLException {
        try (Connection c = db.connection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO gateway_keys (" + COLUMNS
                     + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
            bind(ps, k);
            ps.executeUpdate();
        }
    }

    /** Replaces every mutable field; spend is left alone (the ledger owns it). */
    boolean update(VirtualKey k) throws SQLException {
        try (Connection c = db.connection();
             PreparedStatement ps = c.prepareStatement("UPDATE gateway_keys SET key_alias=?, models=?, rpm_limit=?, "
                     + "tpm_limit=?, max_parallel_requests=?, model_rpm_limit=?, model_tpm_limit=?, max_budget=?, "
                     + "max_budget_tokens=?, expires_at=?, blocked=?, updated_at=? WHERE key_digest=?")) {
            ps.setString(1, k.alias());
            ps.setString(2, json(k.models()));
            setLong(ps, 3, k.rpmLimit());
            setLong(ps, 4, k.tpmLimit());
            if (k.maxParallelRequests() == null) ps.setNull(5, Types.INTEGER); else ps.setInt(5, k.maxParallelRequests());
            ps.setString(6, json(k.modelRpmLimit()));
            ps.setString(7, json(k.modelTpmLimit()));
            if (k.maxBudget() == null) ps.setNull(8, Types.DOUBLE); else ps.setDouble(8, k.maxBudget());
            setLong(ps, 9, k.maxBudgetTokens());
            setLong(ps, 10, k.expiresAt() == null ? null : k.expiresAt().toEpochMilli());
            ps.setBoolean(11, k.blocked());
            ps.setLong(12, k.updatedAt().toEpochMilli());
            ps.setString(13, k.digest());
            return ps.executeUpdate() == 1;
        }
    }

    Optional<VirtualKey> find(String digest) throws SQLException {
        try (Connection c = db.connection();
             PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM gateway_keys WHERE key_digest=?")) {
            ps.setString(1, digest);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    /** The keys whose key_alias is {@code alias} (a JWT's mapping claim names one; two is ambiguous). */
    List<VirtualKey> findByAlias(String alias) throws SQLException {
        try (Connection c = db.connection();
             PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM gateway_keys WHERE key_alias=? LIMIT 2")) {
            ps.setString(1, alias);
            try (ResultSet rs = ps.executeQuery()) {
                List<VirtualKey> out = new ArrayList<>();
                while (rs.next()) out.add(read(rs));
                return out;
            }
        }
    }

    boolean delete(String digest) throws SQLException {
        try (Connection c = db.connection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM gateway_keys WHERE key_digest=?")) {
            ps.setString(1, digest);
            return ps.executeUpdate() == 1;
        }
    }

    List<VirtualKey> list() throws SQLException {
        try (Connection c = db.connection();
             PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM gateway_keys ORDER BY created_at");
             ResultSet rs = ps.executeQuery()) {
            List<VirtualKey> out = new ArrayList<>();
            while (rs.next()) out.add(read(rs));
            return out;
        }
    }

    private static void bind(PreparedStatement ps, VirtualKey k) throws SQLException {
        ps.setString(1, k.digest());
        ps.setString(2, k.alias());
        ps.setString(3, k.hint());
        ps.setString(4, json(k.models()));
        setLong(ps, 5, k.rpmLimit());
        setLong(ps, 6, k.tpmLimit());
        if (k.maxParallelRequests() == null) ps.setNull(7, Types.INTEGER); else ps.setInt(7, k.maxParallelRequests());
        ps.setString(8, json(k.modelRpmLimit()));
        ps.setString(9, json(k.modelTpmLimit()));
        if (k.maxBudget() == null) ps.setNull(10, Types.DOUBLE); else ps.setDouble(10, k.maxBudget());
        setLong(ps, 11, k.maxBudgetTokens());
        ps.setDouble(12, k.spend());
        ps.setLong(13, k.spendTokens());
        setLong(ps, 14, k.expiresAt() == null ? null : k.expiresAt().toEpochMilli());
        ps.setBoolean(15, k.blocked());
        ps.setLong(16, k.createdAt().toEpochMilli());
        ps.setLong(17, k.updatedAt().toEpochMilli());
    }

    private static VirtualKey read(ResultSet rs) throws SQLException {
        return new VirtualKey(rs.getString(1), rs.getString(2), rs.getString(3),
                parse(rs.getString(4), new TypeReference<List<String>>() {}),
                getLong(rs, 5), getLong(rs, 6), rs.getObject(7) == null ? null : rs.getInt(7),
                parse(rs.getString(8), new TypeReference<Map<String, Long>>() {}),
                parse(rs.getString(9), new TypeReference<Map<String, Long>>() {}),
                rs.getObject(10) == null ? null : rs.getDouble(10), getLong(rs, 11),
                rs.getDouble(12), rs.getLong(13),
                rs.getObject(14) == null ? null : Instant.ofEpochMilli(rs.getLong(14)),
                rs.getBoolean(15), Instant.ofEpochMilli(rs.getLong(16)), Instant.ofEpochMilli(rs.getLong(17)));
    }

    private static void setLong(PreparedStatement ps, int i, Long v) throws SQLException {
        if (v == null) ps.setNull(i, Types.BIGINT); else ps.setLong(i, v);
    }

    private static Long getLong(ResultSet rs, int i) throws SQLException {
        long v = rs.getLong(i);
        return rs.wasNull() ? null : v;
    }

    private static String json(Object o) {
        try {
            return ApiError.JSON.writeValueAsString(o);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> T parse(String s, TypeReference<T> type) {
        try {
            return ApiError.JSON.readValue(s, type);
        } catch (Exception e) {
            throw new IllegalStateException("corrupt JSON column: " + s, e);
        }
    }
}
