package dev.gantry.policies.rules;

/** The area a rule belongs to; it groups the docs and the id prefix ({@code GNT-K8S-}, {@code GNT-LLM-}, ...). */
public enum Category {
  KUBERNETES("K8S", "Kubernetes hygiene"),
  EDGE("EDGE", "Edge: ingress, TLS, exposure"),
  CLOUD("CLOUD", "Cloud resources"),
  OBSERVABILITY("OBS", "Observability"),
  LLM("LLM", "LLM serving"),
  COST("COST", "Cost");

  private final String idPrefix;
  private final String title;

  Category(String idPrefix, String title) {
    this.idPrefix = idPrefix;
    this.title = title;
  }

  public String idPrefix() {
    return "GNT-" + idPrefix + "-";
  }

  public String title() {
    return title;
  }
}
