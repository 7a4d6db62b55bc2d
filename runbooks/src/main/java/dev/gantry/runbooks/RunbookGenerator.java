package dev.gantry.runbooks;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import dev.gantry.policies.catalog.GpuCatalog;
import dev.gantry.policies.gate.GateReport;
import dev.gantry.policies.graph.ResourceGraph;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Generates a stack's runbook from the plan that will be applied and the gate's verdict on it:
 * overview (what runs where, architecture diagram, monthly cost), deploy, rollback, one section
 * per alert, troubleshooting, scaling, backup and disaster recovery, checklist status.
 *
 * <pre>
 * GateReport report = Gate.builder().attestations(att).build().evaluate(graph);
 * Runbook runbook = RunbookGenerator.builder().build().generate(graph, report);
 * runbook.writeTo(Path.of("build/gantry/aws-prod/runbooks"));
 * </pre>
 *
 * Templates are Jinja ({@code dev/gantry/runbooks/templates/*.md.j2}, rendered by Jinjava) with
 * unknown variables as errors, so a template that names a fact which does not exist fails the
 * generation instead of printing a blank.
 */
public final class RunbookGenerator {
  /** The index page's file name. */
  public static final String INDEX = "index.md";
  /** Pages in reading order: file name → template. */
  static final List<String> PAGES = List.of("index", "overview", "deploy", "rollback", "alerts", "troubleshooting",
      "scaling", "backup-dr", "checklist");
  private static final String TEMPLATES = "templates/";

  private final GpuCatalog catalog;
  private final Jinjava jinjava;

  private RunbookGenerator(Builder b) {
    this.catalog = b.catalog;
    this.jinjava = new Jinjava(JinjavaConfig.newBuilder()
        .withTrimBlocks(true)
        .withFailOnUnknownTokens(true)
        .withNestedInterpretationEnabled(false) // a PromQL or label value is never re-read as a template
        .build());
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The runbook of the graph's stack; the report must be the gate's verdict on the same stack. */
  public Runbook generate(ResourceGraph graph, GateReport report) {
    Objects.requireNonNull(graph, "graph");
    Objects.requireNonNull(report, "report");
    Facts.Stack facts = new StackReader(graph, report, catalog).read();
    Map<String, Object> context = TemplateContext.of(facts);
    Map<String, String> pages = new LinkedHashMap<>();
    for (String page : PAGES) {
      pages.put(page + ".md", render(page, context));
    }
    return new Runbook(graph.stack(), pages);
  }

  private String render(String page, Map<String, Object> context) {
    String template = template(page);
    RenderResult result = jinjava.renderForResult(template, context);
    List<TemplateError> errors = result.getErrors().stream()
        .filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL || e.getReason() == TemplateError.ErrorReason.UNKNOWN)
        .toList();
    if (!errors.isEmpty()) {
      throw new IllegalStateException("template " + TEMPLATES + page + ".md.j2 failed: " + errors.stream()
          .map(e -> "line " + e.getLineno() + ": " + e.getMessage()).collect(Collectors.joining("; ")));
    }
    return result.getOutput().replaceAll("\n{3,}", "\n\n");
  }

  private static String template(String page) {
    String resource = TEMPLATES + page + ".md.j2";
    try (InputStream in = RunbookGenerator.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("runbook template '" + resource + "' is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read runbook template '" + resource + "'", e);
    }
  }

  /** Builds a {@link RunbookGenerator}; default: the shipped GPU catalog. */
  public static final class Builder {
    private GpuCatalog catalog = GpuCatalog.defaultCatalog();

    /** The GPU catalog that prices the stack and proposes larger GPUs. */
    public Builder catalog(GpuCatalog catalog) {
      this.catalog = Objects.requireNonNull(catalog, "catalog");
      return this;
    }

    public RunbookGenerator build() {
      return new RunbookGenerator(this);
    }
  }
}
