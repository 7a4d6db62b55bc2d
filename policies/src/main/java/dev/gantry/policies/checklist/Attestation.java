package dev.gantry.policies.checklist;

import java.time.LocalDate;
import java.util.Objects;

/**
 * A person's statement that a checklist item holds for a stack.
 *
 * @param item     the checklist item id
 * @param by       who attests (name or e-mail)
 * @param at       when
 * @param evidence a link to the evidence (load test report, ticket, dashboard)
 */
public record Attestation(String item, String by, LocalDate at, String evidence) {
  public Attestation {
    Objects.requireNonNull(item, "item");
    if (by == null || by.isBlank()) {
      throw new IllegalArgumentException("attestation of " + item + " has no 'by' (who attests)");
    }
    Objects.requireNonNull(at, () -> "attestation of " + item + " has no 'at' date (YYYY-MM-DD)");
    if (evidence == null || !(evidence.startsWith("https://") || evidence.startsWith("http://"))) {
      throw new IllegalArgumentException("attestation of " + item + " needs 'evidence' as an http(s) link, got '" + evidence + "'");
    }
  }
}
