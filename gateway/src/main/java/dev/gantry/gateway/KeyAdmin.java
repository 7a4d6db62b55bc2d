package dev.gantry.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.gateway.server.Routes;
import dev.gantry.gateway.server.ServerRequest;
import dev.gantry.gateway.server.ServerResponse;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The LiteLLM-compatible key admin API, master key only: {@code /key/generate},
 * {@code /key/info}, {@code /key/update}, {@code /key/delete}, {@code /key/list}. A new key
 * is shown once, in the answer to /key/generate; afterwards only its digest exists.
 */
final class KeyAdmin {
    private static final Set<String> KEY_FIELDS = Set.of("key_alias", "models", "rpm_limit", "tpm_limit",
            "max_parallel_requests", "max_budget", "max_budget_tokens", "model_rpm_limit", "model_tpm_limit",
            "duration", "expires", "blocked");
    private static final Pattern DURATION = Pattern.compile("(\\d+)([smhd])");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Auth auth;
    private final KeyStore store;
    private final Clock clock;

    KeyAdmin(Auth auth, KeyStore store, Clock clock) {
        this.auth = auth;
        this.store = store;
        this.clock = clock;
    }

    void routing(Routes r) {
        r.post("/key/generate", this::generate);
        r.get("/key/info", this::info);
        r.post("/key/update", this::update);
        r.post("/key/delete", this::delete);
        r.get("/key/list", this::list);
    }

    private void generate(ServerRequest req, ServerResponse res) {
        auth.requireAdmin(req);
        ObjectNode body = body(req, true);
        String key = body.has("key") ? text(body, "key") : "sk-" + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(randomBytes());
        if (key.length() < 16) throw ApiError.badRequest("key", "'key' must be at least 16 characters; leave it out to get a random one");
        body.remove("key");
        Instant now = clock.instant();
        VirtualKey k = apply(new VirtualKey(auth.digest(key), null, key.substring(0, 7), List.of(), null, null, null,
                Map.of(), Map.of(), null, null, 0, 0, null, false, now, now), body, now);
        try {
            if (store.find(k.digest()).isPresent()) throw ApiError.badRequest("key", "this key already exists");
            store.insert(k);
            auth.invalidateAlias(k.alias());
        } catch (SQLException e) {
            throw dbDown(e);
        }
        ObjectNode out = describe(k);
        out.put("key", key);
        send(res, out);
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[24];
        RANDOM.nextBytes(b);
        return b;
    }

    private void info(ServerRequest req, ServerResponse res) {
        auth.requireAdmin(req);
        String key = req.query("key").orElseThrow(() -> ApiError.badRequest("key",
                "pass the key or its digest: /key/info?key=sk-..."));
        VirtualKey k = find(key);
        ObjectNode out = ApiError.JSON.createObjectNode();
        out.put("key", k.digest());
        ObjectNode info = describe(k);
        auth.cachedSpend(k.digest()).ifPresent(s -> {
            info.put("spend", Math.max(s[0], k.spend()));
            info.put("spend_tokens", Math.max((long) s[1], k.spendTokens()));
        });
        out.set("info", info);
        send(res, out);
    }

    private void update(ServerRequest req, ServerResponse res) {
        auth.requireAdmin(req);
        ObjectNode body = body(req, false);
        String key = text(body, "key");
        if (key == null) throw ApiError.badRequest("key", "'key' (the key or its digest) is required");
        body.remove("key");
        VirtualKey k = apply(find(key), body, clock.instant());
        try {
            store.update(k);
        } catch (SQLException e) {
            throw dbDown(e);
        }
        auth.invalidate(k.digest());
        auth.invalidateAlias(k.alias());
        send(res, describe(k));
    }

    private void delete(ServerRequest req, ServerResponse res) {
        auth.requireAdmin(req);
        ObjectNode body = body(req, false);
        JsonNode keys = body.get("keys");
        if (keys == null || !keys.isArray() || keys.isEmpty() || body.size() != 1) {
            throw ApiError.badRequest("keys", "send {\"keys\": [\"sk-...\" or digest, ...]}");
        }
        List<String> deleted = new ArrayList<>();
        for (JsonNode k : keys) {
            if (!k.isTextual()) throw ApiError.badRequest("keys", "every entry of 'keys' must be a string");
            VirtualKey vk = find(k.asText());
            try {
                store.delete(vk.digest());
            } catch (SQLException e) {
                throw dbDown(e);
            }
            auth.invalidate(vk.digest());
            deleted.add(vk.digest());
        }
        ObjectNode out = ApiError.JSON.createObjectNode();
        ArrayNode arr = out.putArray("deleted_keys");
        deleted.forEach(arr::add);
        send(res, out);
    }

