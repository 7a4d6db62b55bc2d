package dev.gantry.gateway;

import dev.gantry.gateway.server.ServerRequest;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Authenticates callers. Without a master key the gateway is open (like LiteLLM). With one,
 * a request carries the master key or a virtual key; virtual keys are known only by their
 * HMAC-SHA256 digest under the server secret ({@code salt_key}, else the master key), and
 * looked up in an in-memory cache so the database is not on the request path: a hit costs
 * one HMAC; entries are refreshed after {@link #CACHE_TTL} (kept when the database is down)
 * and dropped at once by the admin API on update or delete. Keys are never logged.
 */
final class Auth {
    static final Duration CACHE_TTL = Duration.ofSeconds(30);
    private static final Duration NEGATIVE_TTL = Duration.ofSeconds(2);
    private static final Logger LOG = Logger.getLogger(Auth.class.getName());

    private final byte[] masterDigest;
    private final SecretKeySpec secret;
    private final KeyStore store;
    private final Clock clock;
    private final ConcurrentHashMap<String, Cached> cache = new ConcurrentHashMap<>();
    /** JWT claim value (a key_alias) to the digest of its key; a null digest caches "no such key". */
    private final ConcurrentHashMap<String, AliasEntry> aliases = new ConcurrentHashMap<>();
    private final JwtVerifier jwt;

    private record AliasEntry(String digest, long loadedAtMillis) {}

    /** A cached key with the spend this gateway added since it was loaded. */
    private static final class Cached {
        final VirtualKey key; // null: known not to exist
        /** The key's caller, made once per load: limits are cached per caller instance (Limits#limitsFor). */
        final Caller caller;
        final long loadedAtMillis;
        final DoubleAdder localSpend = new DoubleAdder();
        final LongAdder localTokens = new LongAdder();

        Cached(VirtualKey key, long loadedAtMillis) {
            this.key = key;
            this.caller = key == null ? null : key.caller();
            this.loadedAtMillis = loadedAtMillis;
        }

        double spend() {
            return key.spend() + localSpend.sum();
        }

        long spendTokens() {
            return key.spendTokens() + localTokens.sum();
        }
    }

    Auth(String masterKey, String saltKey, KeyStore store, Clock clock) {
        this(masterKey, saltKey, store, clock, null);
    }

    /** With {@code jwt} non-null, bearer JWTs from that issuer are accepted too. */
    Auth(String masterKey, String saltKey, KeyStore store, Clock clock, JwtVerifier jwt) {
        this.jwt = jwt;
        this.store = store;
        this.clock = clock;
        String secretText = saltKey != null ? saltKey : masterKey;
        this.secret = secretText == null ? null : new SecretKeySpec(secretText.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.masterDigest = masterKey == null ? null : hmac(masterKey);
    }

    boolean enabled() {
        return masterDigest != null;
    }

    byte[] hmac(String key) {
        try {
            // Cloning an initialised Mac skips the provider lookup and key setup on the hot path.
            Mac mac = (Mac) prototype().clone();
            return mac.doFinal(key.getBytes(StandardCharsets.UTF_8));
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }

    private Mac prototypeMac;

    private Mac prototype() {
        Mac p = prototypeMac;
        if (p != null) return p;
        try {
            p = Mac.getInstance("HmacSHA256");
            p.init(secret);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
        prototypeMac = p; // a benign race: every instance is equivalent and only ever cloned
        return p;
    }

    String digest(String key) {
        return HexFormat.of().formatHex(hmac(key));
    }

    static Optional<String> bearer(ServerRequest req) {
        Optional<String> auth = req.header("Authorization");
        if (auth.isPresent()) {
            String v = auth.get().trim();
            if (v.regionMatches(true, 0, "Bearer ", 0, 7)) return Optional.of(v.substring(7).trim());
            return Optional.of(v);
        }
        return req.header("api-key").or(() -> req.header("x-api-key"));
    }

    /** The caller of an API request, or a 401/403/503 {@link ApiError}. */
    Caller authenticate(ServerRequest req) {
        if (!enabled()) return Caller.ANONYMOUS;
        String key = bearer(req).orElseThrow(() -> ApiError.unauthorized(
                "missing API key; send 'Authorization: Bearer <key>' with the master key or a virtual key from /key/generate"));
        if (jwt != null && JwtVerifier.looksLikeJwt(key)) return check(keyForJwt(jwt.verify(key)));
        byte[] d = hmac(key);
        if (MessageDigest.isEqual(d, masterDigest)) return Caller.MASTER;
        VirtualKey vk = lookup(HexFormat.of().formatHex(d))
                .orElseThrow(() -> ApiError.unauthorized("invalid API key " + hint(key) + "; it is not a key of this gateway"));
        if (!MessageDigest.isEqual(HexFormat.of().parseHex(vk.digest()), d)) {
            throw ApiError.unauthorized("invalid API key " + hint(key));
        }
        return check(vk);
    }

    /** The virtual key whose key_alias a verified JWT's claim names: its limits apply to the token. */
    private VirtualKey keyForJwt(String alias) {
        long now = clock.millis();
        AliasEntry e = aliases.get(alias);
        long ttl = e == null || e.digest() == null ? NEGATIVE_TTL.toMillis() : CACHE_TTL.toMillis();
        if (e == null || now - e.loadedAtMillis() >= ttl) {
            List<VirtualKey> found;
            try {
                found = store.findByAlias(alias);
            } catch (SQLException ex) {
                if (e == null || e.digest() == null) {
                    LOG.warning("cannot map a JWT to a virtual key: " + ex.getMessage());
                    throw ApiError.unavailable("key_store_unavailable",
                            "cannot map the JWT to a virtual key now: the key database is unavailable; retry shortly");
                }
                found = null; // stale beats down
            }
            if (found != null) {
                if (found.size() > 1) {
                    throw ApiError.forbidden("ambiguous_key_alias", "the JWT's claim names key_alias '" + alias
                            + "', which more than one virtual key has; give the keys distinct aliases with /key/update");
                }
                e = new AliasEntry(found.isEmpty() ? null : found.getFirst().digest(), now);
                aliases.put(alias, e);
            }
        }
        String digest = e.digest();
        return (digest == null ? Optional.<VirtualKey>empty() : lookup(digest)).orElseThrow(() -> ApiError.unauthorized(
                "the JWT is valid but no virtual key has key_alias '" + alias + "'; an admin creates one with /key/generate "
                        + "{\"key_alias\": \"" + alias + "\", ...} to set its models and limits"));
    }

    private Caller check(VirtualKey vk) {
        if (vk.blocked()) {
            throw ApiError.forbidden("key_blocked", "key '" + vk.caller().alias() + "' is blocked; an admin can unblock it with /key/update");
        }
        if (vk.expiresAt() != null && !clock.instant().isBefore(vk.expiresAt())) {
            throw new ApiError(401, "authentication_error", "key_expired", null, "key '" + vk.caller().alias()
                    + "' expired at " + vk.expiresAt() + "; ask an admin for a new key or a later expiry", java.util.Map.of());
        }
        Cached c = cache.get(vk.digest());
        return c != null && c.key == vk ? c.caller : vk.caller();
    }

    /** Admin API: only the master key. */
    void requireAdmin(ServerRequest req) {
        if (!enabled()) {
            throw ApiError.forbidden("admin_disabled", "the admin API needs general_settings.master_key in the config");
        }
        Caller c = authenticate(req);
        if (!c.admin()) throw ApiError.forbidden("not_admin", "the admin API needs the master key, not a virtual key");
    }

    static String hint(String key) {
        return "'" + (key.length() <= 6 ? "***" : key.substring(0, Math.min(6, key.length() / 3)) + "...") + "'";
    }

    private Optional<VirtualKey> lookup(String digest) {
        long now = clock.millis();
        Cached c = cache.get(digest);
        if (c != null) {
            long ttl = c.key == null ? NEGATIVE_TTL.toMillis() : CACHE_TTL.toMillis();
            if (now - c.loadedAtMillis < ttl) return Optional.ofNullable(c.key);
        }
        try {
            Optional<VirtualKey> found = store.find(digest);
            Cached fresh = new Cached(found.orElse(null), now);
            if (c != null && c.key != null && fresh.key != null) {
                // Keep what this gateway spent but the ledger has not written yet.
                double pending = Math.max(0, c.spend() - fresh.key.spend());
                long pendingTokens = Math.max(0, c.spendTokens() - fresh.key.spendTokens());
                fresh.localSpend.add(pending);
                fresh.localTokens.add(pendingTokens);
            }
            cache.put(digest, fresh);
            return found;
        } catch (SQLException e) {
            if (c != null && c.key != null) return Optional.of(c.key); // stale beats down
            LOG.warning("cannot verify a virtual key: " + e.getMessage());
            throw ApiError.unavailable("key_store_unavailable",
                    "cannot verify the API key now: the key database is unavailable; retry shortly");
        }
    }

    /** A key changed through this gateway's admin API: drop it here and tell the other replicas. */
    void invalidate(String digest) {
        invalidateLocally(digest);
        keyChangePublisher.accept(digest);
    }

    /** Drops a key from this gateway's caches (also called when another replica changed it). */
    void invalidateLocally(String digest) {
        cache.remove(digest);
        aliases.values().removeIf(e -> digest.equals(e.digest()));
    }

    private volatile java.util.function.Consumer<String> keyChangePublisher = digest -> { };

    /** Where key changes are announced to other replicas (Redis pub/sub when redis_host is set). */
    void publishKeyChangesTo(java.util.function.Consumer<String> publisher) {
        this.keyChangePublisher = publisher;
    }

    /** A key was created or renamed: a JWT that named its alias before must find it now. */
    void invalidateAlias(String alias) {
        if (alias != null) aliases.remove(alias);
    }

    void checkBudget(Caller caller) {
        if (caller.keyDigest() == null) return;
        Cached c = cache.get(caller.keyDigest());
        if (c == null || c.key == null) return;
        VirtualKey k = c.key;
        if (k.maxBudget() != null && c.spend() >= k.maxBudget()) {
            throw ApiError.rateLimited("budget_exceeded", String.format(java.util.Locale.ROOT,
                    "key '%s' has spent $%.6f of its max_budget $%.6f; raise max_budget with /key/update",
                    caller.alias(), c.spend(), k.maxBudget()), 0);
        }
        if (k.maxBudgetTokens() != null && c.spendTokens() >= k.maxBudgetTokens()) {
            throw ApiError.rateLimited("budget_exceeded", "key '" + caller.alias() + "' has used " + c.spendTokens()
                    + " tokens of its max_budget_tokens " + k.maxBudgetTokens() + "; raise it with /key/update", 0);
        }
    }

    void recordSpend(Caller caller, long tokens, double cost) {
        if (caller.keyDigest() == null) return;
        addSpend(caller.keyDigest(), tokens, cost);
        spendPublisher.publish(caller.keyDigest(), tokens, cost);
    }

    /**
     * Spend another replica reported for a key (Redis pub/sub), counted like this gateway's own
     * until the database, which the other replica's ledger writes, is read again.
     */
    void addSpend(String digest, long tokens, double cost) {
        Cached c = cache.get(digest);
        if (c != null && c.key != null) {
            c.localSpend.add(cost);
            c.localTokens.add(tokens);
        }
    }

    /** Where this gateway's spend is announced to other replicas. */
    interface SpendPublisher {
        void publish(String digest, long tokens, double cost);
    }

    private volatile SpendPublisher spendPublisher = (digest, tokens, cost) -> { };

    void publishSpendTo(SpendPublisher publisher) {
        this.spendPublisher = publisher;
    }

    /** Spend as this gateway sees it (database value at load plus what it added since). */
    Optional<double[]> cachedSpend(String digest) {
        Cached c = cache.get(digest);
        return c == null || c.key == null ? Optional.empty() : Optional.of(new double[] {c.spend(), c.spendTokens()});
    }
}
