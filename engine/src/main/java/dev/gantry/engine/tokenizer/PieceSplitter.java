package dev.gantry.engine.tokenizer;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A pre-tokenizer split in HF "Isolated" mode: every match and every gap between matches
 * becomes a piece. {@link #of} returns a hand-written scanner for the three regexes real
 * tokenizers use (GPT-2, Llama 3, Qwen2), which is several times faster than
 * {@link java.util.regex} on them, and a regex-driven splitter for any other pattern. The
 * scanners implement the regex alternatives in order with the same backtracking outcome;
 * PieceSplitterTest checks them against the regexes on random text.
 */
sealed interface PieceSplitter {
  void split(String text, List<String> out);

  static PieceSplitter of(String regex) {
    if (regex.equals(HfTokenizerLoader.GPT2_PATTERN)) {
      return new Scanner(Style.GPT2);
    }
    if (regex.equals(GgufTokenizerLoader.LLAMA3_PATTERN)) {
      return new Scanner(Style.LLAMA3);
    }
    if (regex.equals(GgufTokenizerLoader.QWEN2_PATTERN)) {
      return new Scanner(Style.QWEN2);
    }
    // HF tokenizers (Oniguruma) treat \s, \w and case folding as Unicode-aware.
    return new RegexSplitter(Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS));
  }

  record RegexSplitter(Pattern pattern) implements PieceSplitter {
    @Override
    public void split(String text, List<String> out) {
      Matcher m = pattern.matcher(text);
      int last = 0;
      while (m.find()) {
        if (m.start() > last) {
          out.add(text.substring(last, m.start()));
        }
        if (m.end() > m.start()) {
          out.add(m.group());
        }
        last = m.end();
      }
      if (last < text.length()) {
        out.add(text.substring(last));
      }
    }
  }

  enum Style { GPT2, LLAMA3, QWEN2 }

  /** The published patterns, alternative by alternative; every position matches something. */
  record Scanner(Style style) implements PieceSplitter {
    @Override
    public void split(String s, List<String> out) {
      int n = s.length();
      int i = 0;
      while (i < n) {
        int end = style == Style.GPT2 ? matchGpt2(s, i, n) : matchLlama3(s, i, n, style == Style.LLAMA3 ? 3 : 1);
        assert end > i;
        out.add(s.substring(i, end));
        i = end;
      }
    }

    /** (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,max}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+ */
    private static int matchLlama3(String s, int i, int n, int maxDigits) {
      int c = s.codePointAt(i);
      int next = i + Character.charCount(c);
      if (c == '\'') {
        int e = contraction(s, next, n, true);
        if (e > 0) {
          return e;
        }
      }
      if (isLetter(c)) {
        return letters(s, next, n);
      }
      if (c != '\r' && c != '\n' && !isNumber(c) && next < n && isLetter(s.codePointAt(next))) {
        return letters(s, next, n);
      }
      if (isNumber(c)) {
        int e = next;
        for (int k = 1; k < maxDigits && e < n && isNumber(s.codePointAt(e)); k++) {
          e += Character.charCount(s.codePointAt(e));
        }
        return e;
      }
      int e = others(s, i, n, true);
      if (e > 0) {
        while (e < n && (s.charAt(e) == '\r' || s.charAt(e) == '\n')) {
          e++;
        }
        return e;
      }
      // c is whitespace here.
      int j = whitespaceEnd(s, i, n);
      for (int k = j - 1; k >= i; k--) {
        if (s.charAt(k) == '\r' || s.charAt(k) == '\n') {
          return k + 1; // \s*[\r\n]+ backtracks to end at the run's last line break
        }
      }
      return trailingWhitespace(s, i, j, n);
    }

    /** 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ */
    private static int matchGpt2(String s, int i, int n) {
      int c = s.codePointAt(i);
      int next = i + Character.charCount(c);
      if (c == '\'') {
        int e = contraction(s, next, n, false);
        if (e > 0) {
          return e;
        }
      }
      int start = i;
      int first = c;
      if (c == ' ' && next < n) {
        first = s.codePointAt(next);
        start = next;
      }
      if (isLetter(first)) {
        return letters(s, start, n);
      }
      if (isNumber(first)) {
        int e = start;
        while (e < n && isNumber(s.codePointAt(e))) {
          e += Character.charCount(s.codePointAt(e));
        }
        return e;
      }
      int e = others(s, i, n, true);
      if (e > 0) {
        return e;
      }
      return trailingWhitespace(s, i, whitespaceEnd(s, i, n), n);
    }

    /** After an apostrophe at from-1: end of a contraction, or -1. */
    private static int contraction(String s, int from, int n, boolean ignoreCase) {
      if (from >= n) {
        return -1;
      }
      char a = s.charAt(from);
      if (from + 1 < n) {
        char b = s.charAt(from + 1);
        if ((eq(a, 'r', ignoreCase) && eq(b, 'e', ignoreCase)) || (eq(a, 'v', ignoreCase) && eq(b, 'e', ignoreCase))
            || (eq(a, 'l', ignoreCase) && eq(b, 'l', ignoreCase))) {
          // 's and 't are tried first in the regex but cannot start 're/'ve/'ll.
          return from + 2;
        }
      }
      if (eq(a, 's', ignoreCase) || eq(a, 't', ignoreCase) || eq(a, 'm', ignoreCase) || eq(a, 'd', ignoreCase)) {
        return from + 1;
      }
      return -1;
    }

    /** Case-insensitive match as java.util.regex does it with UNICODE_CASE. */
    private static boolean eq(char c, char lower, boolean ignoreCase) {
      if (c == lower) {
        return true;
      }
      if (!ignoreCase) {
        return false;
      }
      return Character.toLowerCase(c) == lower || Character.toLowerCase(Character.toUpperCase(c)) == lower;
    }

    private static int letters(String s, int from, int n) {
      int e = from;
      while (e < n) {
        int c = s.codePointAt(e);
        if (!isLetter(c)) {
          break;
        }
        e += Character.charCount(c);
      }
      return e;
    }

    /** " ?[^\s\p{L}\p{N}]+" from i: its end, or -1. */
    private static int others(String s, int i, int n, boolean optionalSpace) {
      int e = i;
      if (optionalSpace && s.charAt(i) == ' ' && i + 1 < n && isOther(s.codePointAt(i + 1))) {
        e = i + 1;
      }
      int start = e;
      while (e < n) {
        int c = s.codePointAt(e);
        if (!isOther(c)) {
          break;
        }
        e += Character.charCount(c);
      }
      return e > start ? e : -1;
    }

    private static int whitespaceEnd(String s, int i, int n) {
      int j = i;
      while (j < n && isWhitespace(s.codePointAt(j))) {
        j += Character.charCount(s.codePointAt(j));
      }
      return j;
    }

    /** \s+(?!\S)|\s+ over the whitespace run [i, j): leave the last space to the next word. */
    private static int trailingWhitespace(String s, int i, int j, int n) {
      if (j == n) {
        return j;
      }
      int last = s.offsetByCodePoints(j, -1);
      return last > i ? last : j;
    }

    private static boolean isOther(int c) {
      return !isWhitespace(c) && !isLetter(c) && !isNumber(c);
    }

    static boolean isLetter(int c) {
      return c < 128 ? (c | 0x20) >= 'a' && (c | 0x20) <= 'z' : Character.isLetter(c);
    }

    static boolean isNumber(int c) {
      if (c < 128) {
        return c >= '0' && c <= '9';
      }
      int t = Character.getType(c);
      return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER;
    }

    /** java.util.regex's \s under UNICODE_CHARACTER_CLASS: the White_Space property. */
    static boolean isWhitespace(int c) {
      if (c < 128) {
        return c == ' ' || (c >= 0x9 && c <= 0xD);
      }
      if (c == 0x85) {
        return true;
      }
      int t = Character.getType(c);
      return t == Character.SPACE_SEPARATOR || t == Character.LINE_SEPARATOR || t == Character.PARAGRAPH_SEPARATOR;
    }
  }
}
