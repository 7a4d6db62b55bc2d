package dev.gantry.policies.rules;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A rule's metadata, kept beside its check: the id ({@code GNT-K8S-001}), a one-line title,
 * severity, default enforcement, the checklist items its passing proves, a description of
 * why it matters and the fix. The docs page and the SARIF rule descriptor are made from it.
 *
 * @param id                 stable id, {@code GNT-<AREA>-<NNN>}
 * @param title              one line, says what must hold
 * @param category           area, which fixes the id prefix
 * @param severity           how bad a violation is
 * @param enforcement        default enforcement
 * @param proves             checklist item ids ({@code PRE-04}) this rule proves when it passes
 * @param description        why it matters (Markdown allowed)
 * @param fix                how to fix a violation (Markdown allowed)
 */
public record RuleInfo(
    String id,
    String title,
    Category category,
    Severity severity,
    Enforcement enforcement,
    List<String> proves,
    String description,
    String fix) {
  private static final Pattern ID = Pattern.compile("GNT-[A-Z0-9]+-\\d{3}");
  private static final Pattern ITEM = Pattern.compile("(PRE|DEP|POST)-\\d{2}");

  public RuleInfo {
    Objects.requireNonNull(id, "id");
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException("Rule id '" + id + "' must look like GNT-K8S-001");
    }
    Objects.requireNonNull(category, "category");
    if (!id.startsWith(category.idPrefix())) {
      throw new IllegalArgumentException("Rule id '" + id + "' must start with " + category.idPrefix() + " for category " + category);
    }
    Objects.requireNonNull(title, "title");
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(enforcement, "enforcement");
    proves = List.copyOf(proves);
    for (String item : proves) {
      if (!ITEM.matcher(item).matches()) {
        throw new IllegalArgumentException("Rule " + id + " proves '" + item + "', which is not a checklist item id like PRE-04");
      }
    }
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(fix, "fix");
  }
}
