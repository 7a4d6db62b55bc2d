package dev.gantry.engine.tokenizer;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites the few Jinja2 constructs of published chat templates that jinjava parses
 * differently, inside {@code {% %}} and {@code {{ }}} tags only and never inside string
 * literals, so template text is never touched.
 *
 * <ul>
 *   <li>{@code not x is defined}: Jinja2 binds tests tighter than {@code not}
 *       ({@code not (x is defined)}); jinjava reads {@code (not x) is defined}, which is always
 *       true. Llama 3.1's template relies on the Jinja2 reading for {@code date_string} and
 *       {@code tools}. Rewritten to {@code not (x is defined)}.
 *   <li>Python string methods: jinjava calls Java methods on strings, so {@code .strip()}
 *       already works; {@code startswith/endswith/lstrip()/rstrip()/upper()/lower()} are renamed
 *       to their Java equivalents ({@code startsWith}, {@code stripLeading}, ...).
 * </ul>
 */
final class JinjaCompat {
  private static final Pattern NOT_IS = Pattern.compile(
      "\\bnot\\s+([A-Za-z_]\\w*(?:\\.[A-Za-z_]\\w*|\\[[^\\]\\[]*\\])*)\\s+is\\s+(not\\s+)?([A-Za-z_]\\w*)");

  private static final String[][] METHODS = {
      {".startswith(", ".startsWith("}, {".endswith(", ".endsWith("}, {".lstrip()", ".stripLeading()"},
      {".rstrip()", ".stripTrailing()"}, {".upper()", ".toUpperCase()"}, {".lower()", ".toLowerCase()"}};

  private JinjaCompat() {}

  static String rewrite(String template) {
    StringBuilder out = new StringBuilder(template.length() + 16);
    int i = 0;
    while (i < template.length()) {
      int open = nextTagOpen(template, i);
      if (open < 0) {
        out.append(template, i, template.length());
        break;
      }
      out.append(template, i, open + 2);
      String close = template.charAt(open + 1) == '%' ? "%}" : "}}";
      int end = tagEnd(template, open + 2, close);
      out.append(rewriteCode(template.substring(open + 2, end)));
      i = end;
    }
    return out.toString();
  }

  private static int nextTagOpen(String s, int from) {
    int a = s.indexOf("{%", from);
    int b = s.indexOf("{{", from);
    int c = s.indexOf("{#", from);
    int open = min(a, b);
    if (c >= 0 && (open < 0 || c < open)) {
      int commentEnd = s.indexOf("#}", c + 2);
      return commentEnd < 0 ? -1 : nextTagOpenAfterComment(s, commentEnd + 2, open);
    }
    return open;
  }

  private static int nextTagOpenAfterComment(String s, int after, int candidate) {
    return candidate >= 0 && candidate >= after ? candidate : nextTagOpen(s, after);
  }

  private static int min(int a, int b) {
    return a < 0 ? b : b < 0 ? a : Math.min(a, b);
  }

  /** Index of the closing delimiter, skipping string literals; the template's length if none. */
  private static int tagEnd(String s, int from, String close) {
    char quote = 0;
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quote != 0) {
        if (c == '\\') {
          i++;
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (s.startsWith(close, i)) {
        return i;
      }
    }
    return s.length();
  }

  /** Applies the rewrites to the code between string literals of one tag. */
  private static String rewriteCode(String code) {
    StringBuilder out = new StringBuilder(code.length() + 8);
    StringBuilder segment = new StringBuilder();
    char quote = 0;
    for (int i = 0; i < code.length(); i++) {
      char c = code.charAt(i);
      if (quote == 0 && (c == '\'' || c == '"')) {
        out.append(rewriteSegment(segment.toString()));
        segment.setLength(0);
        quote = c;
        out.append(c);
      } else if (quote != 0) {
        out.append(c);
        if (c == '\\' && i + 1 < code.length()) {
          out.append(code.charAt(++i));
        } else if (c == quote) {
          quote = 0;
        }
      } else {
        segment.append(c);
      }
    }
    out.append(rewriteSegment(segment.toString()));
    return out.toString();
  }

  private static String rewriteSegment(String code) {
    for (String[] m : METHODS) {
      code = code.replace(m[0], m[1]);
    }
    Matcher m = NOT_IS.matcher(code);
    return m.replaceAll(r -> Matcher.quoteReplacement(
        "not (" + r.group(1) + " is " + (r.group(2) == null ? "" : "not ") + r.group(3) + ")"));
  }
}
