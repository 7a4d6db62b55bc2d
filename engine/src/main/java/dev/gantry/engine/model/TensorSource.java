package dev.gantry.engine.model;

import java.nio.file.Path;

/** Tensors of one model by their file-native names (HF or GGUF), with the file each lives in. */
interface TensorSource {
  /** The tensor, or null when the model has none of that name. */
  WeightTensor tensor(String name);

  /** The file a tensor lives in, or the file that should have listed it when it is missing. */
  Path fileOf(String name);
}
