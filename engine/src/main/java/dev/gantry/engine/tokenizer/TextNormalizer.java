package dev.gantry.engine.tokenizer;

import java.text.Normalizer;
import java.util.List;

/**
 * The normalizers of tokenizer.json that Llama-family tokenizers use: Unicode normal forms
 * (Qwen2 uses NFC) and SentencePiece's Prepend/Replace pair (Llama 2, Mistral). Anything else
 * fails at load with the type named.
 */
sealed interface TextNormalizer {
  /** Normalizes one stretch of text between added tokens; {@code first} when it starts the input. */
  String apply(String text, boolean first);

  TextNormalizer IDENTITY = new Unicode(null);

  record Unicode(Normalizer.Form form) implements TextNormalizer {
    @Override
    public String apply(String text, boolean first) {
      return form == null || Normalizer.isNormalized(text, form) ? text : Normalizer.normalize(text, form);
    }
  }

  /** Prepends to every stretch (legacy Llama 2 normalizer) or, {@code firstOnly}, to the input's start. */
  record Prepend(String prefix, boolean firstOnly) implements TextNormalizer {
    @Override
    public String apply(String text, boolean first) {
      return text.isEmpty() || (firstOnly && !first) ? text : prefix + text;
    }
  }

  record Replace(String target, String replacement) implements TextNormalizer {
    @Override
    public String apply(String text, boolean first) {
      return text.replace(target, replacement);
    }
  }

  record Sequence(List<TextNormalizer> steps) implements TextNormalizer {
    public Sequence {
      steps = List.copyOf(steps);
    }

    @Override
    public String apply(String text, boolean first) {
      for (TextNormalizer step : steps) {
        text = step.apply(text, first);
      }
      return text;
    }
  }
}
