package dev.gantry.policies.rules;

/**
 * How bad a finding is, independent of whether it blocks a release (that is
 * {@link Enforcement}). Maps onto SARIF levels and GitHub's {@code security-severity}.
 */
public enum Severity {
  LOW("note", 2.0),
  MEDIUM("warning", 5.0),
  HIGH("error", 7.5),
  CRITICAL("error", 9.5);

  private final String sarifLevel;
  private final double securitySeverity;

  Severity(String sarifLevel, double securitySeverity) {
    this.sarifLevel = sarifLevel;
    this.securitySeverity = securitySeverity;
  }

  /** SARIF {@code level}: note, warning or error. */
  public String sarifLevel() {
    return sarifLevel;
  }

  /** GitHub code scanning's {@code security-severity} score (0.1..10). */
  public double securitySeverity() {
    return securitySeverity;
  }

  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
