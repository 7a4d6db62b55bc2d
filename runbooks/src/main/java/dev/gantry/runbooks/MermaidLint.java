package dev.gantry.runbooks;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A structural check of the Mermaid flowcharts the runbooks contain: a {@code flowchart}
 * header, balanced {@code subgraph}/{@code end}, node and subgraph declarations with valid,
 * unique ids and quoted labels, and edges between declared ids only. It covers the subset of
 * Mermaid's flowchart grammar that {@link Architecture} emits; the generator runs it on every
 * diagram it draws, and tests run it on generated pages.
 */
public final class MermaidLint {
  private static final String ID = "[A-Za-z][A-Za-z0-9_]*";
  private static final String LABEL = "\"[^\"]*\"";
  private static final Pattern NODE = Pattern.compile("(" + ID + ")(\\(\\[" + LABEL + "\\]\\)|\\[\\(" + LABEL + "\\)\\]|\\[/"
      + LABEL + "/\\]|\\[" + LABEL + "\\])");
  private static final Pattern SUBGRAPH = Pattern.compile("subgraph (" + ID + ")\\[" + LABEL + "\\]");
  private static final Pattern EDGE = Pattern.compile("(" + ID + ") (-->|-\\.->)(\\|" + LABEL + "\\|)? (" + ID + ")");

  /**
   * What the check found.
   *
   * @param problems  what is malformed, with line numbers; empty when well formed
   * @param ids       declared node and subgraph ids
   * @param edges     edges as {@code [from, to]} id pairs
   * @param subgraphs number of subgraphs
   */
  public record Result(List<String> problems, Set<String> ids, List<String[]> edges, int subgraphs) {}

  /** Checks one flowchart (the text between the Markdown fences). */
  public static Result check(String block) {
    List<String> problems = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    List<String[]> edges = new ArrayList<>();
    String[] lines = block.strip().split("\n");
    if (!lines[0].matches("flowchart (LR|TB|TD|RL|BT)")) {
      problems.add("first line is not a flowchart header: " + lines[0]);
    }
    int depth = 0;
    int subgraphs = 0;
    for (int i = 1; i < lines.length; i++) {
      String line = lines[i].strip();
      Matcher m;
      if (line.equals("end")) {
        depth--;
        if (depth < 0) {
          problems.add("line " + (i + 1) + ": 'end' without subgraph");
        }
      } else if ((m = SUBGRAPH.matcher(line)).matches()) {
        depth++;
        subgraphs++;
        if (!ids.add(m.group(1))) {
          problems.add("line " + (i + 1) + ": duplicate id " + m.group(1));
        }
      } else if ((m = NODE.matcher(line)).matches()) {
        if (!ids.add(m.group(1))) {
          problems.add("line " + (i + 1) + ": duplicate id " + m.group(1));
        }
      } else if ((m = EDGE.matcher(line)).matches()) {
        edges.add(new String[] {m.group(1), m.group(4)});
      } else {
        problems.add("line " + (i + 1) + ": not a node, subgraph, end or edge: " + line);
      }
    }
    if (depth != 0) {
      problems.add("unbalanced subgraphs: depth " + depth + " at the end");
    }
    for (String[] e : edges) {
      for (String id : e) {
        if (!ids.contains(id)) {
          problems.add("edge " + e[0] + " -> " + e[1] + " uses undeclared id " + id);
        }
      }
    }
    return new Result(problems, ids, edges, subgraphs);
  }

  /** The Mermaid blocks of a Markdown page, fences removed. */
  public static List<String> blocks(String markdown) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("```mermaid\n(.*?)```", Pattern.DOTALL).matcher(markdown);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  private MermaidLint() {}
}
