package dev.gantry.engine.tokenizer;

/**
 * An entry of tokenizer.json's {@code added_tokens}: matched verbatim in the input before
 * normalization and pre-tokenization, so "<|eot_id|>" in a prompt becomes one token.
 * {@code lstrip}/{@code rstrip} absorb whitespace on that side into the token.
 */
record AddedToken(int id, String content, boolean special, boolean lstrip, boolean rstrip) {
  AddedToken {
    if (content.isEmpty()) {
      throw new IllegalArgumentException("added token " + id + " has empty content");
    }
  }
}
