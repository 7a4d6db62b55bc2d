package dev.gantry.gateway;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;

/**
 * A small Prometheus registry writing the text exposition format (0.0.4): counters and
 * histograms keyed by label values, and gauges read at scrape time. Hand-rolled because the
 * gateway needs a dozen series and a scrape must not allocate much on a hot server.
 */
final class Metrics {
    private static final double[] LATENCY_BUCKETS =
            {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};

    private final Map<String, Family> families = new TreeMap<>();

    final Counter requests = counter("gantry_gateway_requests_total", "Requests answered, by model, key alias and HTTP status.", "model", "key_alias", "status");
    final Histogram latency = histogram("gantry_gateway_request_duration_seconds", "Time from request received to last byte sent.", "model");
    final Histogram ttft = histogram("gantry_gateway_time_to_first_token_seconds", "Time from request received to first upstream byte sent to the client.", "model");
    final Counter tokens = counter("gantry_gateway_tokens_total", "Tokens by model and type (prompt, completion).", "model", "type");
    final Counter rateLimited = counter("gantry_gateway_rate_limited_total", "Requests rejected by a limit, by limit kind.", "limit");
    final Counter upstreamErrors = counter("gantry_gateway_upstream_errors_total", "Failed upstream attempts by deployment and reason.", "deployment", "reason");
    final Counter retries = counter("gantry_gateway_retries_total", "Upstream attempts retried on another deployment, by model.", "model");
    final Counter fallbacks = counter("gantry_gateway_fallbacks_total", "Requests sent to a fallback model name.", "from", "to");
    final Counter cooldowns = counter("gantry_gateway_cooldowns_total", "Deployments put in cooldown.", "deployment");
    final Counter redisFailures = counter("gantry_gateway_redis_failures_total", "Limit checks that could not reach Redis, by failure mode.", "mode");
    final Counter ledgerRecords = counter("gantry_gateway_ledger_records_total", "Usage records by outcome (written, spooled, replayed, dropped_duplicate).", "outcome");

    interface Family {
        void write(StringBuilder out);
    }

    synchronized Counter counter(String name, String help, String... labels) {
        var c = new Counter(name, help, labels);
        families.put(name, c);
        return c;
    }

    synchronized Histogram histogram(String name, String help, String... labels) {
        var h = new Histogram(name, help, labels);
        families.put(name, h);
        return h;
    }

    synchronized void gauge(String name, String help, DoubleSupplier value) {
        sampled(name, help, "gauge", value);
    }

    /** A counter kept elsewhere (by the JVM, the OS) and read at scrape time. */
    synchronized void sampledCounter(String name, String help, DoubleSupplier value) {
        sampled(name, help, "counter", value);
    }

    private void sampled(String name, String help, String type, DoubleSupplier value) {
        families.put(name, out -> {
            header(out, name, help, type);
            out.append(name).append(' ').append(format(value.getAsDouble())).append('\n');
        });
    }

