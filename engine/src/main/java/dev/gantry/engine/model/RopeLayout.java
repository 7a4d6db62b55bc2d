package dev.gantry.engine.model;

/**
 * Which elements of a head RoPE rotates together, a property of how the Q/K projection
 * rows are ordered in the file.
 * <pre>
 *   HALF_SPLIT  (HF "rotate_half", GGUF qwen2 / NEOX): pairs (x[i], x[i + headDim/2])
 *   INTERLEAVED (GGUF llama: llama.cpp permutes Q/K rows): pairs (x[2i], x[2i + 1])
 * </pre>
 * Both give the same attention scores; only the layout of q and k inside a head differs.
 */
public enum RopeLayout {
  HALF_SPLIT,
  INTERLEAVED
}
