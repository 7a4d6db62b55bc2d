package dev.gantry.gateway;

import java.util.Map;
import java.util.Set;

/**
 * Who is calling, after authentication: the master key, a virtual key, or anyone when no
 * master key is configured. {@code keyDigest} is the HMAC digest of a virtual key (never the
 * key itself) and null otherwise; {@code allowedModels} empty means every model.
 */
record Caller(String keyDigest, String alias, Set<String> allowedModels, Long rpmLimit, Long tpmLimit,
              Integer maxParallelRequests, Map<String, Long> modelRpmLimit, Map<String, Long> modelTpmLimit,
              boolean admin) {

    static final Caller ANONYMOUS = new Caller(null, "anonymous", Set.of(), null, null, null, Map.of(), Map.of(), false);
    static final Caller MASTER = new Caller(null, "master", Set.of(), null, null, null, Map.of(), Map.of(), true);

    Caller {
        allowedModels = Set.copyOf(allowedModels);
        modelRpmLimit = Map.copyOf(modelRpmLimit);
        modelTpmLimit = Map.copyOf(modelTpmLimit);
    }

    boolean mayUse(String model) {
        return allowedModels.isEmpty() || allowedModels.contains(model);
    }
}
