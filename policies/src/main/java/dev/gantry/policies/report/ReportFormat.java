package dev.gantry.policies.report;

import dev.gantry.policies.gate.GateReport;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The report formats and their file names. */
public enum ReportFormat {
  TEXT("gate-report.txt"),
  JSON("gate-report.json"),
  SARIF("gate-report.sarif"),
  JUNIT("gate-report.junit.xml");

  private final String fileName;

  ReportFormat(String fileName) {
    this.fileName = fileName;
  }

  public String fileName() {
    return fileName;
  }

  /** Renders the report; {@code stackFile} anchors SARIF locations (repository-relative). */
  public String render(GateReport report, String stackFile) {
    return render(report, f -> stackFile);
  }

  /** Renders the report; {@code locate} anchors each SARIF result to a repository-relative file. */
  public String render(GateReport report, java.util.function.Function<dev.gantry.policies.rules.Finding, String> locate) {
    return switch (this) {
      case TEXT -> TextReport.render(report);
      case JSON -> JsonReport.render(report);
      case SARIF -> SarifReport.render(report, locate);
      case JUNIT -> JunitReport.render(report);
    };
  }

  /** Parses {@code text}, {@code json}, {@code sarif} or {@code junit}; the error lists the choices. */
  public static ReportFormat parse(String value) {
    return Arrays.stream(values()).filter(f -> f.name().equalsIgnoreCase(value)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown report format '" + value + "'; use one of "
            + Arrays.stream(values()).map(f -> f.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "))));
  }
}
