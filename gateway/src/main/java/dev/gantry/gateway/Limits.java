package dev.gantry.gateway;

import dev.gantry.gateway.config.GatewayConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Admission under rate limits: per key (RPM, TPM, max parallel requests), per key and model
 * ({@code model_rpm_limit}/{@code model_tpm_limit}), and per model name (the sum of its
 * deployments' rpm/tpm when every deployment sets one). RPM and TPM use a sliding-window
 * counter over one-minute windows. Tokens are reserved at admission (prompt estimate +
 * max_tokens) and reconciled with the real count when the request ends; the lease also
 * gives back the parallel slot. The counters live in a {@link LimitStore}: this process, or
 * Redis when replicas share limits.
 */
final class Limits {
    static final long WINDOW_MILLIS = 60_000;

    /** What a limit counts. */
    enum Kind { RPM, TPM, PARALLEL }

    /** One limit to check: {@code id} is its counter's name, {@code label} names it in a 429. */
    record Limit(String id, Kind kind, long max, String label) {
        Limit {
            if (max <= 0) throw new IllegalArgumentException("limit " + id + " must be > 0, got " + max);
        }

        long amount(long reservedTokens) {
            return kind == Kind.TPM ? reservedTokens : 1;
        }
    }

    /** Result of a store's atomic check-and-add: admitted, or the first limit that would be exceeded. */
    sealed interface Decision {
        record Admitted(long window) implements Decision {}

        record Rejected(Limit limit, long retryAfterSeconds) implements Decision {}
    }

    /** Where counters live. Implementations must check all limits and add to all atomically. */
    interface LimitStore extends AutoCloseable {
        Decision acquire(List<Limit> limits, long reservedTokens, long nowMillis);

        /** Gives back the parallel slots and corrects the TPM reservation made in {@code window}. */
        void release(List<Limit> limits, long window, long reservedTokens, long actualTokens);

        /** False when the shared store cannot be reached (readiness reports it). */
        default boolean available() {
            return true;
        }

        default String describe() {
            return "in-memory";
        }

        @Override
        default void close() {}
    }

    /** Returned by {@link #admit}; released exactly once when the request ends. */
    interface Lease {
        Lease NONE = actualTokens -> {};

        void release(long actualTokens);
    }

    private final LimitStore store;
    private final Map<String, Long> modelRpm;
    private final Map<String, Long> modelTpm;
    private final LongSupplier clockMillis;

    Limits(LimitStore store, GatewayConfig config, LongSupplier clockMillis) {
        this.store = store;
        this.clockMillis = clockMillis;
        var rpm = new java.util.HashMap<String, Long>();
        var tpm = new java.util.HashMap<String, Long>();
        for (String model : config.modelNames()) {
            var ds = config.deployments().stream().filter(d -> d.modelName().equals(model)).toList();
            if (ds.stream().allMatch(d -> d.rpm() != null)) rpm.put(model, ds.stream().mapToLong(d -> d.rpm()).sum());
            if (ds.stream().allMatch(d -> d.tpm() != null)) tpm.put(model, ds.stream().mapToLong(d -> d.tpm()).sum());
        }
        this.modelRpm = Map.copyOf(rpm);
        this.modelTpm = Map.copyOf(tpm);
    }

    /** The limits of one caller, per model; rebuilt when Auth loads the key again (a new Caller). */
    private record CallerLimits(Caller caller, ConcurrentHashMap<String, List<Limit>> byModel) {}

    private final ConcurrentHashMap<String, CallerLimits> cached = new ConcurrentHashMap<>();

    /**
     * The limits that apply to {@code c} calling {@code model}. Built once per cached caller and
     * model (counter ids and 429 labels are strings: not worth building per request).
     */
    List<Limit> limitsFor(Caller c, String model) {
        String who = c.keyDigest() == null ? c.alias() : c.keyDigest();
        CallerLimits cl = cached.get(who);
        if (cl == null || cl.caller() != c) {
            cl = new CallerLimits(c, new ConcurrentHashMap<>());
            cached.put(who, cl);
        }
        return cl.byModel().computeIfAbsent(model, m -> List.copyOf(build(c, m)));
    }

    private List<Limit> build(Caller c, String model) {
        List<Limit> out = new ArrayList<>(7);
        if (c.keyDigest() != null) {
            String k = "key:" + c.keyDigest();
            String who = "key '" + c.alias() + "'";
            if (c.rpmLimit() != null) out.add(new Limit(k + ":rpm", Kind.RPM, c.rpmLimit(), "rpm_limit " + c.rpmLimit() + " of " + who));
            if (c.tpmLimit() != null) out.add(new Limit(k + ":tpm", Kind.TPM, c.tpmLimit(), "tpm_limit " + c.tpmLimit() + " of " + who));
            if (c.maxParallelRequests() != null) {
                out.add(new Limit(k + ":par", Kind.PARALLEL, c.maxParallelRequests(),
                        "max_parallel_requests " + c.maxParallelRequests() + " of " + who));
            }
            Long mr = c.modelRpmLimit().get(model);
            if (mr != null) out.add(new Limit(k + ":m:" + model + ":rpm", Kind.RPM, mr, "model_rpm_limit " + mr + " of " + who + " for model '" + model + "'"));
            Long mt = c.modelTpmLimit().get(model);
            if (mt != null) out.add(new Limit(k + ":m:" + model + ":tpm", Kind.TPM, mt, "model_tpm_limit " + mt + " of " + who + " for model '" + model + "'"));
        }
        Long r = modelRpm.get(model);
        if (r != null) out.add(new Limit("model:" + model + ":rpm", Kind.RPM, r, "rpm " + r + " of model '" + model + "' (sum of its deployments)"));
        Long t = modelTpm.get(model);
        if (t != null) out.add(new Limit("model:" + model + ":tpm", Kind.TPM, t, "tpm " + t + " of model '" + model + "' (sum of its deployments)"));
        return out;
    }

    Lease admit(Caller caller, String model, long reservedTokens) {
        List<Limit> limits = limitsFor(caller, model);
        if (limits.isEmpty()) return Lease.NONE;
        Decision d = store.acquire(limits, reservedTokens, clockMillis.getAsLong());
        return switch (d) {
            case Decision.Rejected rej -> throw ApiError.rateLimited(rej.limit().kind().name().toLowerCase() + "_limit",
                    "rate limit exceeded: " + rej.limit().label() + (rej.limit().kind() == Kind.TPM
                            ? " (this request reserves " + reservedTokens + " tokens: prompt estimate + max_tokens)" : "")
                    + "; retry after " + rej.retryAfterSeconds() + " s", rej.retryAfterSeconds());
            case Decision.Admitted a -> new Lease() {
                private boolean released;

                @Override
                public synchronized void release(long actualTokens) {
                    if (released) return;
                    released = true;
                    store.release(limits, a.window(), reservedTokens, actualTokens);
                }
            };
        };
    }

    /**
     * Seconds until a sliding-window counter admits {@code add} more: the previous window's
     * share decays linearly over the current one.
     */
    static long retryAfterSeconds(long prev, long curr, long add, long max, long nowMillis) {
        long intoWindow = Math.floorMod(nowMillis, WINDOW_MILLIS);
        long toWindowEnd = WINDOW_MILLIS - intoWindow;
        if (curr + add > max || prev == 0) return Math.max(1, (toWindowEnd + 999) / 1000);
        // prev * (1 - f) + curr + add <= max  =>  f >= 1 - (max - curr - add) / prev
        double fNeeded = 1.0 - (double) (max - curr - add) / prev;
        long waitMillis = (long) Math.ceil(fNeeded * WINDOW_MILLIS) - intoWindow;
        return Math.max(1, (waitMillis + 999) / 1000);
    }

    /** Counters in this process. One lock: a check-and-add over a few limits takes well under a microsecond. */
    static final class LocalLimitStore implements LimitStore {
        private final Map<String, long[]> windows = new java.util.HashMap<>(); // id -> {window, prev, curr}
        private final Map<String, long[]> parallel = new java.util.HashMap<>();

        @Override
        public synchronized Decision acquire(List<Limit> limits, long reservedTokens, long nowMillis) {
            long window = Math.floorDiv(nowMillis, WINDOW_MILLIS);
            double f = (double) Math.floorMod(nowMillis, WINDOW_MILLIS) / WINDOW_MILLIS;
            for (Limit l : limits) {
                long add = l.amount(reservedTokens);
                if (l.kind() == Kind.PARALLEL) {
                    long[] p = parallel.computeIfAbsent(l.id(), k -> new long[1]);
                    if (p[0] + add > l.max()) return new Decision.Rejected(l, 1);
                } else {
                    long[] w = roll(l.id(), window);
                    if (w[1] * (1 - f) + w[2] + add > l.max()) {
                        return new Decision.Rejected(l, retryAfterSeconds(w[1], w[2], add, l.max(), nowMillis));
                    }
                }
            }
            for (Limit l : limits) {
                if (l.kind() == Kind.PARALLEL) parallel.get(l.id())[0]++;
                else windows.get(l.id())[2] += l.amount(reservedTokens);
            }
            return new Decision.Admitted(window);
        }

        private long[] roll(String id, long window) {
            long[] w = windows.computeIfAbsent(id, k -> new long[] {window, 0, 0});
            if (w[0] != window) {
                w[1] = w[0] == window - 1 ? w[2] : 0;
                w[2] = 0;
                w[0] = window;
            }
            return w;
        }

        @Override
        public synchronized void release(List<Limit> limits, long window, long reservedTokens, long actualTokens) {
            for (Limit l : limits) {
                if (l.kind() == Kind.PARALLEL) {
                    long[] p = parallel.get(l.id());
                    if (p != null && p[0] > 0) p[0]--;
                } else if (l.kind() == Kind.TPM) {
                    long[] w = windows.get(l.id());
                    if (w == null) continue;
                    long delta = actualTokens - reservedTokens;
                    // Correct the window the reservation went into; it may be "previous" by now.
                    if (w[0] == window) w[2] = Math.max(0, w[2] + delta);
                    else if (w[0] == window + 1) w[1] = Math.max(0, w[1] + delta);
                }
            }
        }
    }
}
