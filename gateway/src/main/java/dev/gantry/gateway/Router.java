package dev.gantry.gateway;

import dev.gantry.gateway.config.GatewayConfig;
import dev.gantry.gateway.config.RoutingStrategy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * Picks a deployment for a model name with the configured strategy, skipping deployments
 * that are cooling down, unhealthy, or already tried for this request. Cooldown follows
 * LiteLLM: more than {@code allowed_fails} failures within the window cool a deployment down
 * for {@code cooldown_time}; it comes back by itself afterwards.
 */
final class Router {
    private static final Logger LOG = Logger.getLogger(Router.class.getName());

    private final Map<String, List<Upstream>> byModel = new LinkedHashMap<>();
    private final List<Upstream> all = new ArrayList<>();
    private final GatewayConfig config;
    private final Metrics metrics;
    private final LongSupplier nanoClock;

    Router(GatewayConfig config, Metrics metrics, LongSupplier nanoClock) {
        this.config = config;
        this.metrics = metrics;
        this.nanoClock = nanoClock;
        for (var d : config.deployments()) {
            Upstream u = new Upstream(d);
            all.add(u);
            byModel.computeIfAbsent(d.modelName(), k -> new ArrayList<>()).add(u);
        }
    }

    boolean knows(String modelName) {
        return byModel.containsKey(modelName);
    }

    Collection<Upstream> all() {
        return all;
    }

    List<Upstream> of(String modelName) {
        return byModel.getOrDefault(modelName, List.of());
    }

    /** The result of asking for a deployment: one was picked, or why none could be. */
    sealed interface Pick {
        record Chosen(Upstream upstream) implements Pick {}

        /** Every deployment is excluded; {@code coolingDown} and {@code unhealthy} say why. */
        record NoneAvailable(int total, int coolingDown, int unhealthy, int tried) implements Pick {}
    }

    Pick pick(String modelName, Set<Upstream> tried) {
        long now = nanoClock.getAsLong();
        List<Upstream> candidates = new ArrayList<>();
        int cooling = 0, unhealthy = 0, triedCount = 0;
        List<Upstream> deployments = of(modelName);
        for (Upstream u : deployments) {
            if (tried.contains(u)) {
                triedCount++;
            } else if (u.coolingDown(now)) {
                cooling++;
            } else if (!u.healthy) {
                unhealthy++;
            } else {
                candidates.add(u);
            }
        }
        if (candidates.isEmpty()) {
            return new Pick.NoneAvailable(deployments.size(), cooling, unhealthy, triedCount);
        }
        return new Pick.Chosen(choose(config.router().strategy(), candidates));
    }

    static Upstream choose(RoutingStrategy strategy, List<Upstream> candidates) {
        if (candidates.size() == 1) return candidates.get(0);
        return switch (strategy) {
            case SIMPLE_SHUFFLE -> {
                double total = 0;
                for (Upstream u : candidates) total += u.deployment.shuffleWeight();
                double r = ThreadLocalRandom.current().nextDouble(total);
                for (Upstream u : candidates) {
                    r -= u.deployment.shuffleWeight();
                    if (r < 0) yield u;
                }
                yield candidates.get(candidates.size() - 1);
            }
            case LEAST_BUSY -> lowest(candidates, u -> u.inFlight.get());
            case ENGINE_AWARE -> lowest(candidates, Upstream::engineLoad);
        };
    }

    /** The lowest score; ties are broken at random so equal replicas share the load. */
    private static Upstream lowest(List<Upstream> candidates, java.util.function.ToDoubleFunction<Upstream> score) {
        double best = Double.MAX_VALUE;
        List<Upstream> ties = new ArrayList<>(2);
        for (Upstream u : candidates) {
            double s = score.applyAsDouble(u);
            if (s < best) {
                best = s;
                ties.clear();
                ties.add(u);
            } else if (s == best) {
                ties.add(u);
            }
        }
        return ties.get(ThreadLocalRandom.current().nextInt(ties.size()));
    }

    void failed(Upstream u, String reason) {
        metrics.upstreamErrors.inc(u.id(), reason);
        var r = config.router();
        if (u.recordFailure(nanoClock.getAsLong(), r.allowedFails(), config.gantry().cooldownWindow(), r.cooldownTime())) {
            metrics.cooldowns.inc(u.id());
            LOG.warning(() -> "deployment " + u.id() + " (" + u.deployment.apiBase() + ") cooling down for "
                    + r.cooldownTime().toMillis() + " ms after more than " + r.allowedFails() + " failures; last: " + reason);
        }
    }

    void succeeded(Upstream u) {
        u.recordSuccess();
    }

    Optional<Upstream> byId(String id) {
        return all.stream().filter(u -> u.id().equals(id)).findFirst();
    }

    /** At least one deployment is healthy and not cooling down. */
    boolean anyAvailable() {
        long now = nanoClock.getAsLong();
        return all.stream().anyMatch(u -> u.healthy && !u.coolingDown(now));
    }
}
