package dev.gantry.policies.rules;

import static dev.gantry.policies.rules.Stacks.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.policies.graph.GraphJson;
import dev.gantry.policies.graph.ServingSpec;
import dev.gantry.policies.rules.llm.*;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Positive cases of the LLM-aware rules, with the numbers they must report. */
class LlmRulesTest {
  private static List<Finding> run(Stacks s, Rule rule) {
    List<Finding> findings = s.run(rule);
    findings.forEach(f -> assertThat(f.ruleId()).isEqualTo(rule.id()));
    return findings;
  }

  @Test
  void modelMemory_llama8bBf16_matchesHandComputedNumbers() {
    ServingSpec.Model m = GraphJson.mapper().convertValue(Stacks.compliant().model("llama-8b"), ServingSpec.Model.class);
    ModelMemory mem = ModelMemory.estimate(m, 24, 1.5);
    // 8.03e9 params × 2 B = 14.96 GiB; KV 2 × 32 layers × 8 heads × 128 × 2 B = 128 KiB per token.
    assertThat(mem.weightsGiB()).isCloseTo(14.96, org.assertj.core.data.Offset.offset(0.01));
    assertThat(mem.kvBytesPerToken()).isEqualTo(131072);
    assertThat(mem.kvGiB()).isCloseTo(4.0, org.assertj.core.data.Offset.offset(0.001)); // 8192 × 4 seqs
    assertThat(mem.availableGiB()).isCloseTo(21.6, org.assertj.core.data.Offset.offset(0.001));
    assertThat(mem.fits()).isTrue();
  }

  @Test
  void llm001_whenKvCacheForMaxSeqsDoesNotFit_reportsNumbersAndFixes() {
    Stacks s = Stacks.compliant();
    s.model("llama-8b").put("maxNumSeqs", 64);
    Finding f = run(s, new GpuMemoryFit()).get(0);
    assertThat(f.subject()).isEqualTo("model llama-8b");
    assertThat(f.message()).contains("pool 'gpu-l4'", "21.6 GiB usable per GPU", "needs 80.5 GiB per GPU",
        "weights 15.0 GiB", "KV cache 64.0 GiB (8192 tokens × 64 seqs)", "KV room for 5 sequence(s) of 8192 tokens");
    assertThat(f.fix()).contains("maxModelLen ≤ 512", "maxNumSeqs ≤ 5", "tensorParallelSize 4");
  }

  @Test
  void llm001_whenWeightsAloneTooBig_suggestsQuantizationOrLargerGpu() {
    Stacks s = Stacks.compliant();
    s.model("llama-70b").put("pool", "gpu-l4").put("tensorParallelSize", 1).put("maxNumSeqs", 1).put("maxModelLen", 4096);
    Finding f = run(s, new GpuMemoryFit()).get(0);
    assertThat(f.message()).contains("model 'llama-70b' does not fit pool 'gpu-l4'", "weights 131.4 GiB", "KV room for 0 sequence(s)");
    assertThat(f.fix()).doesNotContain("maxModelLen").contains("tensorParallelSize");
  }

  @Test
  void llm001_whenQuantizationUnknown_namesValue() {
    Stacks s = Stacks.compliant();
    s.model("llama-8b").put("quantization", "nf5");
    assertThat(run(s, new GpuMemoryFit())).singleElement().satisfies(f -> assertThat(f.message()).contains("unknown quantization 'nf5'"));
  }

  @Test
  void llm002_whenTpExceedsGpusPerNode_reportsBoth() {
    Stacks s = Stacks.compliant();
    s.model("llama-8b").put("tensorParallelSize", 8);
    List<Finding> f = run(s, new TensorParallelFits());
    assertThat(f).extracting(Finding::message).anyMatch(m -> m.contains("tensorParallelSize 8 but pool 'gpu-l4' (g6.12xlarge) has 4 GPU(s) per node"))
        .anyMatch(m -> m.contains("requests 1 nvidia.com/gpu but tensorParallelSize is 8"));
  }

  @Test
  void llm003_whenDevShmMissingWithTp4_reportsIt() {
    Stacks s = Stacks.compliant();
    s.container("engine-llama-70b").remove("volumeMounts");
    assertThat(run(s, new SharedMemorySized())).singleElement()
        .satisfies(f -> assertThat(f.message()).contains("(TP 4) does not mount /dev/shm"));
  }

  @Test
  void llm003_whenDevShmTooSmall_reportsSize() {
    Stacks s = Stacks.compliant();
    ((ObjectNode) s.podSpec("engine-llama-70b").path("volumes").path(0).path("emptyDir")).put("sizeLimit", "64Mi");
    assertThat(run(s, new SharedMemorySized())).singleElement().satisfies(f -> assertThat(f.message()).contains("only 64Mi"));
  }

