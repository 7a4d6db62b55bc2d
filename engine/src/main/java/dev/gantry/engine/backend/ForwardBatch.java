package dev.gantry.engine.backend;

import java.util.List;

/**
 * The work of one engine step: a chunk of tokens for each scheduled sequence. Decodes
 * are chunks of one token; prefills (possibly split over several steps) are longer chunks.
 * All tokens of all chunks are computed together so each weight is read once per step.
 */
public record ForwardBatch(List<SequenceChunk> sequences) {
  public ForwardBatch {
    if (sequences == null || sequences.isEmpty()) {
      throw new IllegalArgumentException("a forward batch needs at least one sequence");
    }
    sequences = List.copyOf(sequences);
  }

  public static ForwardBatch of(SequenceChunk... sequences) {
    return new ForwardBatch(List.of(sequences));
  }

  /** Tokens in the step, summed over sequences. */
  public int numTokens() {
    int n = 0;
    for (SequenceChunk s : sequences) {
      n += s.tokenIds().length;
    }
    return n;
  }
}
