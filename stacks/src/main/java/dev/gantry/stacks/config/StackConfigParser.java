package dev.gantry.stacks.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.infra.aws.Cidr;
import dev.gantry.infra.aws.Database;
import dev.gantry.infra.aws.GpuCluster;
import dev.gantry.policies.catalog.GpuCatalog;
import dev.gantry.policies.catalog.GpuInstanceType;
import dev.gantry.stacks.images.ImageException;
import dev.gantry.stacks.images.ImageLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Parses stack config (fully qualified keys, values as the Pulumi CLI passes them) and the
 * model files into a {@link StackConfig}. Every problem is a {@link StackConfigException}
 * whose message names the key, quotes the value and says what is allowed.
 */
public final class StackConfigParser {
  /** Config keys that must be Pulumi secrets. */
  public static final List<String> SECRET_KEYS = List.of("gantry:gatewayMasterKey", "gantry:hfToken", "gantry:databasePassword",
      "gantry:grafanaAdminPassword");
  public static final List<String> CLOUDS = List.of("aws", "gcp", "azure", "none");
  /** The cloud of a stack on an existing cluster (kind, k3s, minikube): no cloud resources, CPU engines. */
  public static final String NO_CLOUD = "none";
  /** Default image of the weight download from Hugging Face (a stack without a bucket). */
  public static final String CURL_IMAGE = "quay.io/curl/curl:8.11.0";
  /** Memory a CPU engine gets beyond weights and KV cache: JVM, activations, logits, page cache slack. */
  public static final int CPU_ENGINE_HEADROOM_GIB = 2;
  public static final List<String> DTYPES = List.of("bfloat16", "float16", "float32");
  /** What the Gantry engine serves: none, or the layers quantized at load to llama.cpp's Q8_0 / Q4_0. */
  public static final List<String> QUANTIZATIONS = List.of("none", "q8_0", "q4_0");
  /** vLLM's GPU quantization methods, which the Gantry engine has no kernels for. */
  static final List<String> VLLM_ONLY_QUANTIZATIONS = List.of("fp8", "int8", "awq", "gptq");
  public static final List<String> FAMILIES = List.of("llama", "qwen2", "mistral");
  public static final List<String> ROUTING = List.of("simple-shuffle", "least-busy", "engine-aware");
  public static final List<Integer> BLOCK_SIZES = List.of(8, 16, 32);

  /** Longest served model name: Kubernetes object names are {@code gantry-engine-<name>} plus suffixes. */
  public static final int MAX_MODEL_NAME = 40;
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?");
  private static final Pattern HOST = Pattern.compile("([a-z0-9]([-a-z0-9]*[a-z0-9])?\\.)+[a-z]{2,}");
  private static final Pattern K8S_VERSION = Pattern.compile("1\\.(2[89]|3[0-9])");
  /** Keys of a stack's model entry that are about the deployment, not overrides of the model file. */
  private static final List<String> ENTRY_KEYS = List.of("model", "name", "pool", "minReplicas", "maxReplicas", "targetQueueDepth",
      "cpu", "memory");
  private static final List<String> MODEL_KEYS = List.of("name", "description", "source", "revision", "architecture", "engine", "gateway");

  /** Built-in model defaults: the lowest layer. Values follow vLLM's defaults where it has one. */
  private static final String BUILT_IN_DEFAULTS = """
      {"engine": {"dtype": "bfloat16", "quantization": "none", "maxModelLen": 8192, "maxNumSeqs": 64,
                  "maxNumBatchedTokens": 8192, "blockSize": 16, "gpuMemoryUtilization": 0.9,
                  "tensorParallelSize": 1, "enablePrefixCaching": true},
       "gateway": {"temperature": 0.7, "topP": 1.0, "maxTokens": 1024, "rpm": 600, "tpm": 200000}}
      """;

  private final GpuCatalog catalog;
  private final Path modelsDir;

  /** A parser reading model files from {@code modelsDir} and instance types from {@code catalog}. */
  public StackConfigParser(Path modelsDir, GpuCatalog catalog) {
    this.modelsDir = modelsDir;
    this.catalog = catalog;
  }

  /** Parses a stack file's config. */
  public StackConfig parse(String project, StackFile file) {
    return parse(project, file.stack(), file.values(), file.secretKeys());
  }

