package dev.gantry.stacks.program;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.GraphJson;
import dev.gantry.policies.graph.ServingSpec;
import dev.gantry.stacks.config.ModelConfig;
import dev.gantry.stacks.config.StackConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps a resolved {@link StackConfig} to the {@link ServingSpec} the program exports as the
 * stack output {@code servingSpec}, and that spec to plain maps and lists Pulumi can
 * serialize as an output.
 */
public final class ServingSpecs {
  /**
   * The serving facts of a stack.
   *
   * @param masterKeySecret where the gateway master key is stored, as the stack's foundation names it
   *                        (the secret-store key the workloads read it from)
   */
  public static ServingSpec of(StackConfig config, String masterKeySecret) {
    List<ServingSpec.GpuPool> pools = config.cluster().gpuPools().stream()
        .map(p -> new ServingSpec.GpuPool(p.name(), p.instanceType().name(), p.instanceType().gpuModel(),
            p.instanceType().gpuCount(), p.instanceType().gpuMemoryGiB(), p.minNodes(), p.maxNodes(), p.desiredNodes(),
            config.zones(), p.spot()))
        .toList();
    List<ServingSpec.Model> models = config.models().stream().map(ServingSpecs::model).toList();
    var gateway = new ServingSpec.Gateway(config.gateway().replicas(), config.ingress().host(),
        config.gateway().authEnabled(), config.secrets().gatewayMasterKey() ? masterKeySecret : null);
    return new ServingSpec(config.cloud(), config.region(), config.zones(), pools, models, gateway);
  }

  private static ServingSpec.Model model(ModelConfig m) {
    var a = m.architecture();
    var e = m.engine();
    return new ServingSpec.Model(m.name(), m.source(), m.pinned() ? m.revision() : null, a.parameters(), a.numLayers(),
        a.hiddenSize(), a.numAttentionHeads(), a.numKvHeads(), a.headDim(), a.vocabSize(), e.dtype(), e.quantization(),
        e.maxModelLen(), e.maxNumSeqs(), e.blockSize(), e.gpuMemoryUtilization(), e.tensorParallelSize(),
        e.enablePrefixCaching(), m.pool(), m.minReplicas(), m.maxReplicas(),
        m.onCpu() ? ServingSpec.Model.CPU : ServingSpec.Model.GPU);
  }

  /**
   * The spec as nested maps, lists, strings, booleans and doubles: the shapes Pulumi's
   * serializer accepts for a stack output (it has no {@code long}).
   */
  public static Object toOutputValue(ServingSpec spec) {
    return plain(GraphJson.toJson(spec));
  }

  private static Object plain(JsonNode node) {
    if (node.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      node.fields().forEachRemaining(e -> {
        if (!e.getValue().isNull()) {
          map.put(e.getKey(), plain(e.getValue()));
        }
      });
      return map;
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>();
      node.forEach(n -> list.add(plain(n)));
      return list;
    }
    if (node.isNumber()) {
      return node.asDouble();
    }
    if (node.isBoolean()) {
      return node.asBoolean();
    }
    return node.asText();
  }

  private ServingSpecs() {}
}
