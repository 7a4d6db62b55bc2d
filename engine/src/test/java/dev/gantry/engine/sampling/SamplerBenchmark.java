package dev.gantry.engine.sampling;

import java.util.Arrays;
import java.util.Random;

/**
 * Cost of one {@link Sampler#sample} call over a Llama-3-sized vocabulary (128,256 logits)
 * per sampling mode (docs/PERFORMANCE.md, engine-text section). Not a test: run with
 * {@code ./mvnw -q -o -pl engine test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.gantry.engine.sampling.SamplerBenchmark}.
 *
 * <p>Baseline: a bare argmax loop over the same logits (the least any sampler must do).
 * Pitfalls avoided: chosen ids are summed and printed so the JIT keeps the work; logits are
 * re-randomized between rounds so branch predictors and caches do not learn one input;
 * warm-up before measuring; medians because the machine is shared.
 */
public final class SamplerBenchmark {
  private SamplerBenchmark() {}

  public static void main(String[] args) {
    int vocab = 128_256;
    float[][] inputs = new float[8][vocab];
    Random r = new Random(1);
    for (float[] x : inputs) {
      for (int i = 0; i < vocab; i++) {
        x[i] = (float) (r.nextGaussian() * 2.5);
      }
    }
    int[] prompt = new int[512];
    int[] output = new int[256];
    for (int i = 0; i < prompt.length; i++) {
      prompt[i] = r.nextInt(vocab);
    }
    for (int i = 0; i < output.length; i++) {
      output[i] = r.nextInt(vocab);
    }
    TokenHistory history = TokenHistory.of(prompt, output);
    run("baseline: bare argmax loop", null, inputs, history);
    run("greedy", SamplingParams.greedy(), inputs, history);
    run("temperature 0.8", SamplingParams.builder().temperature(0.8).seed(1L).build(), inputs, history);
    run("temperature + top_k 50", SamplingParams.builder().temperature(0.8).topK(50).seed(1L).build(), inputs, history);
    run("temperature + top_p 0.9", SamplingParams.builder().temperature(0.8).topP(0.9).seed(1L).build(), inputs, history);
    run("top_p 0.9 + min_p 0.05", SamplingParams.builder().temperature(0.8).topP(0.9).minP(0.05).seed(1L).build(),
        inputs, history);
    run("greedy + penalties (512+256 history)", SamplingParams.builder().temperature(0).repetitionPenalty(1.1)
        .presencePenalty(0.5).frequencyPenalty(0.5).build(), inputs, history);
    run("greedy + logprobs 5", SamplingParams.builder().temperature(0).logprobs(5).build(), inputs, history);
  }

  private static void run(String name, SamplingParams params, float[][] inputs, TokenHistory history) {
    Sampler sampler = params == null ? null : new Sampler(params);
    long checksum = 0;
    int calls = 200;
    long warmUntil = System.nanoTime() + 2_000_000_000L;
    int k = 0;
    while (System.nanoTime() < warmUntil) {
      checksum += once(sampler, inputs[k++ % inputs.length], history);
    }
    double[] perCallMicros = new double[7];
    for (int round = 0; round < perCallMicros.length; round++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < calls; i++) {
        checksum += once(sampler, inputs[k++ % inputs.length], history);
      }
      perCallMicros[round] = (System.nanoTime() - t0) / 1e3 / calls;
    }
    Arrays.sort(perCallMicros);
    System.out.printf("%-40s %9.1f us/token  (checksum %d)%n", name, perCallMicros[perCallMicros.length / 2], checksum);
  }

  private static int once(Sampler sampler, float[] logits, TokenHistory history) {
    return sampler == null ? Sampler.argmax(logits) : sampler.sample(logits, history).tokenId();
  }
}
