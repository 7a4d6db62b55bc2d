package dev.gantry.policies.graph;

/** Where a {@link ResourceGraph} came from. */
public enum GraphSource {
  /** Gantry's offline plan (the program run under Pulumi's mock monitor). */
  PLAN,
  /** {@code pulumi preview --json}. */
  PREVIEW,
  /** {@code pulumi stack export}. */
  EXPORT
}
