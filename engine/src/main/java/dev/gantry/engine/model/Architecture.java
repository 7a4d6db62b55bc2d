package dev.gantry.engine.model;

import java.util.Arrays;
import java.util.Locale;

/**
 * The decoder-only architectures the engine runs. All three share the Llama block
 * (RMSNorm, RoPE, grouped-query attention, SwiGLU MLP); they differ in details the loader
 * resolves: Qwen2 adds q/k/v biases and often ties the embeddings, Mistral may declare a
 * sliding window.
 */
public enum Architecture {
  LLAMA("LlamaForCausalLM", "llama"),
  QWEN2("Qwen2ForCausalLM", "qwen2"),
  MISTRAL("MistralForCausalLM", "mistral");

  private final String hfClass;
  private final String modelType;

  Architecture(String hfClass, String modelType) {
    this.hfClass = hfClass;
    this.modelType = modelType;
  }

  /** The Hugging Face {@code architectures[0]} value, e.g. {@code LlamaForCausalLM}. */
  public String hfClass() {
    return hfClass;
  }

  /** The Hugging Face {@code model_type} and GGUF {@code general.architecture} value. */
  public String modelType() {
    return modelType;
  }

  /** Resolves an HF architectures entry or model_type / GGUF architecture name, or throws naming the supported ones. */
  public static Architecture fromName(String name) {
    for (Architecture a : values()) {
      if (a.hfClass.equals(name) || a.modelType.equals(name.toLowerCase(Locale.ROOT))) {
        return a;
      }
    }
    throw new IllegalArgumentException("unsupported architecture '" + name + "'; supported: "
        + Arrays.stream(values()).map(a -> a.hfClass + " (" + a.modelType + ")").toList());
  }
}
