package dev.gantry.gateway;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A virtual key as stored: only its HMAC-SHA256 digest identifies it; {@code hint} keeps the
 * first characters (e.g. {@code sk-3fa9}) so people can tell keys apart. Limits are null when
 * unset; {@code models} empty means every model.
 */
record VirtualKey(String digest, String alias, String hint, List<String> models, Long rpmLimit, Long tpmLimit,
                  Integer maxParallelRequests, Map<String, Long> modelRpmLimit, Map<String, Long> modelTpmLimit,
                  Double maxBudget, Long maxBudgetTokens, double spend, long spendTokens, Instant expiresAt,
                  boolean blocked, Instant createdAt, Instant updatedAt) {
    VirtualKey {
        models = List.copyOf(models);
        modelRpmLimit = Map.copyOf(modelRpmLimit);
        modelTpmLimit = Map.copyOf(modelTpmLimit);
        if (digest == null || digest.length() != 64) throw new IllegalArgumentException("digest must be 64 hex characters");
    }

    Caller caller() {
        return new Caller(digest, alias == null ? hint : alias, java.util.Set.copyOf(models), rpmLimit, tpmLimit,
                maxParallelRequests, modelRpmLimit, modelTpmLimit, false);
    }
}