    private void list(ServerRequest req, ServerResponse res) {
        auth.requireAdmin(req);
        List<VirtualKey> keys;
        try {
            keys = store.list();
        } catch (SQLException e) {
            throw dbDown(e);
        }
        ObjectNode out = ApiError.JSON.createObjectNode();
        ArrayNode arr = out.putArray("keys");
        keys.forEach(k -> arr.add(k.digest()));
        ArrayNode infos = out.putArray("keys_info");
        keys.forEach(k -> infos.add(describe(k)));
        out.put("total_count", keys.size());
        send(res, out);
    }

    private VirtualKey find(String keyOrDigest) {
        String digest = keyOrDigest.matches("[0-9a-f]{64}") ? keyOrDigest : auth.digest(keyOrDigest);
        try {
            return store.find(digest).orElseThrow(() -> ApiError.notFound("key_not_found",
                    "no such key " + Auth.hint(keyOrDigest) + "; /key/list shows the existing ones"));
        } catch (SQLException e) {
            throw dbDown(e);
        }
    }

    private static ApiError dbDown(SQLException e) {
        return ApiError.unavailable("key_store_unavailable", "the key database is unavailable: " + e.getMessage());
    }

    private static ObjectNode body(ServerRequest req, boolean allowEmpty) {
        byte[] bytes = req.body();
        if (bytes.length == 0 && allowEmpty) return ApiError.JSON.createObjectNode();
        try {
            JsonNode n = ApiError.JSON.readTree(bytes);
            if (n instanceof ObjectNode o) return o;
        } catch (Exception e) {
            // reported below
        }
        throw ApiError.badRequest(null, "the request body must be a JSON object");
    }

    private static String text(ObjectNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw ApiError.badRequest(field, "'" + field + "' must be a string, got " + v);
        return v.asText();
    }

    private static Long positive(ObjectNode body, String field, Long current) {
        if (!body.has(field)) return current;
        JsonNode v = body.get(field);
        if (v.isNull()) return null;
        if (!v.isIntegralNumber() || v.asLong() <= 0) {
            throw ApiError.badRequest(field, "'" + field + "' must be a whole number > 0 (or null for no limit), got " + v);
        }
        return v.asLong();
    }

    private static Map<String, Long> perModel(ObjectNode body, String field, Map<String, Long> current) {
        if (!body.has(field)) return current;
        JsonNode v = body.get(field);
        if (v.isNull()) return Map.of();
        if (!v.isObject()) throw ApiError.badRequest(field, "'" + field + "' must map model names to whole numbers > 0");
        Map<String, Long> out = new LinkedHashMap<>();
        for (var e : v.properties()) {
            if (!e.getValue().isIntegralNumber() || e.getValue().asLong() <= 0) {
                throw ApiError.badRequest(field, "'" + field + "." + e.getKey() + "' must be a whole number > 0, got " + e.getValue());
            }
            out.put(e.getKey(), e.getValue().asLong());
        }
        return out;
    }

