package dev.gantry.policies.gate;

import dev.gantry.policies.checklist.Attestation;
import dev.gantry.policies.checklist.ChecklistItem;
import dev.gantry.policies.checklist.Phase;
import dev.gantry.policies.checklist.Waiver;
import dev.gantry.policies.graph.GraphSource;
import dev.gantry.policies.rules.Enforcement;
import dev.gantry.policies.rules.Finding;
import dev.gantry.policies.rules.RuleInfo;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * The gate's verdict on one stack: every finding with its status, every checklist item with
 * what proves it, notes (expired waivers), and whether the release is ready. Reports in
 * every format are rendered from this alone.
 *
 * @param stack       stack name
 * @param project     Pulumi project
 * @param source      where the graph came from
 * @param day         the day the gate ran (waiver expiry is judged against it)
 * @param ready       no blocking finding and no unmet mandatory item
 * @param findings    all findings, sorted by rule id
 * @param items       checklist items, in phase and file order
 * @param rules       rules that ran, with their effective enforcement
 * @param notes       things a reader must know (expired waivers, unknown waiver targets)
 * @param resources   number of resources judged
 */
public record GateReport(
    String stack,
    String project,
    GraphSource source,
    LocalDate day,
    boolean ready,
    List<ReportedFinding> findings,
    List<ItemResult> items,
    Map<RuleInfo, Enforcement> rules,
    List<String> notes,
    int resources) {

  public GateReport {
    findings = List.copyOf(findings);
    items = List.copyOf(items);
    rules = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(rules));
    notes = List.copyOf(notes);
  }

  /** Exit code for CI: 0 ready, 1 not ready. */
  public int exitCode() {
    return ready ? 0 : 1;
  }

  public long count(FindingStatus status) {
    return findings.stream().filter(f -> f.status() == status).count();
  }

  /** Findings of one rule. */
  public List<ReportedFinding> findingsOf(String ruleId) {
    return findings.stream().filter(f -> f.finding().ruleId().equals(ruleId)).toList();
  }

  public List<ItemResult> items(Phase phase) {
    return items.stream().filter(i -> i.phase() == phase).toList();
  }

  /** Mandatory items that are unmet. */
  public List<ItemResult> blockingItems() {
    return items.stream().filter(ItemResult::blocking).toList();
  }

  /** What a finding does to the release. */
  public enum FindingStatus {
    /** Mandatory and not waived: blocks the release. */
    BLOCKING,
    /** Advisory: reported only. */
    ADVISORY,
    /** Covered by a waiver that has not expired. */
    WAIVED
  }

  /**
   * A finding with its status.
   *
   * @param finding        the finding
   * @param status         its effect
   * @param waiver         the active waiver covering it, or null
   * @param expiredWaiver  a waiver that covered it but has expired, or null
   */
  public record ReportedFinding(Finding finding, FindingStatus status, Waiver waiver, Waiver expiredWaiver) {}

  /** Where a checklist item stands. */
  public enum ItemStatus {
    /** Its rules pass and, when required, it is attested. */
    MET,
    /** Unmet, but an active waiver covers it. */
    WAIVED,
    /** Unmet. */
    UNMET
  }

  /**
   * One checklist item's result.
   *
   * @param phase       its phase
   * @param item        the item
   * @param status      where it stands
   * @param rules       ids of the active rules that prove it
   * @param attestation the attestation, or null
   * @param waiver      the active waiver, or null
   * @param reasons     why it is unmet or what qualifies it (advisories, expired waivers)
   */
  public record ItemResult(Phase phase, ChecklistItem item, ItemStatus status, List<String> rules,
      Attestation attestation, Waiver waiver, List<String> reasons) {
    public ItemResult {
      rules = List.copyOf(rules);
      reasons = List.copyOf(reasons);
    }

    /** True when this item blocks the release. */
    public boolean blocking() {
      return item.mandatory() && status == ItemStatus.UNMET;
    }
  }
}
