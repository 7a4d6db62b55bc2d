package dev.gantry.infra;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What every cloud's GPU cluster checks and puts on a node pool the same way: a DNS-label
 * name, sizes that autoscale ({@code 0 <= min <= desired <= max}, {@code max >= 1}), a disk
 * above the cloud's minimum, and the node labels {@value #POOL_LABEL} (what engines select) and
 * {@value #CAPACITY_LABEL} ({@code spot} or {@code on-demand}) on top of the pool's own.
 */
public final class NodePools {
  /** Label of every Gantry node: the pool's name. Engines select their pool with it. */
  public static final String POOL_LABEL = "gantry.dev/pool";
  /** Label of every Gantry node: {@code spot} or {@code on-demand}. */
  public static final String CAPACITY_LABEL = "gantry.dev/capacity";
  /** A DNS label of at most 32 characters. */
  public static final Pattern DNS_LABEL_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?");

  private NodePools() {}

  /** Checks a pool name against the DNS-label rule shared by EKS node groups and GKE node pools. */
  public static void checkName(String name) {
    if (name == null || !DNS_LABEL_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("Node pool name '" + name + "' must be a DNS label of at most 32 characters");
    }
  }

  /** Checks autoscaling sizes; the message names the pool and the sizes given. */
  public static void checkSizes(String name, int minNodes, int desiredNodes, int maxNodes) {
    if (minNodes < 0 || minNodes > desiredNodes || desiredNodes > maxNodes || maxNodes < 1) {
      throw new IllegalArgumentException("Node pool '" + name + "' needs 0 <= minNodes <= desiredNodes <= maxNodes and maxNodes >= 1; got "
          + minNodes + " <= " + desiredNodes + " <= " + maxNodes);
    }
  }

  /** Checks a disk size against the cloud's minimum, e.g. {@code checkDisk(name, 10, 20, "disk", "EKS")}. */
  public static void checkDisk(String name, int diskSizeGiB, int minimumGiB, String disk, String cloud) {
    if (diskSizeGiB < minimumGiB) {
      throw new IllegalArgumentException("Node pool '" + name + "' " + disk + " of " + diskSizeGiB + " GiB is below the "
          + minimumGiB + " GiB " + cloud + " minimum");
    }
  }

  /** The pool's own labels (a sorted copy) with {@value #POOL_LABEL} and {@value #CAPACITY_LABEL} set. */
  public static Map<String, String> labels(String name, boolean spot, Map<String, String> extra) {
    Map<String, String> labels = new TreeMap<>(extra == null ? Map.of() : extra);
    labels.put(POOL_LABEL, name);
    labels.put(CAPACITY_LABEL, spot ? "spot" : "on-demand");
    return labels;
  }
}
