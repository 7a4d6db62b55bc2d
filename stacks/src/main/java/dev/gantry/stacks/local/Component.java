package dev.gantry.stacks.local;

/**
 * The two processes of a local stack, in start order: the engine first (the gateway routes to
 * it), the gateway second; {@code local down} stops them in reverse. Each names its launcher
 * script (relative to the checkout), the health path {@code local up} waits on, and the token
 * that its command line carries (the Java main class or the launcher's name).
 */
public enum Component {
  ENGINE("engine", "engine/gantry-engine", "/health", "dev.gantry.engine.server.Main"),
  GATEWAY("gateway", "gateway/gantry-gateway", "/health/readiness", "gantry-gateway");

  private final String label;
  private final String launcher;
  private final String healthPath;
  private final String commandToken;

  Component(String label, String launcher, String healthPath, String commandToken) {
    this.label = label;
    this.launcher = launcher;
    this.healthPath = healthPath;
    this.commandToken = commandToken;
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

  /** A string one argument of the running process contains (launcher stage or JVM stage). */
  String commandToken() {
    return commandToken;
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
