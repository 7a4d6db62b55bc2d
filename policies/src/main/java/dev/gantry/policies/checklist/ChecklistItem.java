package dev.gantry.policies.checklist;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One item of a production checklist.
 *
 * @param id          {@code PRE-01}, {@code DEP-03}, {@code POST-07}
 * @param title       what must be true
 * @param description how it is judged
 * @param mandatory   an unmet mandatory item blocks the release
 * @param attestation the item also needs a human attestation (who, when, evidence)
 */
public record ChecklistItem(String id, String title, String description, boolean mandatory, boolean attestation) {
  private static final Pattern ID = Pattern.compile("(PRE|DEP|POST)-\\d{2}");

  public ChecklistItem {
    Objects.requireNonNull(id, "id");
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException("checklist item id '" + id + "' must look like PRE-01, DEP-01 or POST-01");
    }
    if (title == null || title.isBlank()) {
      throw new IllegalArgumentException("checklist item " + id + " has no title");
    }
    description = description == null ? "" : description;
  }
}
