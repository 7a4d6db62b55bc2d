package dev.gantry.engine.server;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * A Prometheus histogram with fixed upper bounds: cumulative {@code _bucket{le}} counts,
 * {@code _sum} and {@code _count}, written in the text exposition format. Lock-free: observe()
 * runs on many request threads at once.
 */
final class Histogram {
  private final String name;
  private final String help;
  private final double[] bounds;
  private final AtomicLongArray counts;
  private final DoubleAdder sum = new DoubleAdder();

  Histogram(String name, String help, double[] bounds) {
    this.name = name;
    this.help = help;
    this.bounds = bounds.clone();
    for (int i = 1; i < bounds.length; i++) {
      if (!(bounds[i] > bounds[i - 1])) {
        throw new IllegalArgumentException(name + ": bucket bounds must increase: " + Arrays.toString(bounds));
      }
    }
    this.counts = new AtomicLongArray(bounds.length + 1); // the last is +Inf
  }

  void observe(double value) {
    int i = Arrays.binarySearch(bounds, value);
    int bucket = i >= 0 ? i : -i - 1; // first bound >= value
    counts.incrementAndGet(bucket);
    sum.add(value);
  }

  long count() {
    long n = 0;
    for (int i = 0; i < counts.length(); i++) {
      n += counts.get(i);
    }
    return n;
  }

  void write(StringBuilder out, String labels) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(" histogram\n");
    long cumulative = 0;
    for (int i = 0; i <= bounds.length; i++) {
      cumulative += counts.get(i);
      String le = i < bounds.length ? PrometheusText.number(bounds[i]) : "+Inf";
      out.append(name).append("_bucket{").append(labels).append(",le=\"").append(le).append("\"} ")
          .append(cumulative).append('\n');
    }
    out.append(name).append("_sum{").append(labels).append("} ").append(PrometheusText.number(sum.sum())).append('\n');
    out.append(name).append("_count{").append(labels).append("} ").append(cumulative).append('\n');
  }

  /** vLLM's 1-2-5 buckets up to {@code max}: 1, 2, 5, 10, 20, 50, ... */
  static double[] buckets125(int max) {
    double[] out = new double[64];
    int n = 0;
    for (long exp = 1; ; exp *= 10) {
      for (int m : new int[] {1, 2, 5}) {
        long v = m * exp;
        if (v > max) {
          return Arrays.copyOf(out, Math.max(n, 1));
        }
        out[n++] = v;
      }
    }
  }
}
