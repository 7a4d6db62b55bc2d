package dev.gantry.engine.api;

import dev.gantry.engine.sampling.SampledToken;
import java.util.ArrayList;
import java.util.List;

/** A whole request folded from its stream: every generated token, the full text, why it stopped. */
public record GenerationResult(
    String requestId,
    int[] tokenIds,
    String text,
    FinishReason finishReason,
    Object stopReason,
    Usage usage,
    List<SampledToken> logprobs) {
  public GenerationResult {
    tokenIds = tokenIds.clone();
    logprobs = List.copyOf(logprobs);
  }

  @Override
  public int[] tokenIds() {
    return tokenIds.clone();
  }

  static GenerationResult of(String requestId, List<RequestOutput> outputs) {
    int n = 0;
    for (RequestOutput o : outputs) {
      n += o.tokenIds().length;
    }
    int[] ids = new int[n];
    StringBuilder text = new StringBuilder();
    List<SampledToken> logprobs = new ArrayList<>();
    int k = 0;
    for (RequestOutput o : outputs) {
      int[] t = o.tokenIds();
      System.arraycopy(t, 0, ids, k, t.length);
      k += t.length;
      text.append(o.text());
      logprobs.addAll(o.logprobs());
    }
    RequestOutput last = outputs.get(outputs.size() - 1);
    return new GenerationResult(requestId, ids, text.toString(), last.finishReason(), last.stopReason(), last.usage(), logprobs);
  }
}
