package dev.gantry.policies.checklist;

import dev.gantry.policies.rules.Finding;
import java.time.LocalDate;
import java.util.Objects;

/**
 * A time-boxed, owned exception: findings of a rule (optionally only for one resource) or
 * an unmet checklist item stop blocking until {@code expires}. From the expiry date on the
 * waiver no longer counts and the report says so.
 *
 * @param rule     rule id waived, or null when an item is waived
 * @param item     checklist item id waived, or null when a rule is waived
 * @param resource resource name or URN the rule waiver is limited to ({@code *} matches any characters), or null for all
 * @param reason   why it is acceptable for now
 * @param owner    who is accountable for removing it
 * @param expires  first day on which the waiver no longer counts
 */
public record Waiver(String rule, String item, String resource, String reason, String owner, LocalDate expires) {
  public Waiver {
    if ((rule == null) == (item == null)) {
      throw new IllegalArgumentException("a waiver names exactly one of 'rule' or 'item', got rule=" + rule + ", item=" + item);
    }
    String what = rule != null ? rule : item;
    if (reason == null || reason.isBlank()) {
      throw new IllegalArgumentException("waiver of " + what + " has no 'reason'");
    }
    if (owner == null || owner.isBlank()) {
      throw new IllegalArgumentException("waiver of " + what + " has no 'owner'");
    }
    Objects.requireNonNull(expires, () -> "waiver of " + what + " has no 'expires' date (YYYY-MM-DD)");
  }

  /** True on days before {@link #expires}. */
  public boolean activeOn(LocalDate day) {
    return day.isBefore(expires);
  }

  /** True when this waiver is about that finding (ignoring expiry). */
  public boolean covers(Finding f) {
    return f.ruleId().equals(rule)
        && (resource == null || matches(resource, f.subject()) || (f.resourceUrn() != null && matches(resource, f.resourceUrn())));
  }

  private static boolean matches(String glob, String value) {
    if (!glob.contains("*")) {
      return glob.equals(value);
    }
    StringBuilder regex = new StringBuilder();
    for (String part : glob.split("\\*", -1)) {
      regex.append(java.util.regex.Pattern.quote(part)).append(".*");
    }
    return value.matches(regex.substring(0, regex.length() - 2));
  }

  public String target() {
    return rule != null ? rule + (resource == null ? "" : " on " + resource) : item;
  }
}