    /**
     * The standard process series every Prometheus client exports (CPU time, user + system, and
     * start time) and the JVM's JIT compilation time. {@code gantry-gateway bench} divides the
     * CPU delta by the requests it sent and warms up until the JIT time stops growing.
     */
    void processMetrics() {
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean hotspot) {
            sampledCounter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                    () -> hotspot.getProcessCpuTime() / 1e9);
        }
        var jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        if (jit != null && jit.isCompilationTimeMonitoringSupported()) {
            sampledCounter("jvm_compilation_time_seconds_total", "Time the JIT compilers spent compiling, in seconds.",
                    () -> jit.getTotalCompilationTime() / 1e3);
        }
        double start = java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime() / 1e3;
        gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", () -> start);
    }

    /** A gauge with one series per label value, read at scrape time. */
    synchronized void gauges(String name, String help, String label, java.util.function.Supplier<Map<String, Double>> values) {
        labelled(name, help, "gauge", label, values);
    }

    /** A counter kept elsewhere with one series per label value, read at scrape time. */
    synchronized void sampledCounters(String name, String help, String label, java.util.function.Supplier<Map<String, Double>> values) {
        labelled(name, help, "counter", label, values);
    }

    private void labelled(String name, String help, String type, String label, java.util.function.Supplier<Map<String, Double>> values) {
        families.put(name, out -> {
            header(out, name, help, type);
            values.get().forEach((k, v) -> out.append(name).append('{').append(label).append("=\"").append(escape(k))
                    .append("\"} ").append(format(v)).append('\n'));
        });
    }

    String scrape() {
        StringBuilder out = new StringBuilder(4096);
        List<Family> snapshot;
        synchronized (this) {
            snapshot = new ArrayList<>(families.values());
        }
        snapshot.forEach(f -> f.write(out));
        return out.toString();
    }

    static final class Counter implements Family {
        final String name;
        final String help;
        final String[] labels;
        final ConcurrentHashMap<List<String>, LongAdder> series = new ConcurrentHashMap<>();

        Counter(String name, String help, String[] labels) {
            this.name = name;
            this.help = help;
            this.labels = labels;
        }

        void inc(String... values) {
            add(1, values);
        }

        void add(long n, String... values) {
            assert values.length == labels.length : name + " takes labels " + List.of(labels);
            series.computeIfAbsent(List.of(values), k -> new LongAdder()).add(n);
        }

        long value(String... values) {
            LongAdder a = series.get(List.of(values));
            return a == null ? 0 : a.sum();
        }

        @Override
        public void write(StringBuilder out) {
            header(out, name, help, "counter");
            series.forEach((vals, adder) -> {
                out.append(name);
                labels(out, labels, vals, null);
                out.append(' ').append(adder.sum()).append('\n');
            });
        }
    }

    static final class Histogram implements Family {
        final String name;
        final String help;
        final String[] labels;
        final ConcurrentHashMap<List<String>, Series> series = new ConcurrentHashMap<>();

        record Series(LongAdder[] buckets, LongAdder count, DoubleAdder sum) {}

        Histogram(String name, String help, String[] labels) {
            this.name = name;
            this.help = help;
            this.labels = labels;
        }

        void observe(double seconds, String... values) {
            Series s = series.computeIfAbsent(List.of(values), k -> {
                LongAdder[] b = new LongAdder[LATENCY_BUCKETS.length];
                for (int i = 0; i < b.length; i++) b[i] = new LongAdder();
                return new Series(b, new LongAdder(), new DoubleAdder());
            });
            for (int i = 0; i < LATENCY_BUCKETS.length; i++) {
                if (seconds <= LATENCY_BUCKETS[i]) {
                    s.buckets[i].increment();
                    break;
                }
            }
            s.count.increment();
            s.sum.add(seconds);
        }

        long count(String... values) {
            Series s = series.get(List.of(values));
            return s == null ? 0 : s.count.sum();
        }

        @Override
        public void write(StringBuilder out) {
            header(out, name, help, "histogram");
            series.forEach((vals, s) -> {
                long cumulative = 0;
                for (int i = 0; i < LATENCY_BUCKETS.length; i++) {
                    cumulative += s.buckets[i].sum();
                    out.append(name).append("_bucket");
                    labels(out, labels, vals, format(LATENCY_BUCKETS[i]));
                    out.append(' ').append(cumulative).append('\n');
                }
                out.append(name).append("_bucket");
                labels(out, labels, vals, "+Inf");
                out.append(' ').append(s.count.sum()).append('\n');
                out.append(name).append("_sum");
                labels(out, labels, vals, null);
                out.append(' ').append(format(s.sum.sum())).append('\n');
                out.append(name).append("_count");
                labels(out, labels, vals, null);
                out.append(' ').append(s.count.sum()).append('\n');
            });
        }
    }

    private static void header(StringBuilder out, String name, String help, String type) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void labels(StringBuilder out, String[] names, List<String> values, String le) {
        if (names.length == 0 && le == null) return;
        out.append('{');
        for (int i = 0; i < names.length; i++) {
            if (i > 0) out.append(',');
            out.append(names[i]).append("=\"").append(escape(values.get(i))).append('"');
        }
        if (le != null) {
            if (names.length > 0) out.append(',');
            out.append("le=\"").append(le).append('"');
        }
        out.append('}');
    }

    private static String escape(String v) {
        return v == null ? "" : v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        return Double.toString(v);
    }
}
