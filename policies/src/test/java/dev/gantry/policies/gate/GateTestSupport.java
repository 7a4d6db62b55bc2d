package dev.gantry.policies.gate;

import dev.gantry.policies.rules.Stacks;

/** Runs the gate the way the tests do: fixture attestations, a fixed day. */
public final class GateTestSupport {
  public static GateReport gate(Stacks s) {
    return GateTest.gate(s, GateTest.attestations());
  }

  private GateTestSupport() {}
}
