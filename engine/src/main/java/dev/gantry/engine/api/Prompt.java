package dev.gantry.engine.api;

/**
 * What to complete: text (tokenized by the engine's tokenizer, special tokens such as BOS added)
 * or token ids used as they are (e.g. a chat template already rendered and encoded).
 */
public sealed interface Prompt permits Prompt.Text, Prompt.Tokens {
  static Prompt text(String text) {
    return new Text(text);
  }

  static Prompt tokens(int... tokenIds) {
    return new Tokens(tokenIds);
  }

  record Text(String text) implements Prompt {
    public Text {
      if (text == null || text.isEmpty()) {
        throw new IllegalArgumentException("prompt must not be empty");
      }
    }
  }

  record Tokens(int[] tokenIds) implements Prompt {
    public Tokens {
      if (tokenIds == null || tokenIds.length == 0) {
        throw new IllegalArgumentException("prompt token ids must not be empty");
      }
      tokenIds = tokenIds.clone();
    }

    @Override
    public int[] tokenIds() {
      return tokenIds.clone();
    }
  }
}