    /** Applies the admin's fields to a key; unknown fields are a 400 naming them. */
    private VirtualKey apply(VirtualKey k, ObjectNode body, Instant now) {
        for (var it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!KEY_FIELDS.contains(f)) {
                throw ApiError.badRequest(f, "unknown field '" + f + "'; known fields: " + new java.util.TreeSet<>(KEY_FIELDS));
            }
        }
        String alias = body.has("key_alias") ? text(body, "key_alias") : k.alias();
        List<String> models = k.models();
        if (body.has("models")) {
            JsonNode m = body.get("models");
            if (!m.isArray()) throw ApiError.badRequest("models", "'models' must be a list of model names ([] for all)");
            models = new ArrayList<>();
            for (JsonNode n : m) {
                if (!n.isTextual()) throw ApiError.badRequest("models", "'models' must contain strings, got " + n);
                models.add(n.asText());
            }
        }
        Long maxParallel = positive(body, "max_parallel_requests", k.maxParallelRequests() == null ? null : (long) k.maxParallelRequests());
        if (maxParallel != null && maxParallel > Integer.MAX_VALUE) throw ApiError.badRequest("max_parallel_requests", "too large");
        Double budget = k.maxBudget();
        if (body.has("max_budget")) {
            JsonNode b = body.get("max_budget");
            if (b.isNull()) budget = null;
            else if (!b.isNumber() || b.asDouble() < 0) throw ApiError.badRequest("max_budget", "'max_budget' must be dollars >= 0, got " + b);
            else budget = b.asDouble();
        }
        Instant expires = k.expiresAt();
        if (body.has("duration") && body.has("expires")) throw ApiError.badRequest("duration", "give either 'duration' or 'expires', not both");
        if (body.has("duration")) {
            JsonNode d = body.get("duration");
            expires = d.isNull() ? null : now.plus(duration(d));
        }
        if (body.has("expires")) {
            String e = text(body, "expires");
            try {
                expires = e == null ? null : Instant.parse(e);
            } catch (DateTimeParseException ex) {
                throw ApiError.badRequest("expires", "'expires' must be an ISO-8601 instant like 2030-01-31T00:00:00Z, got '" + e + "'");
            }
        }
        boolean blocked = k.blocked();
        if (body.has("blocked")) {
            if (!body.get("blocked").isBoolean()) throw ApiError.badRequest("blocked", "'blocked' must be true or false");
            blocked = body.get("blocked").asBoolean();
        }
        return new VirtualKey(k.digest(), alias, k.hint(), models, positive(body, "rpm_limit", k.rpmLimit()),
                positive(body, "tpm_limit", k.tpmLimit()), maxParallel == null ? null : maxParallel.intValue(),
                perModel(body, "model_rpm_limit", k.modelRpmLimit()), perModel(body, "model_tpm_limit", k.modelTpmLimit()),
                budget, positive(body, "max_budget_tokens", k.maxBudgetTokens()), k.spend(), k.spendTokens(), expires,
                blocked, k.createdAt(), now);
    }

    /** LiteLLM durations: "30s", "10m", "2h", "7d", or a number of seconds. */
    static Duration duration(JsonNode d) {
        if (d.isIntegralNumber() && d.asLong() > 0) return Duration.ofSeconds(d.asLong());
        if (d.isTextual()) {
            Matcher m = DURATION.matcher(d.asText().trim());
            if (m.matches() && Long.parseLong(m.group(1)) > 0) {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            }
        }
        throw ApiError.badRequest("duration", "'duration' must be like \"30s\", \"10m\", \"2h\", \"7d\" or seconds > 0, got " + d);
    }

    private static ObjectNode describe(VirtualKey k) {
        ObjectNode o = ApiError.JSON.createObjectNode();
        o.put("token", k.digest());
        o.put("key_alias", k.alias());
        o.put("key_name", k.hint() + "...");
        o.set("models", ApiError.JSON.valueToTree(k.models()));
        putLong(o, "rpm_limit", k.rpmLimit());
        putLong(o, "tpm_limit", k.tpmLimit());
        putLong(o, "max_parallel_requests", k.maxParallelRequests() == null ? null : (long) k.maxParallelRequests());
        o.set("model_rpm_limit", ApiError.JSON.valueToTree(k.modelRpmLimit()));
        o.set("model_tpm_limit", ApiError.JSON.valueToTree(k.modelTpmLimit()));
        if (k.maxBudget() == null) o.putNull("max_budget"); else o.put("max_budget", k.maxBudget());
        putLong(o, "max_budget_tokens", k.maxBudgetTokens());
        o.put("spend", k.spend());
        o.put("spend_tokens", k.spendTokens());
        if (k.expiresAt() == null) o.putNull("expires"); else o.put("expires", k.expiresAt().toString());
        o.put("blocked", k.blocked());
        o.put("created_at", k.createdAt().toString());
        o.put("updated_at", k.updatedAt().toString());
        return o;
    }

    private static void putLong(ObjectNode o, String f, Long v) {
        if (v == null) o.putNull(f); else o.put(f, v);
    }

    private static void send(ServerResponse res, ObjectNode body) {
        res.header("Content-Type", "application/json");
        try {
            res.send(ApiError.JSON.writeValueAsBytes(body));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