  /**
   * Parses config given as fully qualified keys and raw values (JSON text for maps and lists).
   *
   * @param secretKeys keys whose values are Pulumi secrets
   */
  public StackConfig parse(String project, String stack, Map<String, String> values, Set<String> secretKeys) {
    ObjectNode gantry = JsonNodeFactory.instance.objectNode();
    for (var e : values.entrySet()) {
      if (e.getKey().startsWith("gantry:")) {
        gantry.set(e.getKey().substring("gantry:".length()), StackFile.parseValue(e.getValue()));
      }
    }
    for (String key : SECRET_KEYS) {
      if (values.containsKey(key) && !secretKeys.contains(key)) {
        throw new StackConfigException(key + ": must be a secret, not plain text; set it with "
            + "'pulumi config set --secret " + key + " <value>' (the stack file then holds 'secure: ...')");
      }
    }
    Section root = Section.root(gantry, path -> "gantry:" + path, "gantry");

    String cloud = root.oneOf("cloud", null, CLOUDS);
    if (cloud == null) {
      throw root.error("cloud", "is required; use one of " + CLOUDS);
    }
    boolean existing = cloud.equals(NO_CLOUD);
    String region = existing ? root.string("region", "local") : root.requiredString("region", "us-east-1");
    StackConfig.CloudSettings cloudSettings = CloudSettingsParser.parse(root, cloud, region, values);
    if (existing) {
      for (String key : List.of("zones", "network", "cluster", "storage")) {
        if (root.has(key)) {
          throw root.error(key, "is not read for cloud 'none' (an existing cluster): Gantry creates no zones, network, "
              + "node pools or bucket there; remove gantry:" + key);
        }
      }
    }
    List<String> zones = existing ? List.of()
        : cloud.equals("aws") ? zones(root, region) : CloudSettingsParser.zones(root, cloud, region);
    var network = new StackConfig.Network(vpcCidr(root.section("network")));
    var cluster = existing ? existingCluster((StackConfig.Existing) cloudSettings) : cluster(root.section("cluster"), stack, cloud);
    Section defaults = root.section("modelDefaults");
    List<ModelConfig> models = models(root, defaults, cluster, existing);
    var gateway = gateway(root.section("gateway"));
    var ingress = ingress(root.section("ingress"), existing);
    var storage = storage(root.section("storage"), cluster.name(), region);
    var database = existing ? inClusterDatabase((StackConfig.Existing) cloudSettings) : database(root.section("database"), cloud);
    var monitoring = monitoring(root.section("monitoring"));
    var images = images(root.section("images"), existing);
    var onCall = onCall(root.section("onCall"));
    var secrets = new StackConfig.Secrets(root.has("gatewayMasterKey"), root.has("hfToken"), root.has("databasePassword"),
        root.has("grafanaAdminPassword"), root.integer("secretRecoveryWindowDays", 7, 7, 30));
    if (!secrets.databasePassword()) {
      throw root.error("databasePassword", "is required: the gateway's PostgreSQL master password; set it with "
          + "'pulumi config set --secret gantry:databasePassword \"$(openssl rand -hex 24)\"'");
    }
    if (existing && !secrets.gatewayMasterKey()) {
      throw root.error("gatewayMasterKey", "is required for cloud 'none': the gateway's Secret is made from it; set it with "
          + "'pulumi config set --secret gantry:gatewayMasterKey \"$(openssl rand -hex 32)\"'");
    }
    if (existing && !secrets.grafanaAdminPassword()) {
      throw root.error("grafanaAdminPassword", "is required for cloud 'none': there is no cloud secret store for an operator "
          + "to fill it in later; set it with 'pulumi config set --secret gantry:grafanaAdminPassword \"$(openssl rand -hex 16)\"'");
    }
    if (gateway.authEnabled() && !secrets.gatewayMasterKey()) {
      throw root.error("gatewayMasterKey", "is required when gantry:gateway.authEnabled is true; set it with "
          + "'pulumi config set --secret gantry:gatewayMasterKey <key>' or set gantry:gateway.authEnabled to false");
    }
    Map<String, String> tags = tags(root.section("tags"));
    policy(root);
    root.finish();
    return new StackConfig(project, stack, cloud, region, zones, network, cluster, models, gateway, ingress,
        storage, database, monitoring, images, onCall, secrets, tags, cloudSettings);
  }

  /**
   * The "cluster" of a stack on an existing cluster: named after its kubeconfig context, with no
   * node pools (Gantry creates none there; the engines run on CPUs of whatever nodes exist).
   */
  private static StackConfig.Cluster existingCluster(StackConfig.Existing existing) {
    String name = existing.context() == null ? "current-context" : existing.context();
    return new StackConfig.Cluster(name, "", false, List.of(), 1, new StackConfig.NodePool("existing", 0, 0, 0, 0), List.of());
  }

  /** The gateway database of a stack on an existing cluster, in the terms of a managed one. */
  private static StackConfig.Database inClusterDatabase(StackConfig.Existing existing) {
    return new StackConfig.Database("16", "cloudnative-pg", existing.databaseStorageGiB(), existing.databaseStorageGiB(), 0,
        existing.databaseInstances() >= 2, false);
  }

  private static List<String> zones(Section root, String region) {
    List<String> zones = root.strings("zones", null);
    if (zones == null) {
      throw root.error("zones", "is required: list at least 2 availability zones, e.g. [" + region + "a, " + region + "b]");
    }
    if (zones.size() < 2) {
      throw root.error("zones", zones + " has " + zones.size() + " zone; list at least 2 availability zones for high availability");
    }
    if (zones.size() > dev.gantry.infra.aws.Network.MAX_ZONES) {
      throw root.error("zones", zones + " has " + zones.size() + " zones; at most " + dev.gantry.infra.aws.Network.MAX_ZONES + " are supported");
    }
    Set<String> seen = new HashSet<>();
    for (String zone : zones) {
      if (!zone.startsWith(region) || zone.length() != region.length() + 1) {
        throw root.error("zones", "'" + zone + "' is not a zone of region '" + region + "'; zones look like '" + region + "a'");
      }
      if (!seen.add(zone)) {
        throw root.error("zones", "'" + zone + "' is listed twice; zones must be distinct");
      }
    }
    return zones;
  }

