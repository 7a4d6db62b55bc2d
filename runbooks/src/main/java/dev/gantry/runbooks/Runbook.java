package dev.gantry.runbooks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The generated runbook of one stack: Markdown pages by file name, {@code index.md} first.
 * Pages link each other by relative file name, so the folder can be copied anywhere (a wiki,
 * a repository, an incident channel).
 *
 * @param stack the stack name
 * @param pages file name → Markdown, in reading order
 */
public record Runbook(String stack, Map<String, String> pages) {
  public Runbook {
    Objects.requireNonNull(stack, "stack");
    pages = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(pages));
    if (!pages.containsKey(RunbookGenerator.INDEX)) {
      throw new IllegalArgumentException("a runbook needs an " + RunbookGenerator.INDEX + " page");
    }
  }

  /** One page's Markdown; the error lists the pages there are. */
  public String page(String fileName) {
    String page = pages.get(fileName);
    if (page == null) {
      throw new IllegalArgumentException("runbook of " + stack + " has no page '" + fileName + "'; pages: " + pages.keySet());
    }
    return page;
  }

  /** Writes every page into {@code dir} (created when missing); returns the files written. */
  public List<Path> writeTo(Path dir) {
    List<Path> written = new ArrayList<>();
    try {
      Files.createDirectories(dir);
      for (Map.Entry<String, String> e : pages.entrySet()) {
        Path file = dir.resolve(e.getKey());
        Files.writeString(file, e.getValue());
        written.add(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the runbook of " + stack + " to '" + dir + "': " + e.getMessage(), e);
    }
    return written;
  }
}
