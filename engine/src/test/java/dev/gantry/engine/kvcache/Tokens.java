package dev.gantry.engine.kvcache;

import java.util.Arrays;

/** A mutable token sequence for kvcache tests. */
final class Tokens implements TokenSequence {
  private final String id;
  private int[] tokens;
  private final String salt;

  Tokens(String id, String salt, int... tokens) {
    this.id = id;
    this.salt = salt;
    this.tokens = tokens.clone();
  }

  static Tokens range(String id, int from, int count) {
    int[] t = new int[count];
    for (int i = 0; i < count; i++) {
      t[i] = from + i;
    }
    return new Tokens(id, null, t);
  }

  void append(int token) {
    tokens = Arrays.copyOf(tokens, tokens.length + 1);
    tokens[tokens.length - 1] = token;
  }

  @Override public String requestId() { return id; }
  @Override public int numTokens() { return tokens.length; }
  @Override public int tokenAt(int index) { return tokens[index]; }
  @Override public String cacheSalt() { return salt; }
}