  @Test
  void llm004_whenTwoTp4ReplicasCanShareANode_saysOneDistributedEnginePerNode() {
    Stacks s = Stacks.compliant();
    s.podSpec("engine-llama-70b").remove("affinity");
    Finding f = run(s, new OneDistributedEnginePerNode()).get(0);
    assertThat(f.message()).startsWith("each GPU node can host only one distributed engine instance")
        .contains("model 'llama-70b' (TP 4, up to 4 replicas)", "pool 'gpu-h100'", "using 8 GPUs");
  }

  @Test
  void llm004_whenTwoDistributedModelsOnOnePool_namesBothModels() {
    Stacks s = Stacks.compliant();
    s.podSpec("engine-llama-70b").remove("affinity");
    s.model("llama-70b").put("maxReplicas", 1);
    s.model("llama-8b").put("pool", "gpu-h100").put("tensorParallelSize", 2);
    s.obj("Deployment", "engine-llama-8b", "spec.template.spec").set("nodeSelector", json("{'gantry.dev/pool':'gpu-h100'}"));
    assertThat(run(s, new OneDistributedEnginePerNode())).extracting(Finding::message).anyMatch(m -> m.equals(
        "each GPU node can host only one distributed engine instance: models 'llama-8b' (TP 2) and 'llama-70b' (TP 4)"
            + " on pool 'gpu-h100' (8 GPUs per node) can be scheduled onto the same node, using 6 GPUs"));
  }

  @Test
  void llm004_whenTpFillsTheNode_passesWithoutAntiAffinity() {
    Stacks s = Stacks.compliant();
    s.podSpec("engine-llama-70b").remove("affinity");
    s.model("llama-70b").put("tensorParallelSize", 8);
    assertThat(run(s, new OneDistributedEnginePerNode())).isEmpty();
  }

  @Test
  void llm005_whenStartupBudgetShorterThanLoad_suggestsThreshold() {
    Stacks s = Stacks.compliant();
    ((ObjectNode) s.container("engine-llama-70b").path("startupProbe")).put("failureThreshold", 30);
    Finding f = run(s, new StartupProbeBudget()).get(0);
    // 70.55e9 × 2 B = 131.4 GiB at 250 MiB/s = 538 s + 60 s = 598 s.
    assertThat(f.message()).contains("gives up after 300 s (0 + 30 × 10 s)", "takes about 598 s", "131.4 GiB at 250 MiB/s");
    assertThat(f.fix()).isEqualTo("set startupProbe.failureThreshold to at least 60 (periodSeconds 10)");
  }

  @Test
  void llm005_whenSlowerStorageConfigured_flagsEvenThe8bModel() {
    Stacks s = Stacks.compliant();
    s.graph().config().set("gantry:policy", json("{'modelLoadMiBps': 50}"));
    assertThat(run(s, new StartupProbeBudget())).extracting(Finding::subject).contains("engine-llama-8b");
  }

  @Test
  void llm006_whenRevisionIsBranch_reportsIt() {
    Stacks s = Stacks.compliant();
    s.model("llama-8b").put("revision", "main");
    assertThat(run(s, new RevisionPinned())).singleElement()
        .satisfies(f -> assertThat(f.message()).contains("revision 'main' is not a 40-character commit sha"));
  }

  @Test
  void llm006_whenRevisionMissing_reportsIt() {
    Stacks s = Stacks.compliant();
    s.model("llama-70b").putNull("revision");
    assertThat(run(s, new RevisionPinned())).singleElement().satisfies(f -> assertThat(f.message()).contains("no pinned revision"));
  }

  @Test
  void llm007_whenEngineHpaScalesOnCpu_reportsIt() {
    Stacks s = Stacks.compliant();
    s.obj("HorizontalPodAutoscaler", "engine-llama-8b", "spec").set("metrics",
        Stacks.array("[{'type':'Resource','resource':{'name':'cpu','target':{'type':'Utilization','averageUtilization':70}}}]"));
    assertThat(run(s, new AutoscaleOnQueue())).singleElement()
        .satisfies(f -> assertThat(f.message()).contains("resource metrics [cpu] and no queue or KV cache metric"));
  }

  @Test
  void llm008_whenAuthDisabled_reportsGateway() {
    Stacks s = Stacks.compliant();
    ((ObjectNode) s.spec().path("gateway")).put("authEnabled", false);
    assertThat(run(s, new GatewayAuth())).extracting(Finding::message).contains("gateway auth is disabled: requests need no API key");
  }

  @Test
  void llm008_whenMasterKeyIsLiteralEnv_reportsIt() {
    Stacks s = Stacks.compliant();
    ((ObjectNode) s.container("gateway").path("env").path(0)).remove("valueFrom");
    ((ObjectNode) s.container("gateway").path("env").path(0)).put("value", "sk-admin");
    assertThat(run(s, new GatewayAuth())).extracting(Finding::message)
        .anyMatch(m -> m.contains("sets GANTRY_MASTER_KEY without valueFrom.secretKeyRef"));
  }

