package dev.gantry.policies.checklist;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * A stack's attestations and waivers, from {@code stacks/attestations/<stack>.yaml}:
 *
 * <pre>
 * stack: aws-prod
 * attestations:
 *   - {item: PRE-03, by: jane@example.com, at: 2026-11-20, evidence: https://ci.example.com/load-test/812}
 * waivers:
 *   - {rule: GNT-K8S-014, resource: gateway, reason: ..., owner: platform-team, expires: 2027-01-31}
 *   - {item: POST-05, reason: ..., owner: ..., expires: ...}
 * policy:            # optional: the stack's policy settings (same keys as gantry:policy)
 *   monthlyBudgetUsd: 12000
 * </pre>
 *
 * @param stack        the stack the file is for
 * @param attestations attestations of checklist items
 * @param waivers      waivers of rules or items
 * @param policy       the stack's policy settings from this file, or null
 */
public record Attestations(String stack, List<Attestation> attestations, List<Waiver> waivers, JsonNode policy) {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  public Attestations {
    attestations = List.copyOf(attestations);
    waivers = List.copyOf(waivers);
  }

  public Attestations(String stack, List<Attestation> attestations, List<Waiver> waivers) {
    this(stack, attestations, waivers, null);
  }

  public static Attestations none(String stack) {
    return new Attestations(stack, List.of(), List.of());
  }

  /** Reads the file; a missing file means no attestations and no waivers. */
  public static Attestations load(Path file, String stack) {
    if (!Files.exists(file)) {
      return none(stack);
    }
    String where = "'" + file + "'";
    JsonNode root;
    try {
      root = YAML.readTree(Files.readString(file));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read attestation file " + where + ": " + e.getMessage(), e);
    }
    if (root == null || root.isNull() || root.isMissingNode()) {
      return none(stack);
    }
    String declared = root.path("stack").asText(stack);
    if (!declared.equals(stack)) {
      throw new IllegalArgumentException(where + " is for stack '" + declared + "', not '" + stack + "'");
    }
    List<Attestation> attestations = new ArrayList<>();
    int i = 0;
    for (JsonNode a : root.path("attestations")) {
      String at = where + ": attestations[" + i++ + "]";
      attestations.add(wrap(at, () -> new Attestation(text(a, "item"), text(a, "by"), date(a, "at", at), text(a, "evidence"))));
    }
    List<Waiver> waivers = new ArrayList<>();
    i = 0;
    for (JsonNode w : root.path("waivers")) {
      String at = where + ": waivers[" + i++ + "]";
      waivers.add(wrap(at, () -> new Waiver(text(w, "rule"), text(w, "item"), text(w, "resource"), text(w, "reason"),
          text(w, "owner"), date(w, "expires", at))));
    }
    JsonNode policy = root.path("policy");
    return new Attestations(stack, attestations, waivers, policy.isMissingNode() || policy.isNull() ? null : policy);
  }

  private static <T> T wrap(String where, java.util.function.Supplier<T> make) {
    try {
      return make.get();
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
  }

  private static String text(JsonNode n, String key) {
    JsonNode v = n.path(key);
    return v.isMissingNode() || v.isNull() ? null : v.asText();
  }

  private static LocalDate date(JsonNode n, String key, String where) {
    String v = text(n, key);
    if (v == null) {
      return null;
    }
    try {
      return LocalDate.parse(v);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(where + ": '" + key + "' must be a date YYYY-MM-DD, got '" + v + "'", e);
    }
  }
}
