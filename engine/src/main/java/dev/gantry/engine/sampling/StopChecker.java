package dev.gantry.engine.sampling;

import dev.gantry.engine.tokenizer.IncrementalDetokenizer;
import dev.gantry.engine.tokenizer.Tokenizer;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Per-request detokenization and stop detection; the engine's step loop calls
 * {@link #accept(int)} with each new token and streams the returned {@link Step#textDelta()}.
 *
 * <p>Guarantees: deltas never split a UTF-8 character; a stop string never reaches the client,
 * not even in part — text that could be the beginning of a stop string is held back until it is
 * clear either way, so "Hello ##" is emitted as "Hello " and "##" only once the next token shows
 * it is not "###"; the concatenated deltas equal the final output text. The text of EOS and stop
 * tokens is not emitted (as in vLLM, unless {@code include_stop_str_in_output}).
 *
 * <p>Checks per token, in order: EOS (unless ignore_eos), stop_token_ids, stop strings, then
 * max_tokens. Not thread-safe: one per request.
 */
public final class StopChecker {
  /** What one token produced: text to stream (maybe empty) and, on the last one, why it ended. */
  public record Step(String textDelta, StopReason stopReason) {
    public boolean finished() {
      return stopReason != null;
    }
  }

  private final SamplingParams params;
  private final IncrementalDetokenizer detokenizer;
  private final Set<Integer> eosTokenIds;
  private final Set<Integer> stopTokenIds;
  private final List<String> stops;
  private final int maxStopLength;
  private final StringBuilder held = new StringBuilder();
  private final StringBuilder output = new StringBuilder();
  private int numOutputTokens;
  private StopReason stopReason;

  /** Uses the tokenizer's EOS ids. */
  public StopChecker(SamplingParams params, Tokenizer tokenizer) {
    this(params, tokenizer, tokenizer.eosTokenIds());
  }

  /** With explicit EOS ids (e.g. the union of the model's and the tokenizer's). */
  public StopChecker(SamplingParams params, Tokenizer tokenizer, Collection<Integer> eosTokenIds) {
    this.params = params;
    this.detokenizer = tokenizer.newDetokenizer(params.skipSpecialTokens());
    this.eosTokenIds = Set.copyOf(new HashSet<>(eosTokenIds));
    this.stopTokenIds = Set.copyOf(new HashSet<>(params.stopTokenIds()));
    this.stops = params.stop();
    this.maxStopLength = stops.stream().mapToInt(String::length).max().orElse(0);
  }

  /** Feeds the next generated token. Throws once the request has stopped. */
  public Step accept(int tokenId) {
    if (stopReason != null) {
      throw new IllegalStateException("request already stopped (" + stopReason + "); token " + tokenId
          + " must not be fed");
    }
    numOutputTokens++;
    // As in vLLM: before min_tokens are out, nothing but max_tokens ends the request.
    boolean mayStop = numOutputTokens >= params.minTokens();
    if (mayStop && !params.ignoreEos() && eosTokenIds.contains(tokenId)) {
      return finishWith(new StopReason.Eos(tokenId), params.includeStopStrInOutput() ? tokenId : -1);
    }
    if (mayStop && stopTokenIds.contains(tokenId)) {
      return finishWith(new StopReason.StopToken(tokenId), params.includeStopStrInOutput() ? tokenId : -1);
    }
    String text = detokenizer.add(tokenId);
    StringBuilder delta = new StringBuilder();
    if (!text.isEmpty()) {
      int searchFrom = Math.max(0, held.length() - maxStopLength + 1);
      held.append(text);
      if (mayStop && !stops.isEmpty()) {
        int matchAt = -1;
        String matched = null;
        for (String stop : stops) {
          int at = held.indexOf(stop, searchFrom);
          if (at >= 0 && (matchAt < 0 || at < matchAt)) {
            matchAt = at;
            matched = stop;
          }
        }
        if (matched != null) {
          int end = params.includeStopStrInOutput() ? matchAt + matched.length() : matchAt;
          delta.append(held, 0, end);
          held.setLength(0);
          stopReason = new StopReason.StopString(matched);
          output.append(delta);
          return new Step(delta.toString(), stopReason);
        }
      }
      int keep = heldBackLength();
      delta.append(held, 0, held.length() - keep);
      held.delete(0, held.length() - keep);
    }
    if (numOutputTokens >= params.maxTokens()) {
      return finish(StopReason.LENGTH, delta);
    }
    output.append(delta);
    return new Step(delta.toString(), null);
  }

  /**
   * Ends the request for a reason decided outside (the model's context is full, abort): returns
   * the held-back text, which can no longer become a stop string.
   */
  public Step finish(StopReason reason) {
    if (stopReason != null) {
      throw new IllegalStateException("request already stopped (" + stopReason + ")");
    }
    return finish(reason, new StringBuilder());
  }

  private Step finishWith(StopReason reason, int emitTokenId) {
    StringBuilder delta = new StringBuilder();
    if (emitTokenId >= 0) {
      held.append(detokenizer.add(emitTokenId));
    }
    return finish(reason, delta);
  }

  private Step finish(StopReason reason, StringBuilder delta) {
    held.append(detokenizer.finish());
    delta.append(held);
    held.setLength(0);
    stopReason = reason;
    output.append(delta);
    return new Step(delta.toString(), reason);
  }

  /** Length of the longest suffix of the held text that is a proper prefix of a stop string. */
  private int heldBackLength() {
    int best = 0;
    int n = held.length();
    String tail = held.substring(Math.max(0, n - maxStopLength));
    int t = tail.length();
    for (String stop : stops) {
      for (int len = Math.min(stop.length() - 1, t); len > best; len--) {
        if (tail.regionMatches(t - len, stop, 0, len)) {
          best = len;
          break;
        }
      }
    }
    return best;
  }

  /** Tokens accepted so far (including a final EOS/stop token). */
  public int numOutputTokens() {
    return numOutputTokens;
  }

  /** The text emitted so far (the concatenation of all deltas). */
  public String outputText() {
    return output.toString();
  }

  /** Why the request stopped, or null while it runs. */
  public StopReason stopReason() {
    return stopReason;
  }
}