  @Test
  void llm009_whenEngineNotPinnedToPool_reportsIt() {
    Stacks s = Stacks.compliant();
    s.podSpec("engine-llama-8b").remove("nodeSelector");
    assertThat(run(s, new EngineOnPool())).singleElement()
        .satisfies(f -> assertThat(f.message()).contains("is not pinned to pool 'gpu-l4'"));
  }

  @Test
  void llm009_whenModelHasNoEngine_reportsModel() {
    Stacks s = Stacks.compliant().without("Deployment", "engine-llama-8b");
    assertThat(run(s, new EngineOnPool())).singleElement()
        .satisfies(f -> assertThat(f.message()).contains("model 'llama-8b' has no engine workload"));
  }

  @Test
  void llm010_whenInstanceTypeTypo_suggestsCatalogName() {
    Stacks s = Stacks.compliant();
    s.pool("gpu-l4").put("instanceType", "g6.12xlarg");
    assertThat(run(s, new PoolMatchesCatalog())).singleElement()
        .satisfies(f -> assertThat(f.message()).contains("'g6.12xlarg', which is not in the aws GPU catalog; did you mean 'g6.12xlarge'?"));
  }

  @Test
  void llm010_whenDeclaredGpuCountDisagrees_reportsCatalogFacts() {
    Stacks s = Stacks.compliant();
    s.pool("gpu-h100").put("gpusPerNode", 4);
    assertThat(run(s, new PoolMatchesCatalog())).singleElement()
        .satisfies(f -> assertThat(f.message()).contains("but p5.48xlarge has 8 × 80.0 GiB (H100)"));
  }

  /** The compliant stack with llama-8b turned into a CPU model: no pool, no GPU request, a memory limit. */
  private static Stacks cpuModel(String memoryLimit) {
    Stacks s = Stacks.compliant();
    s.model("llama-8b").put("device", "cpu").put("maxNumSeqs", 2).put("maxModelLen", 4096).remove("pool");
    ObjectNode resources = (ObjectNode) s.container("engine-llama-8b").path("resources");
    ((ObjectNode) resources.path("limits")).remove("nvidia.com/gpu");
    ((ObjectNode) resources.path("requests")).remove("nvidia.com/gpu");
    ((ObjectNode) resources.path("limits")).put("memory", memoryLimit);
    ((ObjectNode) resources.path("requests")).put("memory", memoryLimit);
    s.podSpec("engine-llama-8b").remove("nodeSelector");
    return s;
  }

  @Test
  void llm001_onCpuModel_doesNotFire_evenThoughNoGpuPoolFitsIt() {
    Stacks s = cpuModel("40Gi");
    assertThat(run(s, new GpuMemoryFit())).isEmpty();
    assertThat(run(s, new EngineOnPool())).isEmpty();
    assertThat(run(s, new TensorParallelFits())).isEmpty();
  }

  @Test
  void llm011_whenCpuModelFitsItsMemoryLimit_passes() {
    // 8.03e9 × 2 B = 15.0 GiB weights + KV 2 × 32 × 8 × 128 × 4 B = 256 KiB/token × 4096 × 2 = 2.0 GiB + 1.5 GiB.
    assertThat(run(cpuModel("20Gi"), new CpuMemoryFit())).isEmpty();
  }

  @Test
  void llm011_whenCpuModelExceedsItsMemoryLimit_reportsNumbersAndFixes() {
    Finding f = run(cpuModel("16Gi"), new CpuMemoryFit()).get(0);
    assertThat(f.message()).contains("does not fit its memory limit 16.0 GiB", "weights 15.0 GiB",
        "KV cache 2.0 GiB (float32, 4096 tokens × 2 seqs)", "KV room for 0 sequence(s)");
    assertThat(f.fix()).contains("set the engine memory to at least 19Gi");
  }

  @Test
  void llm011_whenCpuEngineHasNoMemoryLimit_reportsIt() {
    Stacks s = cpuModel("20Gi");
    ((ObjectNode) s.container("engine-llama-8b").path("resources").path("limits")).remove("memory");
    assertThat(run(s, new CpuMemoryFit())).singleElement().satisfies(f -> assertThat(f.message()).contains("has no memory limit"));
  }

  @Test
  void llm011_onGpuModels_doesNotFire() {
    assertThat(run(Stacks.compliant(), new CpuMemoryFit())).isEmpty();
  }

  @Test
  void llm002_whenCpuEngineRequestsGpus_reportsIt() {
    Stacks s = cpuModel("20Gi");
    ((ObjectNode) s.container("engine-llama-8b").path("resources").path("limits")).put("nvidia.com/gpu", 1);
    assertThat(run(s, new TensorParallelFits())).singleElement()
        .satisfies(f -> assertThat(f.message()).contains("CPU engine", "requests 1 nvidia.com/gpu"));
  }
}
