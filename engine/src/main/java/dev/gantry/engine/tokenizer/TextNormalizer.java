package dev.gantry.engine.tokenizer;

import java.text.Normalizer;
import java.util.List;

/**
 * The normalizers of tokenizer.json that Llama-family tokenizers use: Unicode normal forms
 * (Qwen2 uses NFC) and SentencePiece's Prepend/Replace pair (Llama 2, Mistral). Anything else
 * fails at load with the type named.
 */
sealed interface TextNormalizer {
  String apply(String text);

  TextNormalizer IDENTITY = new Unicode(null);

  record Unicode(Normalizer.Form form) implements TextNormalizer {
    @Override
    public String apply(String text) {
      return form == null || Normalizer.isNormalized(text, form) ? text : Normalizer.normalize(text, form);
    }
  }

  record Prepend(String prefix) implements TextNormalizer {
    @Override
    public String apply(String text) {
      return text.isEmpty() ? text : prefix + text;
    }
  }

  record Replace(String target, String replacement) implements TextNormalizer {
    @Override
    public String apply(String text) {
      return text.replace(target, replacement);
    }
  }

  record Sequence(List<TextNormalizer> steps) implements TextNormalizer {
    public Sequence {
      steps = List.copyOf(steps);
    }

    @Override
    public String apply(String text) {
      for (TextNormalizer step : steps) {
        text = step.apply(text);
      }
      return text;
    }
  }
}
