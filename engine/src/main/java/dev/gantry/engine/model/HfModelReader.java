package dev.gantry.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/** Reads a Hugging Face model directory: config.json and one or many safetensors files. */
final class HfModelReader {
  static final String INDEX = "model.safetensors.index.json";

  private final ObjectMapper json = new ObjectMapper();
  private final Path dir;

  HfModelReader(Path dir) {
    this.dir = dir;
  }

  LoadedModel load() {
    ModelConfig config = parseConfig(dir.resolve("config.json"), readJson(dir.resolve("config.json")));
    Map<String, WeightTensor> tensors = new HashMap<>();
    Map<String, Path> fileOf = new HashMap<>();
    for (Path file : safetensorsFiles()) {
      for (Map.Entry<String, WeightTensor> e : SafetensorsFile.read(file, json).entrySet()) {
        tensors.put(e.getKey(), e.getValue());
        fileOf.put(e.getKey(), file);
      }
    }
    Path fallback = Files.exists(dir.resolve(INDEX)) ? dir.resolve(INDEX) : dir;
    TensorSource source = new TensorSource() {
      @Override
      public WeightTensor tensor(String name) {
        return tensors.get(name);
      }

      @Override
      public Path fileOf(String name) {
        return fileOf.getOrDefault(name, fallback);
      }
    };
    ModelWeights weights = new WeightsAssembler(source, config)
        .assemble(WeightsAssembler.Naming.HF, config.ropeInverseFrequencies(), RopeLayout.HALF_SPLIT);
    return new LoadedModel(config, weights, dir, Map.of());
  }

  /** The shards named by the index when there is one, else model.safetensors, else every *.safetensors. */
  private List<Path> safetensorsFiles() {
    Path index = dir.resolve(INDEX);
    if (Files.exists(index)) {
      JsonNode map = readJson(index).path("weight_map");
      if (!map.isObject() || map.isEmpty()) {
        throw new ModelLoadException(index, "no \"weight_map\" object naming the shard of each tensor");
      }
      Set<Path> shards = new LinkedHashSet<>();
      for (Iterator<JsonNode> it = map.elements(); it.hasNext(); ) {
        Path shard = dir.resolve(it.next().asText());
        if (!Files.isRegularFile(shard)) {
          throw new ModelLoadException(index, "names shard '" + shard.getFileName() + "' which does not exist in " + dir);
        }
        shards.add(shard);
      }
      return new ArrayList<>(shards);
    }
    Path single = dir.resolve("model.safetensors");
    if (Files.exists(single)) {
      return List.of(single);
    }
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> all = files.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
      if (all.isEmpty()) {
        throw new ModelLoadException(dir, "no *.safetensors weights found (expected model.safetensors or "
            + INDEX + " with its shards)");
      }
      return all;
    } catch (IOException e) {
      throw new ModelLoadException(dir, "cannot list directory: " + e.getMessage(), e);
    }
  }

  private JsonNode readJson(Path file) {
    try {
      return json.readTree(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      throw new ModelLoadException(file, "file not found; a Hugging Face model directory needs config.json and *.safetensors");
    } catch (IOException e) {
      throw new ModelLoadException(file, "not valid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
    }
  }

  static ModelConfig parseConfig(Path file, JsonNode c) {
    String archName = c.path("architectures").path(0).asText(c.path("model_type").asText(""));
    Architecture arch;
    try {
      arch = Architecture.fromName(archName);
    } catch (IllegalArgumentException e) {
      throw new ModelLoadException(file, e.getMessage());
    }
    try {
      int hidden = requiredInt(file, c, "hidden_size");
      int heads = requiredInt(file, c, "num_attention_heads");
      int maxPos = c.path("max_position_embeddings").asInt(4096);
      // Sliding-window attention is not implemented; capping the context at the window keeps
      // every computed token exact (see docs/DECISIONS.md).
      boolean slidingUsed = arch == Architecture.MISTRAL || c.path("use_sliding_window").asBoolean(false);
      if (slidingUsed && c.path("sliding_window").isInt() && c.path("sliding_window").asInt() < maxPos) {
        maxPos = c.path("sliding_window").asInt();
      }
      return new ModelConfig(
          arch,
          requiredInt(file, c, "vocab_size"),
          hidden,
          requiredInt(file, c, "intermediate_size"),
          requiredInt(file, c, "num_hidden_layers"),
          heads,
          c.path("num_key_value_heads").asInt(heads),
          c.hasNonNull("head_dim") ? c.get("head_dim").asInt() : hidden / heads,
          c.path("rms_norm_eps").asDouble(1e-6),
          c.path("rope_theta").asDouble(10000),
          ropeScaling(file, c.path("rope_scaling")),
          maxPos,
          c.path("tie_word_embeddings").asBoolean(false),
          arch == Architecture.QWEN2 || c.path("attention_bias").asBoolean(false),
          c.path("bos_token_id").isInt() ? c.get("bos_token_id").asInt() : -1,
          eosIds(c.path("eos_token_id")));
    } catch (IllegalArgumentException e) {
      throw new ModelLoadException(file, e.getMessage(), e);
    }
  }

  private static RopeScaling ropeScaling(Path file, JsonNode s) {
    if (s.isMissingNode() || s.isNull()) {
      return null;
    }
    String type = s.path("rope_type").asText(s.path("type").asText(""));
    if (!type.equals("llama3")) {
      throw new ModelLoadException(file, "rope_scaling type '" + type
          + "' is not supported; supported: llama3 (Llama 3.1) or no rope_scaling");
    }
    return new RopeScaling(s.path("factor").asDouble(8), s.path("low_freq_factor").asDouble(1),
        s.path("high_freq_factor").asDouble(4), s.path("original_max_position_embeddings").asInt(8192));
  }

  private static List<Integer> eosIds(JsonNode eos) {
    List<Integer> ids = new ArrayList<>();
    if (eos.isInt()) {
      ids.add(eos.asInt());
    } else if (eos.isArray()) {
      eos.forEach(n -> ids.add(n.asInt()));
    }
    return ids;
  }

  private static int requiredInt(Path file, JsonNode c, String field) {
    JsonNode n = c.path(field);
    if (!n.isInt()) {
      throw new ModelLoadException(file, "missing or non-integer \"" + field + "\"");
    }
    return n.asInt();
  }
}
