package dev.gantry.stacks.local;

import java.util.List;

/**
 * The two processes of a local stack, in start order: the engine first (the gateway routes to
 * it), the gateway second; {@code local down} stops them in reverse. Each names its launcher
 * script (relative to the checkout), the health path {@code local up} waits on, and the tokens
 * one of which its command line carries in every form the launcher may take (the launcher's own
 * path, {@code java -jar gantry-engine.jar}, or {@code java -cp ... MAIN_CLASS}).
 */
public enum Component {
  ENGINE("engine", "engine/gantry-engine", "/health", List.of("gantry-engine", "dev.gantry.engine.server.Main")),
  GATEWAY("gateway", "gateway/gantry-gateway", "/health/readiness", List.of("gantry-gateway", "dev.gantry.gateway.Main"));

  private final String label;
  private final String launcher;
  private final String healthPath;
  private final List<String> commandTokens;

  Component(String label, String launcher, String healthPath, List<String> commandTokens) {
    this.label = label;
    this.launcher = launcher;
    this.healthPath = healthPath;
    this.commandTokens = commandTokens;
  }

  public String label() {
    return label;
  }

  /** The launcher script, relative to the repository root. */
  public String launcher() {
    return launcher;
  }

  public String healthPath() {
    return healthPath;
  }

  /** Strings one of which some argument of the running process contains (launcher stage or JVM stage). */
  List<String> commandTokens() {
    return commandTokens;
  }

  public static Component of(String label) {
    for (Component c : values()) {
      if (c.label.equals(label)) {
        return c;
      }
    }
    throw new IllegalArgumentException("unknown component '" + label + "'; components are engine and gateway");
  }
}
