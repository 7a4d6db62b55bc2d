package dev.gantry.policies.gate;

import dev.gantry.policies.catalog.GpuCatalog;
import dev.gantry.policies.checklist.Attestation;
import dev.gantry.policies.checklist.Attestations;
import dev.gantry.policies.checklist.Checklist;
import dev.gantry.policies.checklist.ChecklistItem;
import dev.gantry.policies.checklist.Waiver;
import dev.gantry.policies.gate.GateReport.FindingStatus;
import dev.gantry.policies.gate.GateReport.ItemResult;
import dev.gantry.policies.gate.GateReport.ItemStatus;
import dev.gantry.policies.gate.GateReport.ReportedFinding;
import dev.gantry.policies.graph.ResourceGraph;
import dev.gantry.policies.rules.Enforcement;
import dev.gantry.policies.rules.Finding;
import dev.gantry.policies.rules.PolicyConfig;
import dev.gantry.policies.rules.Rule;
import dev.gantry.policies.rules.RuleContext;
import dev.gantry.policies.rules.RuleEngine;
import dev.gantry.policies.rules.RuleInfo;
import dev.gantry.policies.rules.Rules;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The production-readiness gate: judges a {@link ResourceGraph} with the rules, the
 * checklists and the stack's attestations and waivers, and returns a {@link GateReport}.
 *
 * <pre>
 * GateReport report = Gate.builder()
 *     .attestations(Attestations.load(Path.of("stacks/attestations/aws-prod.yaml"), "aws-prod"))
 *     .build()
 *     .evaluate(graph);
 * System.exit(report.exitCode());
 * </pre>
 *
 * The stack's policy settings come from its {@code gantry:policy} config, then the
 * {@code policy} section of its attestation file, then the policy file if one is given
 * (later ones win). Bad settings, unknown rule ids in overrides and
 * waivers or attestations of unknown items are errors, not silently ignored.
 */
public final class Gate {
  private final List<Rule> rules;
  private final List<Checklist> checklists;
  private final Attestations attestations; // stack "" means: none, for whatever stack is judged
  private final Path policyFile;
  private final GpuCatalog catalog;
  private final LocalDate today;

