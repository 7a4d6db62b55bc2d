package dev.gantry.engine.tokenizer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Encode throughput of {@link Tokenizer} (docs/PERFORMANCE.md, engine-text section). Not a
 * test: run with
 * {@code ./mvnw -q -o -pl engine test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.gantry.engine.tokenizer.TokenizerBenchmark}.
 *
 * <p>Baseline: the textbook BPE loop (rescan all pairs for the lowest rank after every merge,
 * O(n^2) per word, no cache) on the same pre-tokenized pieces. Pitfalls avoided: results are
 * consumed (checksum printed) so the JIT cannot drop the work; warm-up rounds run before the
 * measured ones; the cold-cache case builds a fresh Tokenizer per round so the piece cache starts
 * empty; medians of several rounds, since this 2-core machine is shared and noisy.
 */
public final class TokenizerBenchmark {
  private TokenizerBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("tokbench");
    // Merges learned from 200k chars of the same kind of text as the workload (different seed).
    ObjectNode json = TokenizerFixtures.buildByteLevel(new TokenizerFixtures.Options(TokenizerFixtures.LLAMA3_REGEX,
        false, List.of("<|begin_of_text|>", "<|eot_id|>"), "<|begin_of_text|>", 3000, true), syntheticText(200_000, 99));
    TokenizerFixtures.write(dir, json, null);
    Tokenizer tokenizer = Tokenizer.fromHfDirectory(dir);
    Tokenizer.Spec spec = HfTokenizerLoader.parse(json, "bench", null, "bench", null);
    String text = syntheticText(1 << 20, 1);
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    System.out.printf("tokenizer: %s; text: %d chars, %d UTF-8 bytes%n", tokenizer, text.length(), utf8.length);

    long tokens = tokenizer.encode(text, false).length;
    report("encode, warm piece cache", utf8.length, tokens, () -> tokenizer.encode(text, false).length);
    report("encode, cold piece cache", utf8.length, tokens,
        () -> Tokenizer.fromHfDirectory(dir).encode(text, false).length);
    List<String> pieces = tokenizer.preTokenize(text);
    report("pre-tokenize: hand-written scanner", utf8.length, tokens, () -> tokenizer.preTokenize(text).size());
    PieceSplitter regex = new PieceSplitter.RegexSplitter(
        java.util.regex.Pattern.compile(TokenizerFixtures.LLAMA3_REGEX, java.util.regex.Pattern.UNICODE_CHARACTER_CLASS));
    report("baseline: pre-tokenize with java.util.regex", utf8.length, tokens, () -> {
      List<String> out = new ArrayList<>();
      regex.split(text, out);
      return out.size();
    });
    report("baseline: textbook O(n^2) BPE, no cache", utf8.length, tokens, () -> {
      long n = 0;
      for (String p : pieces) {
        n += TokenizerFixtures.naiveBpe(initial(tokenizer, p), spec.merges()).length;
      }
      return n;
    });

    // One 20,000-letter "word": the regex keeps it whole, so per-word merge cost dominates.
    String word = longWord(20_000, 2);
    int[] symbols = initial(tokenizer, word);
    long wordTokens = spec.merges().merge(symbols).length;
    report("one 20k-byte word: heap merge", word.length(), wordTokens, () -> spec.merges().merge(symbols).length);
    report("one 20k-byte word: textbook loop", word.length(), wordTokens,
        () -> TokenizerFixtures.naiveBpe(symbols, spec.merges()).length);
  }

  private static int[] initial(Tokenizer t, String piece) {
    byte[] b = piece.getBytes(StandardCharsets.UTF_8);
    int[] s = new int[b.length];
    for (int i = 0; i < b.length; i++) {
      s[i] = TokenizerFixtures.byteToken(t, b[i]);
    }
    return s;
  }

  interface Work {
    long run() throws Exception;
  }

  private static void report(String name, long bytes, long tokens, Work work) throws Exception {
    long checksum = 0;
    long warmUntil = System.nanoTime() + 3_000_000_000L;
    while (System.nanoTime() < warmUntil) {
      checksum += work.run();
    }
    double[] seconds = new double[7];
    for (int i = 0; i < seconds.length; i++) {
      long t0 = System.nanoTime();
      checksum += work.run();
      seconds[i] = (System.nanoTime() - t0) / 1e9;
    }
    Arrays.sort(seconds);
    double median = seconds[seconds.length / 2];
    System.out.printf("%-42s %8.2f MB/s %12.0f tokens/s  (median %.1f ms, checksum %d)%n", name,
        bytes / median / 1e6, tokens / median, median * 1e3, checksum);
  }

  /** English-like text from the fixture corpus' words, numbers, punctuation and some non-ASCII. */
  static String syntheticText(int chars, long seed) {
    Random r = new Random(seed);
    List<String> words = new ArrayList<>(Arrays.asList(TokenizerFixtures.CORPUS.split("\\s+")));
    StringBuilder sb = new StringBuilder(chars + 64);
    while (sb.length() < chars) {
      int k = r.nextInt(100);
      if (k < 80) {
        sb.append(words.get(r.nextInt(words.size())));
      } else if (k < 88) {
        sb.append(r.nextInt(100_000));
      } else if (k < 94) {
        sb.append(Character.toChars(0x4E00 + r.nextInt(500)));
      } else {
        sb.append(new String[] {",", ".", "!", "?", "\n", "  ", "😀"}[r.nextInt(7)]);
      }
      sb.append(' ');
    }
    return sb.toString();
  }

  private static String longWord(int n, long seed) {
    Random r = new Random(seed);
    StringBuilder sb = new StringBuilder(n);
    String letters = "etaoinshrdlu";
    for (int i = 0; i < n; i++) {
      sb.append(letters.charAt(r.nextInt(letters.length())));
    }
    return sb.toString();
  }
}