  private static String vpcCidr(Section s) {
    String cidr = s.string("vpcCidr", "10.40.0.0/16");
    try {
      int prefix = Cidr.parse(cidr).prefix();
      if (prefix < 16 || prefix > 20) {
        throw s.invalid("vpcCidr", "must have a prefix length within [16, 20], e.g. '10.40.0.0/16'");
      }
    } catch (IllegalArgumentException e) {
      throw s.invalid("vpcCidr", "is not valid: " + e.getMessage());
    }
    s.finish();
    return cidr;
  }

  private StackConfig.Cluster cluster(Section s, String stack, String cloud) {
    String name = s.string("name", "gantry-" + stack);
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9_-]{0,99}")) {
      throw s.invalid("name", "must be letters, digits, '-' or '_' (at most 100), starting with a letter or digit");
    }
    String version = s.string("kubernetesVersion", "1.31");
    if (!K8S_VERSION.matcher(version).matches()) {
      throw s.invalid("kubernetesVersion", "is not a supported Kubernetes version; use 1.28 to 1.39, e.g. '1.31'");
    }
    boolean endpointPublic = s.bool("endpointPublic", false);
    List<String> cidrs = s.strings("publicAccessCidrs", List.of());
    for (String cidr : cidrs) {
      try {
        Cidr.parse(cidr);
      } catch (IllegalArgumentException e) {
        throw s.error("publicAccessCidrs", e.getMessage());
      }
    }
    if (endpointPublic && cidrs.isEmpty()) {
      throw s.error("publicAccessCidrs", "is required when endpointPublic is true; list the CIDRs allowed to reach "
          + "the Kubernetes API (office, VPN, CI runners) or set endpointPublic: false");
    }
    if (cidrs.contains("0.0.0.0/0")) {
      throw s.error("publicAccessCidrs", "'0.0.0.0/0' would open the Kubernetes API to the whole internet; "
          + "list your office/VPN/CI CIDRs instead, or set endpointPublic: false");
    }
    int logRetention = s.integer("logRetentionDays", 90, 1, 3653);
    Section sys = s.section("systemPool");
    String sysType = sys.string("instanceType", CloudSettingsParser.defaultSystemInstanceType(cloud));
    CloudSettingsParser.checkSystemInstanceType(sys, cloud, sysType);
    int sysMin = sys.integer("minNodes", 2, 1, 100);
    int sysMax = sys.integer("maxNodes", 4, 1, 100);
    int sysDesired = sys.integer("desiredNodes", sysMin, 1, 100);
    checkSizes(sys, sysMin, sysDesired, sysMax);
    var systemPool = new StackConfig.NodePool(sysType, sysMin, sysMax, sysDesired, sys.integer("diskSizeGiB", 50, 20, 16384));
    sys.finish();

    List<StackConfig.GpuPool> pools = new ArrayList<>();
    List<Section> poolSections = s.sections("gpuPools");
    if (poolSections.isEmpty()) {
      throw s.error("gpuPools", "is required: list at least one GPU pool, e.g. [{name: l4, instanceType: g6.xlarge, maxNodes: 2}]");
    }
    Set<String> names = new HashSet<>();
    for (Section p : poolSections) {
      String poolName = p.requiredString("name", "l4");
      if (!DNS_LABEL.matcher(poolName).matches() || poolName.equals(GpuCluster.SYSTEM_POOL)) {
        throw p.invalid("name", "must be a DNS label of at most 32 characters (lower-case letters, digits, '-') other than 'system'");
      }
      if (!names.add(poolName)) {
        throw p.invalid("name", "is used by two GPU pools; pool names must be unique");
      }
      String typeName = p.requiredString("instanceType", "g6.xlarge");
      GpuInstanceType type = catalog.find(cloud, typeName).orElseThrow(() -> p.invalid("instanceType",
          "is not a known instance type" + suggestInstanceType(cloud, typeName).map(t -> "; did you mean '" + t + "'?")
              .orElse("; known " + cloud + " GPU instance types: " + catalog.instanceTypes(cloud).stream().map(GpuInstanceType::name).toList())));
      if (!cloud.equals("aws") && p.has("amiType")) {
        throw p.error("amiType", "is an EKS setting; on " + cloud + " the GPU driver comes with the node image, remove amiType");
      }
      String ami = cloud.equals("aws")
          ? p.oneOf("amiType", GpuCluster.DEFAULT_GPU_AMI_TYPE, List.copyOf(new TreeSet<>(GpuCluster.GPU_AMI_TYPES)))
          : null;
      int min = p.integer("minNodes", 0, 0, 1000);
      int max = p.integer("maxNodes", Math.max(1, min), 1, 1000);
      int desired = p.integer("desiredNodes", min, 0, 1000);
      checkSizes(p, min, desired, max);
      pools.add(new StackConfig.GpuPool(poolName, type, ami, min, max, desired, p.bool("spot", false),
          p.integer("diskSizeGiB", 200, 20, 16384)));
      p.finish();
    }
    s.finish();
    return new StackConfig.Cluster(name, version, endpointPublic, cidrs, logRetention, systemPool, pools);
  }

  /**
   * The catalog's closest match, else the one known type the input abbreviates
   * ({@code p5.48xl} for {@code p5.48xlarge}), which edit distance alone misses.
   */
  private java.util.Optional<String> suggestInstanceType(String cloud, String typo) {
    var close = catalog.suggest(cloud, typo);
    if (close.isPresent()) {
      return close;
    }
    List<String> prefixed = catalog.instanceTypes(cloud).stream().map(GpuInstanceType::name)
        .filter(n -> n.startsWith(typo)).toList();
    return prefixed.size() == 1 ? java.util.Optional.of(prefixed.get(0)) : java.util.Optional.empty();
  }

  private static void checkSizes(Section s, int min, int desired, int max) {
    if (min > max) {
      throw s.invalid("minNodes", "is greater than maxNodes (" + max + "); need minNodes <= desiredNodes <= maxNodes");
    }
    if (desired < min || desired > max) {
      throw s.invalid("desiredNodes", "must be within [minNodes, maxNodes] = [" + min + ", " + max + "]");
    }
  }

  // ---- models -------------------------------------------------------------------------

  private List<ModelConfig> models(Section root, Section defaults, StackConfig.Cluster cluster, boolean existing) {
    List<Section> entries = root.sections("models");
    if (entries.isEmpty()) {
      throw root.error("models", "is required: list at least one model, e.g. [{model: qwen2.5-1.5b-instruct, pool: l4}]; "
          + "model files: " + modelFiles());
    }
    ObjectNode defaultsNode = defaults.finishAsOverrides(MODEL_KEYS);
    List<ModelConfig> models = new ArrayList<>();
    Set<String> served = new HashSet<>();
    for (Section entry : entries) {
      ModelConfig model = model(entry, defaultsNode, cluster, existing);
      if (!served.add(model.name())) {
        throw entry.error("name", "'" + model.name() + "' is served twice; give one entry a different 'name'");
      }
      models.add(model);
    }
    return models;
  }

  private ModelConfig model(Section entry, ObjectNode defaults, StackConfig.Cluster cluster, boolean existing) {
    String file = entry.requiredString("model", "llama-3.1-8b-instruct");
    JsonNode fileNode = readModelFile(entry, file);
    String fileKey = "models/" + file + ".yaml";

    // Layers, lowest first; each remembers how to name a key it set.
    Map<String, Function<String, String>> origin = new HashMap<>();
    ObjectNode merged = JsonNodeFactory.instance.objectNode();
    merge(merged, parse(BUILT_IN_DEFAULTS), "", p -> "built-in model default " + p, origin);
    merge(merged, defaults, "", p -> "gantry:modelDefaults." + p, origin);
    merge(merged, (ObjectNode) fileNode, "", p -> fileKey + ": " + p, origin);
    ObjectNode overrides = entry.finishAsOverrides(concat(ENTRY_KEYS, MODEL_KEYS));
    for (String k : ENTRY_KEYS) {
      overrides.remove(k);
    }
    String entryKey = entry.key();
    merge(merged, overrides, "", p -> entryKey + "." + p, origin);
    Function<String, String> namer = p -> origin.getOrDefault(p, q -> fileKey + ": " + q).apply(p);
    Section m = Section.root(merged, namer, fileKey);

    String name = entry.string("name", m.string("name", file));
    if (name.length() > MAX_MODEL_NAME || !name.matches("[a-z0-9]([-.a-z0-9]*[a-z0-9])?") || name.contains("..")) {
      throw new StackConfigException((entry.has("name") ? entry.key("name") : m.key("name")) + ": '" + name
          + "' is not a valid model name; use at most " + MAX_MODEL_NAME
          + " lower-case letters, digits, '-' and '.', starting and ending with a letter or digit");
    }
    m.string("description", null);
    String source = m.requiredString("source", "hf://meta-llama/Llama-3.1-8B-Instruct");
    if (!source.matches("(hf|s3)://\\S+")) {
      throw m.invalid("source", "must start with hf:// (a Hugging Face repository) or s3:// (a bucket path)");
    }
    String revision = m.requiredString("revision", "a 40-character commit sha");

    Section a = m.section("architecture");
    String family = a.oneOf("family", null, FAMILIES);
    if (family == null) {
      throw a.error("family", "is required; use one of " + FAMILIES);
    }
    long parameters = a.longValue("parameters", 0, 1, 10_000_000_000_000L);
    int layers = a.integer("numLayers", 0, 1, 1000);
    int hidden = a.integer("hiddenSize", 0, 1, 1 << 20);
    int heads = a.integer("numAttentionHeads", 0, 1, 1024);
    int kvHeads = a.integer("numKvHeads", 0, 1, 1024);
    int headDim = a.integer("headDim", 0, 1, 1024);
    int vocab = a.integer("vocabSize", 0, 1, 10_000_000);
    int maxPositions = a.integer("maxPositionEmbeddings", 0, 1, 100_000_000);
    for (String required : List.of("parameters", "numLayers", "hiddenSize", "numAttentionHeads", "numKvHeads", "headDim",
        "vocabSize", "maxPositionEmbeddings")) {
      if (!a.has(required)) {
        throw a.error(required, "is required; copy it from the model's config.json");
      }
    }
    if (heads % kvHeads != 0) {
      throw a.invalid("numKvHeads", "must divide numAttentionHeads (" + heads + ") for grouped-query attention");
    }
    a.finish();

    Section e = m.section("engine");
    String dtype = e.oneOf("dtype", null, DTYPES);
    String quantization = e.string("quantization", null);
    if (VLLM_ONLY_QUANTIZATIONS.contains(quantization)) {
      throw e.invalid("quantization", "is a vLLM GPU method the Gantry engine cannot serve; use one of " + QUANTIZATIONS
          + " (q8_0 and q4_0 quantize the weights at load)");
    }
    quantization = e.oneOf("quantization", null, QUANTIZATIONS);
    int maxModelLen = e.integer("maxModelLen", 0, 16, 100_000_000);
    if (maxModelLen > maxPositions) {
      throw e.invalid("maxModelLen", "exceeds the model's maxPositionEmbeddings (" + maxPositions + "); use at most " + maxPositions);
    }
    int maxNumSeqs = e.integer("maxNumSeqs", 0, 1, 4096);
    int maxBatched = e.integer("maxNumBatchedTokens", 0, 1, 10_000_000);
    if (maxBatched < maxNumSeqs) {
      throw e.invalid("maxNumBatchedTokens", "is below maxNumSeqs (" + maxNumSeqs + "); each running sequence needs at least one token per step");
    }
    int blockSize = e.integer("blockSize", 0, 1, 256);
    if (!BLOCK_SIZES.contains(blockSize)) {
      throw e.invalid("blockSize", "is not supported; use one of " + BLOCK_SIZES);
    }
    double gpuMem = e.decimal("gpuMemoryUtilization", 0, 0.05, 0.99);
    int tp = e.integer("tensorParallelSize", 0, 1, 64);
    if (Integer.bitCount(tp) != 1) {
      throw e.invalid("tensorParallelSize", "must be a power of two (1, 2, 4, 8)");
    }
    if (heads % tp != 0 || kvHeads % tp != 0 && tp % kvHeads != 0) {
      throw e.invalid("tensorParallelSize", "must divide the attention heads (" + heads + " query, " + kvHeads + " KV)");
    }
    boolean prefixCaching = e.bool("enablePrefixCaching", true);
    e.finish();

    Section g = m.section("gateway");
    var gatewayDefaults = new ModelConfig.GatewayDefaults(
        g.decimal("temperature", 0.7, 0, 2), g.decimal("topP", 1, 0.01, 1), g.integer("maxTokens", 1024, 1, 10_000_000),
        g.integer("rpm", 600, 1, 100_000_000), g.integer("tpm", 200_000, 1, 2_000_000_000));
    g.finish();
    m.finish();

    if (existing) {
      return cpuModel(entry, namer, name, file, source, revision,
          new ModelConfig.Architecture(family, parameters, layers, hidden, heads, kvHeads, headDim, vocab, maxPositions),
          new ModelConfig.Engine(dtype, quantization, maxModelLen, maxNumSeqs, maxBatched, blockSize, gpuMem, tp, prefixCaching),
          gatewayDefaults);
    }
    for (String cpuOnly : List.of("cpu", "memory")) {
      if (entry.has(cpuOnly)) {
        throw entry.error(cpuOnly, "is only read for CPU engines (cloud 'none'); on a GPU stack a replica's CPU and memory "
            + "follow from its pool's instance type, remove it");
      }
    }
    List<String> poolNames = cluster.gpuPools().stream().map(StackConfig.GpuPool::name).toList();
    String pool = entry.string("pool", poolNames.size() == 1 ? poolNames.get(0) : null);
    if (pool == null) {
      throw entry.error("pool", "is required when the cluster has several GPU pools; use one of " + poolNames);
    }
    var gpuPool = cluster.gpuPools().stream().filter(p -> p.name().equals(pool)).findFirst()
        .orElseThrow(() -> entry.invalid("pool", "is not a GPU pool of this stack" + Section.didYouMean(pool, poolNames)
            + "; pools: " + poolNames));
    if (tp > gpuPool.instanceType().gpuCount()) {
      throw new StackConfigException(namer.apply("engine.tensorParallelSize") + ": '" + tp + "' exceeds the "
          + gpuPool.instanceType().gpuCount() + " GPU(s) per node of pool '" + pool + "' (" + gpuPool.instanceType().name()
          + "); use at most " + gpuPool.instanceType().gpuCount() + " or a pool with more GPUs per node");
    }
    int minReplicas = entry.integer("minReplicas", 1, 1, 1000);
    int maxReplicas = entry.integer("maxReplicas", Math.max(1, minReplicas), 1, 1000);
    if (minReplicas > maxReplicas) {
      throw entry.invalid("minReplicas", "is greater than maxReplicas (" + maxReplicas + ")");
    }
    return new ModelConfig(name, file, source, revision,
        new ModelConfig.Architecture(family, parameters, layers, hidden, heads, kvHeads, headDim, vocab, maxPositions),
        new ModelConfig.Engine(dtype, quantization, maxModelLen, maxNumSeqs, maxBatched, blockSize, gpuMem, tp, prefixCaching),
        gatewayDefaults, pool, minReplicas, maxReplicas, entry.integer("targetQueueDepth", 5, 1, 10_000), null);
  }

  /**
   * A model entry of a stack on an existing cluster: a CPU engine, which runs one process per
   * replica (tensorParallelSize 1) and reads the weights as stored (no quantization). Its memory
   * defaults to weights + float32 KV cache + {@value #CPU_ENGINE_HEADROOM_GIB} GiB, rounded up;
   * the gate's GNT-LLM-011 judges a smaller one.
   */
  private ModelConfig cpuModel(Section entry, Function<String, String> namer, String name, String file, String source,
      String revision, ModelConfig.Architecture architecture, ModelConfig.Engine engine,
      ModelConfig.GatewayDefaults gatewayDefaults) {
    if (entry.has("pool")) {
      throw entry.error("pool", "is not read for cloud 'none': an existing cluster has no Gantry GPU pools and the engine "
          + "runs on CPUs of any node; remove pool");
    }
    if (engine.tensorParallelSize() != 1) {
      throw new StackConfigException(namer.apply("engine.tensorParallelSize") + ": '" + engine.tensorParallelSize()
          + "' on a CPU engine (cloud 'none'), which runs one process per replica; use 1 and scale with maxReplicas");
    }
    if (!engine.quantization().equals("none")) {
      throw new StackConfigException(namer.apply("engine.quantization") + ": '" + engine.quantization()
          + "' on a CPU engine (cloud 'none'): the stack runs CPU engines on the weights as stored (--dtype auto), "
          + "and its memory sizing assumes that; use none");
    }
    if (!source.startsWith("hf://")) {
      throw new StackConfigException(namer.apply("source") + ": '" + source + "' on cloud 'none', which has no bucket; "
          + "use an hf:// source (the engine fetches the pinned revision from Hugging Face)");
    }
    var sized = new ModelConfig(name, file, source, revision, architecture, engine, gatewayDefaults, null, 1, 1, 5,
        new ModelConfig.CpuResources(1, 1));
    int neededGiB = (int) Math.ceil((sized.weightBytes() + sized.cpuKvCacheBytes()) / (double) (1L << 30))
        + CPU_ENGINE_HEADROOM_GIB;
    int cpu = entry.integer("cpu", 2, 1, 256);
    int memoryGiB = entry.has("memory") ? memoryGiB(entry) : neededGiB;
    int minReplicas = entry.integer("minReplicas", 1, 1, 1000);
    int maxReplicas = entry.integer("maxReplicas", Math.max(1, minReplicas), 1, 1000);
    if (minReplicas > maxReplicas) {
      throw entry.invalid("minReplicas", "is greater than maxReplicas (" + maxReplicas + ")");
    }
    return new ModelConfig(name, file, source, revision, architecture, engine, gatewayDefaults, null, minReplicas,
        maxReplicas, entry.integer("targetQueueDepth", 5, 1, 10_000), new ModelConfig.CpuResources(cpu, memoryGiB));
  }

  private static int memoryGiB(Section entry) {
    String memory = entry.string("memory", null);
    if (memory == null || !memory.matches("[1-9][0-9]{0,3}Gi")) {
      throw entry.invalid("memory", "must be whole GiB like '4Gi' (1Gi to 9999Gi)");
    }
    return Integer.parseInt(memory.substring(0, memory.length() - 2));
  }

  private JsonNode readModelFile(Section entry, String file) {
    if (!file.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
      throw entry.invalid("model", "must be the name of a file in models/ without '.yaml'; model files: " + modelFiles());
    }
    Path path = modelsDir.resolve(file + ".yaml");
    if (!Files.isRegularFile(path)) {
      List<String> files = modelFiles();
      throw entry.invalid("model", "has no model file models/" + file + ".yaml" + Section.didYouMean(file, files)
          + "; model files: " + files);
    }
    try {
      JsonNode node = StackFile.YAML.readTree(Files.readString(path));
      if (node == null || !node.isObject()) {
        throw new StackConfigException("models/" + file + ".yaml: expected a map with source, revision, architecture, engine");
      }
      return node;
    } catch (JsonProcessingException ex) {
      throw new StackConfigException("models/" + file + ".yaml: not valid YAML: " + ex.getOriginalMessage(), ex);
    } catch (IOException ex) {
      throw new StackConfigException("Cannot read model file '" + path + "': " + ex.getMessage(), ex);
    }
  }

  /** Model file stems in the models directory, sorted. */
  public List<String> modelFiles() {
    if (!Files.isDirectory(modelsDir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(modelsDir)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml"))
          .map(n -> n.substring(0, n.length() - ".yaml".length())).sorted().toList();
    } catch (IOException e) {
      throw new StackConfigException("Cannot list model files in '" + modelsDir + "': " + e.getMessage(), e);
    }
  }

  /** Deep-merges {@code layer} into {@code target}, recording which layer set each path. */
  private static void merge(ObjectNode target, ObjectNode layer, String prefix, Function<String, String> layerNamer,
      Map<String, Function<String, String>> origin) {
    for (Iterator<Map.Entry<String, JsonNode>> it = layer.fields(); it.hasNext(); ) {
      var e = it.next();
      String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      JsonNode existing = target.get(e.getKey());
      if (e.getValue().isObject() && existing != null && existing.isObject()) {
        merge((ObjectNode) existing, (ObjectNode) e.getValue(), path, layerNamer, origin);
      } else {
        target.set(e.getKey(), e.getValue().deepCopy());
        markAll(e.getValue(), path, layerNamer, origin);
      }
    }
  }

  private static void markAll(JsonNode node, String path, Function<String, String> namer, Map<String, Function<String, String>> origin) {
    origin.put(path, namer);
    if (node.isObject()) {
      node.fields().forEachRemaining(e -> markAll(e.getValue(), path + "." + e.getKey(), namer, origin));
    }
  }

  private static ObjectNode parse(String json) {
    try {
      return (ObjectNode) StackFile.JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("built-in defaults are not valid JSON", e);
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  // ---- the rest -----------------------------------------------------------------------

  private static StackConfig.Gateway gateway(Section s) {
    int replicas = s.integer("replicas", 2, 1, 100);
    if (replicas < 2) {
      throw s.invalid("replicas", "must be at least 2 so a rollout or a node drain never takes the only gateway away");
    }
    int maxReplicas = s.integer("maxReplicas", replicas * 3, 1, 1000);
    if (maxReplicas < replicas) {
      throw s.invalid("maxReplicas", "is below replicas (" + replicas + "); raise maxReplicas");
    }
    var g = new StackConfig.Gateway(replicas, maxReplicas, s.bool("authEnabled", true),
        s.oneOf("routing", "engine-aware", ROUTING), quantity(s, "cpu", "2"), quantity(s, "memory", "2Gi"),
        s.integer("defaultRpm", 600, 1, 100_000_000), s.integer("defaultTpm", 200_000, 1, 2_000_000_000));
    s.finish();
    return g;
  }

  private static String quantity(Section s, String field, String fallback) {
    String v = s.string(field, fallback);
    if (!v.matches("[0-9]+(\\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?")) {
      throw s.invalid(field, "is not a Kubernetes quantity like '2', '500m' or '4Gi'");
    }
    return v;
  }

  private static StackConfig.Ingress ingress(Section s, boolean existing) {
    String host = s.requiredString("host", existing ? "gantry.localtest.me" : "llm.example.com");
    if (!HOST.matcher(host).matches()) {
      throw s.invalid("host", "is not a DNS host name like 'llm.example.com'");
    }
    // An existing (laptop) cluster gets a self-signed certificate: Let's Encrypt cannot reach it.
    String email = existing ? s.string("tlsIssuerEmail", null) : s.requiredString("tlsIssuerEmail", "platform@example.com");
    if (email != null && !email.matches("[^@\\s]+@[^@\\s]+\\.[^@\\s]+")) {
      throw s.invalid("tlsIssuerEmail", "is not an e-mail address; Let's Encrypt sends expiry notices to it");
    }
    var i = new StackConfig.Ingress(host, email, s.bool("acmeStaging", false), s.integer("rateLimitRps", 50, 1, 100_000));
    s.finish();
    return i;
  }

  private static StackConfig.Storage storage(Section s, String clusterName, String region) {
    String bucket = s.string("bucketName", (clusterName + "-models-" + region).toLowerCase(java.util.Locale.ROOT));
    if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
      throw s.invalid("bucketName", "is not a valid S3 bucket name (3-63 lower-case letters, digits, '.', '-')");
    }
    var st = new StackConfig.Storage(bucket, s.bool("forceDestroy", false));
    s.finish();
    return st;
  }

  private static StackConfig.Database database(Section s, String cloud) {
    String version = s.string("engineVersion", "16.4");
    if (!version.matches("1[3-7](\\.\\d+)?")) {
      throw s.invalid("engineVersion", "is not a supported PostgreSQL version; use 13 to 17, e.g. '16.4'");
    }
    String instanceClass = s.string("instanceClass", CloudSettingsParser.defaultDatabaseClass(cloud));
    CloudSettingsParser.checkDatabaseClass(s, cloud, instanceClass);
    int allocated = s.integer("allocatedStorageGiB", 50, 20, 65536);
    int max = s.integer("maxAllocatedStorageGiB", Math.max(allocated, 200), 20, 65536);
    if (max < allocated) {
      throw s.invalid("maxAllocatedStorageGiB", "is below allocatedStorageGiB (" + allocated + ")");
    }
    int backups = s.integer("backupRetentionDays", 14, 0, 35);
    if (backups < Database.MIN_BACKUP_DAYS) {
      throw s.invalid("backupRetentionDays", "is below the minimum of " + Database.MIN_BACKUP_DAYS
          + " days; use " + Database.MIN_BACKUP_DAYS + " to " + Database.MAX_BACKUP_DAYS + " so a bad migration found a week later can be undone");
    }
    var d = new StackConfig.Database(version, instanceClass, allocated, max, backups, s.bool("multiAz", true),
        s.bool("deletionProtection", true));
    s.finish();
    return d;
  }

  private static StackConfig.Monitoring monitoring(Section s) {
    var m = new StackConfig.Monitoring(s.integer("retentionDays", 15, 1, 3650), s.integer("storageGiB", 100, 1, 65536),
        s.decimal("p99E2eLatencySeconds", 30, 0.01, 3600), s.decimal("p99TtftSeconds", 2, 0.01, 600),
        s.integer("queueDepthThreshold", 20, 1, 1_000_000), s.decimal("preemptionsPerSecond", 1, 0, 1e6),
        s.bool("enabled", true));
    s.finish();
    return m;
  }

  private StackConfig.Images images(Section s, boolean existing) {
    // Tags pushed by `gantry images build --push` deploy by digest (stacks/images.lock.json).
    ImageLock lock;
    try {
      lock = ImageLock.read(modelsDir.toAbsolutePath().getParent()).orElse(ImageLock.empty());
    } catch (ImageException e) {
      throw new StackConfigException(e.getMessage(), e);
    }
    var i = new StackConfig.Images(s.bool("createRepositories", !existing), lock.pin(image(s, "engine")),
        lock.pin(image(s, "gateway")),
        image(s, "modelDownloader", existing ? CURL_IMAGE : "docker.io/rclone/rclone:1.68.2"));
    s.finish();
    return i;
  }

  private static String image(Section s, String field) {
    return image(s, field, null);
  }

  /** An image reference pinned by a version tag or a digest. */
  private static String image(Section s, String field, String fallback) {
    String ref = fallback == null ? s.requiredString(field, "registry.example.com/gantry/" + field + ":0.1.0") : s.string(field, fallback);
    if (!ref.matches("[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?")) {
      throw s.invalid(field, "is not an image reference like 'registry.example.com/gantry/" + field + ":0.1.0'");
    }
    boolean digest = ref.contains("@sha256:");
    String afterSlash = ref.substring(ref.lastIndexOf('/') + 1);
    boolean tagged = afterSlash.contains(":");
    if (!digest && !tagged) {
      throw s.invalid(field, "has no tag or digest; pin a version such as ':0.1.0' or '@sha256:<digest>'");
    }
    if (!digest && afterSlash.endsWith(":latest")) {
      throw s.invalid(field, "uses the mutable tag 'latest'; pin a version such as ':0.1.0' or a digest");
    }
    return ref;
  }

  private static StackConfig.OnCall onCall(Section s) {
    String team = s.requiredString("team", "ml-platform");
    String slack = s.string("slackChannel", null);
    if (slack != null && !slack.startsWith("#")) {
      throw s.invalid("slackChannel", "must start with '#', e.g. '#llm-alerts'");
    }
    var o = new StackConfig.OnCall(team, slack, s.string("pagerDutyService", null));
    s.finish();
    return o;
  }

  /**
   * {@code gantry:policy} belongs to the gate (rule enforcement, budgets, registries); it is
   * checked here with the gate's own reader so a typo fails the plan, not only the gate.
   */
  private static void policy(Section root) {
    if (!root.has("policy")) {
      return;
    }
    Section policy = root.section("policy");
    try {
      dev.gantry.policies.rules.PolicyConfig.defaults().with(policy.finishAsOverrides(null), policy.key());
    } catch (IllegalArgumentException e) {
      String message = e.getMessage();
      throw new StackConfigException(message.startsWith(policy.key()) ? message : policy.key() + ": " + message, e);
    }
  }

  private static Map<String, String> tags(Section s) {
    Map<String, String> tags = new LinkedHashMap<>();
    ObjectNode node = s.finishAsOverrides(null);
    node.fields().forEachRemaining(e -> {
      if (!e.getValue().isValueNode()) {
        throw s.error(e.getKey(), "tag values must be strings");
      }
      tags.put(e.getKey(), e.getValue().asText());
    });
    return tags;
  }
}