  private Gate(Builder b) {
    this.rules = b.rules;
    this.checklists = b.checklists;
    this.attestations = b.attestations;
    this.policyFile = b.policyFile;
    this.catalog = b.catalog;
    this.today = b.today;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The stack's effective policy settings; errors name the source and the bad key or value. */
  public PolicyConfig policyFor(ResourceGraph graph) {
    PolicyConfig policy = PolicyConfig.defaults().with(graph.configValue("gantry:policy"), "stack config 'gantry:policy'")
        .with(attestations.policy(), "'policy' in stacks/attestations/" + graph.stack() + ".yaml");
    if (policyFile != null) {
      policy = policy.withFile(policyFile);
    }
    Set<String> ids = new HashSet<>();
    rules.forEach(r -> ids.add(r.id()));
    for (String id : policy.enforcement().keySet()) {
      if (!ids.contains(id)) {
        String near = ids.stream().min(java.util.Comparator.comparingInt(k -> GpuCatalog.editDistance(k, id))).orElse("");
        throw new IllegalArgumentException("policy overrides the enforcement of unknown rule '" + id + "'; did you mean '"
            + near + "'? (see docs/rules.md)");
      }
    }
    return policy;
  }

  /** Judges the graph. */
  public GateReport evaluate(ResourceGraph graph) {
    PolicyConfig policy = policyFor(graph);
    Attestations attestations = this.attestations.stack().isBlank() ? Attestations.none(graph.stack()) : this.attestations;
    validate(attestations);
    List<Finding> raw = new RuleEngine(rules).run(new RuleContext(graph, catalog, policy));
    List<String> notes = new ArrayList<>();

    List<ReportedFinding> findings = new ArrayList<>();
    for (Finding f : raw) {
      Waiver active = null;
      Waiver expired = null;
      for (Waiver w : attestations.waivers()) {
        if (w.rule() != null && w.covers(f)) {
          if (w.activeOn(today)) {
            active = active == null ? w : active;
          } else {
            expired = expired == null ? w : expired;
          }
        }
      }
      FindingStatus status = active != null ? FindingStatus.WAIVED
          : f.enforcement() == Enforcement.MANDATORY ? FindingStatus.BLOCKING : FindingStatus.ADVISORY;
      findings.add(new ReportedFinding(f, status, active, active == null ? expired : null));
    }
    for (Waiver w : attestations.waivers()) {
      if (!w.activeOn(today)) {
        notes.add("waiver of " + w.target() + " (owner " + w.owner() + ") expired on " + w.expires()
            + " and no longer counts: " + w.reason());
      }
    }

    Map<RuleInfo, Enforcement> ran = new LinkedHashMap<>();
    for (Rule r : rules) {
      ran.put(r.info(), policy.enforcementOf(r.info()));
    }
    List<ItemResult> items = new ArrayList<>();
    for (Checklist c : checklists) {
      for (ChecklistItem item : c.items()) {
        items.add(judge(c, item, ran, findings, attestations));
      }
    }
    boolean ready = findings.stream().noneMatch(f -> f.status() == FindingStatus.BLOCKING)
        && items.stream().noneMatch(ItemResult::blocking);
    return new GateReport(graph.stack(), graph.project(), graph.source(), today, ready, findings, items, ran, notes,
        graph.resources().size());
  }

  private ItemResult judge(Checklist c, ChecklistItem item, Map<RuleInfo, Enforcement> ran, List<ReportedFinding> findings,
      Attestations attestations) {
    List<String> proving = new ArrayList<>();
    List<String> reasons = new ArrayList<>();
    boolean unmet = false;
    for (Map.Entry<RuleInfo, Enforcement> e : ran.entrySet()) {
      if (!e.getKey().proves().contains(item.id()) || e.getValue() == Enforcement.DISABLED) {
        continue;
      }
      String id = e.getKey().id();
      proving.add(id);
      long blocking = findings.stream().filter(f -> f.finding().ruleId().equals(id) && f.status() == FindingStatus.BLOCKING).count();
      long advisory = findings.stream().filter(f -> f.finding().ruleId().equals(id) && f.status() == FindingStatus.ADVISORY).count();
      long waived = findings.stream().filter(f -> f.finding().ruleId().equals(id) && f.status() == FindingStatus.WAIVED).count();
      if (blocking > 0) {
        unmet = true;
        reasons.add(id + ": " + blocking + " blocking finding(s)");
      }
      if (advisory > 0) {
        reasons.add(id + ": " + advisory + " advisory finding(s)");
      }
      if (waived > 0) {
        reasons.add(id + ": " + waived + " waived finding(s)");
      }
    }
    Attestation attestation = attestations.attestations().stream()
        .filter(a -> a.item().equals(item.id())).reduce((a, b) -> b.at().isAfter(a.at()) ? b : a).orElse(null);
    if (item.attestation() && attestation == null) {
      unmet = true;
      reasons.add("needs an attestation (who, when, evidence link) in stacks/attestations/" + attestations.stack() + ".yaml");
    }
    if (!item.attestation() && proving.isEmpty()) {
      unmet = true;
      reasons.add("no active rule proves it (all disabled) and it takes no attestation");
    }
    Waiver waiver = null;
    for (Waiver w : attestations.waivers()) {
      if (item.id().equals(w.item())) {
        if (w.activeOn(today)) {
          waiver = w;
        } else if (unmet) {
          reasons.add("waiver expired on " + w.expires() + " (owner " + w.owner() + ")");
        }
      }
    }
    ItemStatus status = !unmet ? ItemStatus.MET : waiver != null ? ItemStatus.WAIVED : ItemStatus.UNMET;
    return new ItemResult(c.phase(), item, status, proving, attestation, status == ItemStatus.WAIVED ? waiver : null, reasons);
  }

  private void validate(Attestations attestations) {
    Set<String> items = new HashSet<>();
    checklists.forEach(c -> c.items().forEach(i -> items.add(i.id())));
    for (Rule r : rules) {
      for (String item : r.info().proves()) {
        if (!items.contains(item)) {
          throw new IllegalArgumentException("rule " + r.id() + " proves checklist item " + item + ", which no checklist has");
        }
      }
    }
    Set<String> ruleIds = new HashSet<>();
    rules.forEach(r -> ruleIds.add(r.id()));
    String file = "stacks/attestations/" + attestations.stack() + ".yaml";
    for (Attestation a : attestations.attestations()) {
      if (!items.contains(a.item())) {
        throw new IllegalArgumentException(file + ": attestation of unknown checklist item '" + a.item() + "'");
      }
    }
    for (Waiver w : attestations.waivers()) {
      if (w.item() != null && !items.contains(w.item())) {
        throw new IllegalArgumentException(file + ": waiver of unknown checklist item '" + w.item() + "'");
      }
      if (w.rule() != null && !ruleIds.contains(w.rule())) {
        throw new IllegalArgumentException(file + ": waiver of unknown rule '" + w.rule() + "'");
      }
    }
  }

  /** Builds a {@link Gate}; defaults: all built-in rules and checklists, no attestations, today. */
  public static final class Builder {
    private List<Rule> rules = Rules.all();
    private List<Checklist> checklists;
    private Attestations attestations;
    private Path policyFile;
    private GpuCatalog catalog = GpuCatalog.defaultCatalog();
    private LocalDate today = LocalDate.now(java.time.ZoneOffset.UTC);

    public Builder rules(List<Rule> rules) {
      this.rules = List.copyOf(rules);
      return this;
    }

    public Builder checklists(List<Checklist> checklists) {
      this.checklists = List.copyOf(checklists);
      return this;
    }

    public Builder attestations(Attestations attestations) {
      this.attestations = Objects.requireNonNull(attestations);
      return this;
    }

    /** A YAML/JSON policy file applied on top of the stack's {@code gantry:policy}. */
    public Builder policyFile(Path policyFile) {
      this.policyFile = policyFile;
      return this;
    }

    public Builder catalog(GpuCatalog catalog) {
      this.catalog = Objects.requireNonNull(catalog);
      return this;
    }

    /** The day waivers are judged against (tests pin it). */
    public Builder today(LocalDate today) {
      this.today = Objects.requireNonNull(today);
      return this;
    }

    public Gate build() {
      if (checklists == null) {
        checklists = Checklist.builtIn();
      }
      if (attestations == null) {
        attestations = Attestations.none("");
      }
      return new Gate(this);
    }
  }
}
