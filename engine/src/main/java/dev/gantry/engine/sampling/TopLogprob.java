package dev.gantry.engine.sampling;

/** One entry of a top-N logprobs list: a candidate token and its log-probability. */
public record TopLogprob(int tokenId, float logprob) {}
