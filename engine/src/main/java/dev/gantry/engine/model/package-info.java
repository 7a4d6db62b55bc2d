/**
 * Model loading: {@link dev.gantry.engine.model.ModelLoader#load} reads a Hugging Face
 * directory (config.json + *.safetensors, sharded or not) or a GGUF v3 file into a
 * {@link dev.gantry.engine.model.LoadedModel}: a validated
 * {@link dev.gantry.engine.model.ModelConfig} and memory-mapped
 * {@link dev.gantry.engine.model.WeightTensor}s kept in their stored type (F32, F16, BF16,
 * Q8_0, Q4_0). Every problem is a {@link dev.gantry.engine.model.ModelLoadException} that
 * names the file.
 */
package dev.gantry.engine.model;
