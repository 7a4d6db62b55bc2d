package dev.gantry.stacks.cli;

import java.util.List;

/** Draws rows as a box table; the first row is the header. */
final class Table {
  private Table() {}

  static String draw(List<String[]> rows) {
    int columns = rows.get(0).length;
    int[] width = new int[columns];
    for (String[] row : rows) {
      for (int c = 0; c < columns; c++) {
        width[c] = Math.max(width[c], row[c].length());
      }
    }
    StringBuilder out = new StringBuilder();
    out.append(rule('┌', '┬', '┐', width));
    for (int r = 0; r < rows.size(); r++) {
      out.append('│');
      for (int c = 0; c < columns; c++) {
        String cell = rows.get(r)[c];
        out.append(' ').append(cell).append(" ".repeat(width[c] - cell.length())).append(" │");
      }
      out.append('\n');
      if (r == 0) {
        out.append(rule('├', '┼', '┤', width));
      }
    }
    out.append(rule('└', '┴', '┘', width));
    return out.toString();
  }

  private static String rule(char left, char mid, char right, int[] width) {
    StringBuilder line = new StringBuilder().append(left);
    for (int c = 0; c < width.length; c++) {
      line.append("─".repeat(width[c] + 2)).append(c == width.length - 1 ? right : mid);
    }
    return line.append('\n').toString();
  }
}
