package dev.gantry.policies.checklist;

import java.util.Arrays;
import java.util.Locale;

/** The three checklist phases, in the order a release goes through them. */
public enum Phase {
  PRE_DEPLOYMENT,
  DEPLOYMENT,
  POST_DEPLOYMENT;

  /** {@code pre-deployment}, {@code deployment}, {@code post-deployment}: also the checklist file names. */
  public String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static Phase parse(String label, String where) {
    return Arrays.stream(values()).filter(p -> p.label().equals(label)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException(where + ": unknown phase '" + label
            + "'; use pre-deployment, deployment or post-deployment"));
  }
}
