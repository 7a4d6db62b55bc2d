package dev.gantry.engine.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds added tokens in text, leftmost first and longest among those starting at the same
 * place (what HF tokenizers' Aho-Corasick matcher does). Candidates are indexed by their first
 * char, so scanning costs one map probe per char of input (added tokens rarely share a first
 * char with ordinary text beyond '<').
 */
final class AddedTokenMatcher {
  /** A found token; ordinary text before it ends at {@code segmentEnd}, scanning resumes at {@code end}. */
  record Match(AddedToken token, int segmentEnd, int end) {}

  private final Map<Character, AddedToken[]> byFirstChar = new HashMap<>();

  AddedTokenMatcher(List<AddedToken> tokens) {
    Map<Character, List<AddedToken>> groups = new HashMap<>();
    for (AddedToken t : tokens) {
      groups.computeIfAbsent(t.content().charAt(0), c -> new ArrayList<>()).add(t);
    }
    groups.forEach((c, list) -> {
      list.sort(Comparator.comparingInt((AddedToken t) -> t.content().length()).reversed());
      byFirstChar.put(c, list.toArray(AddedToken[]::new));
    });
  }

  Match find(String text, int from) {
    if (byFirstChar.isEmpty()) {
      return null;
    }
    for (int i = from; i < text.length(); i++) {
      AddedToken[] candidates = byFirstChar.get(text.charAt(i));
      if (candidates == null) {
        continue;
      }
      for (AddedToken t : candidates) {
        if (text.startsWith(t.content(), i)) {
          int segmentEnd = i;
          if (t.lstrip()) {
            while (segmentEnd > from && Character.isWhitespace(text.charAt(segmentEnd - 1))) {
              segmentEnd--;
            }
          }
          int end = i + t.content().length();
          if (t.rstrip()) {
            while (end < text.length() && Character.isWhitespace(text.charAt(end))) {
              end++;
            }
          }
          return new Match(t, segmentEnd, end);
        }
      }
    }
    return null;
  }
}
