package dev.gantry.stacks.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.ResourceGraph;
import dev.gantry.stacks.config.StackCatalog;
import dev.gantry.stacks.images.BuiltImage;
import dev.gantry.stacks.images.ImageLock;
import dev.gantry.stacks.plan.Planner;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code gantry compose}: no Docker engine runs here, so the tests read the written project
 * back and check its structure and values against the stack (and, for the engine flags,
 * against the engine Deployment of the stack's plan).
 */
class ComposeCommandTest {
  static final Path STACKS = Path.of("").toAbsolutePath();
  static final String AWS_ENGINE_TAG = "123456789012.dkr.ecr.us-east-1.amazonaws.com/gantry/engine:0.1.0";
  static final String AWS_GATEWAY_TAG = "123456789012.dkr.ecr.us-east-1.amazonaws.com/gantry/gateway:0.1.0";
  static final String DIGEST_A = "sha256:" + "a".repeat(64);
  static final String DIGEST_B = "sha256:" + "b".repeat(64);
  static final List<String> AWS_ENGINES = List.of("engine-llama-3-1-8b-instruct", "engine-qwen2-5-1-5b-instruct");

  @TempDir
  Path tmp;
  Path stacks;
  Path out;
  final StringWriter stdout = new StringWriter();
  final StringWriter stderr = new StringWriter();

  @BeforeEach
  void copyStacks() throws IOException {
    stacks = Files.createDirectories(tmp.resolve("repo/stacks"));
    Files.createDirectories(stacks.resolve("models"));
    for (String f : new String[] {"Pulumi.yaml", "Pulumi.aws-prod.yaml", "Pulumi.gcp-prod.yaml", "Pulumi.dev.yaml"}) {
      Files.copy(STACKS.resolve(f), stacks.resolve(f));
    }
    try (Stream<Path> models = Files.list(STACKS.resolve("models"))) {
      for (Path m : models.toList()) {
        Files.copy(m, stacks.resolve("models").resolve(m.getFileName()));
      }
    }
    out = tmp.resolve("out");
  }

  int run(String... args) {
    String[] all = Stream.concat(Stream.of("--stacks-dir", stacks.toString()), Stream.of(args)).toArray(String[]::new);
    return GantryCli.run(new PrintWriter(stdout, true), new PrintWriter(stderr, true), all);
  }

  Map<String, Object> compose() throws IOException {
    return new Yaml().load(Files.readString(out.resolve("docker-compose.yaml")));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> mapAt(Object node, String... keys) {
    Object at = node;
    for (String k : keys) {
      assertThat(at).as("parent of '%s'", k).isInstanceOf(Map.class);
      at = ((Map<String, Object>) at).get(k);
      assertThat(at).as("'%s' in %s", k, String.join(".", keys)).isNotNull();
    }
    return (Map<String, Object>) at;
  }

  @SuppressWarnings("unchecked")
  static List<Object> listAt(Map<String, Object> node, String key) {
    assertThat(node.get(key)).as(key).isInstanceOf(List.class);
    return (List<Object>) node.get(key);
  }

  @Test
  void compose_awsProdWithLock_deploysTheLockedDigestsOfEngineAndGateway() throws IOException {
    ImageLock.empty().with(List.of(new BuiltImage("engine", AWS_ENGINE_TAG, DIGEST_A, DIGEST_A, true),
        new BuiltImage("gateway", AWS_GATEWAY_TAG, DIGEST_B, DIGEST_B, true))).write(stacks);

    assertThat(run("compose", "aws-prod", "--out", out.toString())).isZero();

    Map<String, Object> services = mapAt(compose(), "services");
    ImageLock lock = ImageLock.read(stacks).orElseThrow();
    for (String engine : AWS_ENGINES) {
      assertThat(mapAt(services, engine).get("image")).isEqualTo(lock.pin(AWS_ENGINE_TAG))
          .isEqualTo("123456789012.dkr.ecr.us-east-1.amazonaws.com/gantry/engine@" + DIGEST_A);
    }
    assertThat(mapAt(services, "gateway").get("image"))
        .isEqualTo("123456789012.dkr.ecr.us-east-1.amazonaws.com/gantry/gateway@" + DIGEST_B);
    assertThat(stdout.toString()).contains("│ engine-llama-3-1-8b-instruct", "gantry/engine@" + DIGEST_A);
  }

  @Test
  void compose_gcpProdWithoutLock_usesTheStackImageReferences() throws IOException {
    assertThat(run("compose", "gcp-prod", "--out", out.toString())).isZero();

    Map<String, Object> services = mapAt(compose(), "services");
    assertThat(mapAt(services, "engine-llama-3-1-8b-instruct").get("image"))
        .isEqualTo("us-central1-docker.pkg.dev/acme-llm-prod/gantry/engine:0.1.0");
    assertThat(mapAt(services, "gateway").get("image"))
        .isEqualTo("us-central1-docker.pkg.dev/acme-llm-prod/gantry/gateway:0.1.0");
    assertThat(mapAt(services, "postgres").get("image")).isEqualTo("docker.io/library/postgres:16");
  }

  @Test
  void compose_engineFlags_areTheFlagsOfTheStacksEngineDeployments() throws IOException {
    assertThat(run("compose", "aws-prod", "--out", out.toString())).isZero();
    Map<String, Object> services = mapAt(compose(), "services");

    ResourceGraph graph = new Planner(StackCatalog.at(stacks)).plan("aws-prod").graph();
    Map<String, List<String>> deploymentArgs = new LinkedHashMap<>();
    for (Resource r : graph.ofType("kubernetes:apps/v1:Deployment")) {
      for (JsonNode c : r.input("spec").path("template").path("spec").path("containers")) {
        if (c.path("name").asText().equals("engine")) {
          List<String> args = new ArrayList<>();
          c.path("args").forEach(a -> args.add(a.asText()));
          deploymentArgs.put(r.name().replace("gantry-engine-", "engine-"), args);
        }
      }
    }
    assertThat(deploymentArgs.keySet()).containsExactlyInAnyOrderElementsOf(AWS_ENGINES);
    for (String engine : AWS_ENGINES) {
      assertThat(listAt(mapAt(services, engine), "command")).as(engine).isEqualTo(deploymentArgs.get(engine));
    }
    // The stack's per-model override and the stack-wide model defaults reach the flags.
    // The engine's CLI: `serve MODEL_DIR` (positional, like `vllm serve`), then the flags.
    assertThat(listAt(mapAt(services, "engine-llama-3-1-8b-instruct"), "command"))
        .startsWith("serve", "/models/llama-3.1-8b-instruct").contains(
        "--served-model-name=llama-3.1-8b-instruct", "--max-num-seqs=16",
        "--gpu-memory-utilization=0.9", "--dtype=bfloat16", "--enable-prefix-caching");
  }

  @Test
  void compose_devStack_runsItsCpuEngineWithTheDeploymentsFlagsAndNoGpu() throws IOException {
    assertThat(run("compose", "dev", "--out", out.toString())).as(stderr.toString()).isZero();
    Map<String, Object> engine = mapAt(compose(), "services", "engine-qwen2-5-0-5b-instruct");

    assertThat(mapAt(engine, "deploy", "resources")).doesNotContainKey("reservations");
    assertThat(mapAt(engine, "deploy", "resources", "limits")).containsEntry("cpus", "2").containsEntry("memory", "4g");
    assertThat(listAt(engine, "command")).contains("--device=cpu", "--dtype=auto")
        .noneMatch(a -> a.toString().startsWith("--tensor-parallel-size"));
    assertThat(Files.readString(out.resolve("docker-compose.yaml"))).contains("# Needs no GPU");
  }

  @Test
  void compose_twoEngines_reserveDisjointNvidiaGpusOfTensorParallelSize() throws IOException {
    assertThat(run("compose", "aws-prod", "--out", out.toString())).isZero();
    Map<String, Object> services = mapAt(compose(), "services");

    Set<Object> taken = new HashSet<>();
    for (String engine : AWS_ENGINES) {
      Map<String, Object> device = gpuReservation(mapAt(services, engine));
      assertThat(device.get("driver")).isEqualTo("nvidia");
      assertThat(listAt(device, "capabilities")).containsExactly("gpu");
      // Docker hands a `count` request the host's first GPUs: two engines would share GPU 0.
      assertThat(device).doesNotContainKey("count");
      List<Object> ids = listAt(device, "device_ids");
      assertThat(ids).as("tensorParallelSize 1").hasSize(1);
      for (Object id : ids) {
        assertThat(taken.add(id)).as("GPU %s reserved twice", id).isTrue();
      }
    }
    assertThat(taken).containsExactlyInAnyOrder("0", "1");
  }

  @Test
  void compose_oneEngine_reservesCountEqualToTensorParallelSize() throws IOException {
    Path file = stacks.resolve("Pulumi.aws-prod.yaml");
    String text = Files.readString(file);
    int cut = text.indexOf("    - model: qwen2.5-1.5b-instruct");
    int end = text.indexOf("  gantry:gateway:");
    Files.writeString(file, text.substring(0, cut) + text.substring(end));

    assertThat(run("compose", "aws-prod", "--out", out.toString())).as(stderr.toString()).isZero();

    Map<String, Object> services = mapAt(compose(), "services");
    assertThat(services).doesNotContainKey("engine-qwen2-5-1-5b-instruct");
    Map<String, Object> device = gpuReservation(mapAt(services, "engine-llama-3-1-8b-instruct"));
    assertThat(device).containsEntry("driver", "nvidia").containsEntry("count", 1).doesNotContainKey("device_ids");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> gpuReservation(Map<String, Object> service) {
    List<Object> devices = listAt(mapAt(service, "deploy", "resources", "reservations"), "devices");
    assertThat(devices).hasSize(1);
    return (Map<String, Object>) devices.get(0);
  }

  @Test
  void compose_healthchecksAndDependsOn_orderTheStartup() throws IOException {
    assertThat(run("compose", "aws-prod", "--out", out.toString())).isZero();
    Map<String, Object> services = mapAt(compose(), "services");

    for (String engine : AWS_ENGINES) {
      Map<String, Object> s = mapAt(services, engine);
      assertThat(String.join(" ", stringList(mapAt(s, "healthcheck"), "test")))
          .contains("/dev/tcp/127.0.0.1/8000", "GET /health HTTP/1.0", "' 200 '");
      // The startup budget of the pod's startup probe (300 s + the weight download at 100 MB/s).
      assertThat(mapAt(s, "healthcheck").get("start_period").toString()).matches("[0-9]{3,}s");
      String download = engine.replace("engine-", "download-");
      assertThat(mapAt(s, "depends_on", download)).containsEntry("condition", "service_completed_successfully");
      assertThat(mapAt(services, download).get("restart")).isEqualTo("no");
      assertThat(s.get("restart")).isEqualTo("unless-stopped");
    }
    Map<String, Object> gateway = mapAt(services, "gateway");
    assertThat(String.join(" ", stringList(mapAt(gateway, "healthcheck"), "test")))
        .contains("/dev/tcp/127.0.0.1/4000", "GET /health/readiness HTTP/1.0");
    Map<String, Object> dependsOn = mapAt(gateway, "depends_on");
    assertThat(dependsOn.keySet()).containsExactlyInAnyOrder("postgres", AWS_ENGINES.get(0), AWS_ENGINES.get(1));
    dependsOn.values().forEach(v -> assertThat(v).isEqualTo(Map.of("condition", "service_healthy")));
    assertThat(stringList(mapAt(services, "postgres", "healthcheck"), "test"))
        .containsExactly("CMD", "pg_isready", "-U", "gantry", "-d", "gantry");
    assertThat(mapAt(services, "grafana", "depends_on", "prometheus")).containsEntry("condition", "service_healthy");
    for (String name : List.of("gateway", "postgres", "prometheus", "grafana")) {
      assertThat(mapAt(services, name).get("restart")).as(name).isEqualTo("unless-stopped");
      assertThat(mapAt(services, name)).as(name).containsKey("healthcheck");
    }
  }

  @SuppressWarnings("unchecked")
  private static List<String> stringList(Map<String, Object> node, String key) {
    return (List<String>) (List<?>) listAt(node, key);
  }

  @Test
  void compose_secrets_areFilesNeverValues_andNoneIsWrittenWithoutGenerateSecrets() throws IOException {
    assertThat(run("compose", "aws-prod", "--out", out.toString())).isZero();
    Map<String, Object> root = compose();

    Map<String, Object> secrets = mapAt(root, "secrets");
    assertThat(secrets.keySet()).containsExactly("hf_token", "gateway_master_key", "postgres_password",
        "grafana_admin_password");
    secrets.forEach((name, spec) -> assertThat(spec).as(name).isEqualTo(Map.of("file", "./secrets/" + name)));
    assertThat(out.resolve("secrets")).isDirectory().isEmptyDirectory();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("secrets")))).isEqualTo("rwx------");

    Map<String, Object> services = mapAt(root, "services");
    assertThat(stringList(mapAt(services, "postgres"), "secrets")).containsExactly("postgres_password");
    assertThat(mapAt(services, "postgres", "environment"))
        .containsEntry("POSTGRES_PASSWORD_FILE", "/run/secrets/postgres_password").doesNotContainKey("POSTGRES_PASSWORD");
    assertThat(stringList(mapAt(services, "gateway"), "secrets")).containsExactly("gateway_master_key", "postgres_password");
    assertThat(mapAt(services, "gateway")).doesNotContainKey("environment");
    // The gateway reads the files at start (compose's $$ escapes its own substitution) and drops to its non-root user.
    String script = stringList(mapAt(services, "gateway"), "entrypoint").get(2);
    assertThat(script).contains("LITELLM_MASTER_KEY=\"$$(cat /run/secrets/gateway_master_key)\"",
        "DATABASE_URL=\"postgresql://gantry:$$(cat /run/secrets/postgres_password)@postgres:5432/gantry\"",
        "exec setpriv --reuid=65532 --regid=65532 --clear-groups java", "'/app/gateway.jar:/app/lib/*'",
        "dev.gantry.gateway.Main --config /etc/gantry/config.yaml");
    assertThat(mapAt(services, "download-llama-3-1-8b-instruct", "environment"))
        .containsEntry("HF_TOKEN_PATH", "/run/secrets/hf_token").doesNotContainKey("HF_TOKEN");

    String text = Files.readString(out.resolve("docker-compose.yaml"));
    assertThat(text).doesNotContain("PLACEHOLDER", "secure:", "_PASSWORD: ", "HF_TOKEN: ");
    // Compose substitutes ${VAR} and $VAR: every literal dollar must be doubled.
    assertThat(Pattern.compile("(?<!\\$)\\$(?!\\$)").matcher(text.replace("$$", "")).find()).isFalse();
    assertThat(stdout.toString()).contains("secrets/gateway_master_key", "MISSING",
        "openssl rand -hex 24 > secrets/postgres_password", "--generate-secrets");
  }

  @Test
  void compose_generateSecrets_writes0600RandomFiles_keepsExistingOnes_andNeverInventsTheHfToken() throws IOException {
    assertThat(run("compose", "aws-prod", "--out", out.toString(), "--generate-secrets")).isZero();

    Path secrets = out.resolve("secrets");
    for (String name : List.of("gateway_master_key", "postgres_password", "grafana_admin_password")) {
      Path file = secrets.resolve(name);
      assertThat(file).isRegularFile();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).as(name).isEqualTo("rw-------");
      assertThat(Files.readString(file)).as(name).matches("(sk-)?[0-9a-f]{32,64}");
    }
    assertThat(Files.readString(secrets.resolve("gateway_master_key"))).startsWith("sk-").hasSize(3 + 64);
    assertThat(Files.readString(secrets.resolve("postgres_password"))).hasSize(48);
    assertThat(secrets.resolve("hf_token")).doesNotExist();
    assertThat(stdout.toString()).contains("generated (0600)", "secrets/hf_token", "MISSING",
        "huggingface.co/settings/tokens");
    String composeText = Files.readString(out.resolve("docker-compose.yaml"));
    assertThat(composeText).doesNotContain(Files.readString(secrets.resolve("postgres_password")));

    String password = Files.readString(secrets.resolve("postgres_password"));
    stdout.getBuffer().setLength(0);
    assertThat(run("compose", "aws-prod", "--out", out.toString(), "--generate-secrets")).isZero();
    assertThat(Files.readString(secrets.resolve("postgres_password"))).isEqualTo(password);
    assertThat(stdout.toString()).contains("present (kept)");
  }

  @Test
  void compose_volumes_holdWeightsDatabaseAndMetrics_andEveryNamedVolumeIsDeclared() throws IOException {
    assertThat(run("compose", "aws-prod", "--out", out.toString())).isZero();
    Map<String, Object> root = compose();
    Map<String, Object> services = mapAt(root, "services");
    Map<String, Object> volumes = mapAt(root, "volumes");

    assertThat(stringList(mapAt(services, "download-llama-3-1-8b-instruct"), "volumes"))
        .containsExactly("weights-llama-3-1-8b-instruct:/models");
    assertThat(stringList(mapAt(services, "engine-llama-3-1-8b-instruct"), "volumes"))
        .containsExactly("weights-llama-3-1-8b-instruct:/models:ro");
    assertThat(mapAt(volumes, "weights-llama-3-1-8b-instruct", "labels"))
        .containsEntry("dev.gantry.revision", "0e9e39f249a16976918f6564b8830bc894c89659");
    assertThat(String.join(" ", stringList(mapAt(services, "download-llama-3-1-8b-instruct"), "entrypoint")))
        .contains("huggingface-cli download meta-llama/Llama-3.1-8B-Instruct",
            "--revision 0e9e39f249a16976918f6564b8830bc894c89659", "--local-dir /models/llama-3.1-8b-instruct");
    assertThat(stringList(mapAt(services, "postgres"), "volumes")).containsExactly("postgres-data:/var/lib/postgresql/data");

    for (var e : services.entrySet()) {
      @SuppressWarnings("unchecked")
      List<String> mounts = (List<String>) ((Map<String, Object>) e.getValue()).getOrDefault("volumes", List.of());
      for (String mount : mounts) {
        String source = mount.substring(0, mount.indexOf(':'));
        if (source.startsWith("./")) {
          assertThat(out.resolve(source.substring(2))).as("bind mount of %s", e.getKey()).exists();
        } else {
          assertThat(volumes).as("volume of %s", e.getKey()).containsKey(source);
        }
      }
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void compose_gatewayConfig_listsEachModelPointingAtItsEngineService() throws IOException {
    assertThat(run("compose", "aws-prod", "--out", out.toString())).isZero();
    Map<String, Object> services = mapAt(compose(), "services");
    assertThat(stringList(mapAt(services, "gateway"), "volumes")).contains("./config.yaml:/etc/gantry/config.yaml:ro");

    Map<String, Object> config = new Yaml().load(Files.readString(out.resolve("config.yaml")));
    List<Object> models = listAt(config, "model_list");
    Map<String, String> apiBase = new LinkedHashMap<>();
    for (Object m : models) {
      Map<String, Object> entry = (Map<String, Object>) m;
      apiBase.put((String) entry.get("model_name"), (String) mapAt(entry, "litellm_params").get("api_base"));
    }
    assertThat(apiBase).containsExactly(
        Map.entry("llama-3.1-8b-instruct", "http://engine-llama-3-1-8b-instruct:8000/v1"),
        Map.entry("qwen2.5-1.5b-instruct", "http://engine-qwen2-5-1-5b-instruct:8000/v1"));
    apiBase.values().forEach(url -> assertThat(services).containsKey(url.replaceAll("http://([^:]+):.*", "$1")));
    assertThat(mapAt(config, "general_settings")).containsEntry("master_key", "os.environ/LITELLM_MASTER_KEY")
        .containsEntry("database_url", "os.environ/DATABASE_URL");
    assertThat(mapAt(config, "router_settings")).containsEntry("routing_strategy", "engine-aware");
  }

  @Test
  @SuppressWarnings("unchecked")
  void compose_prometheus_scrapesEveryEngineAndTheGateway_withTheDashboardLabels() throws IOException {
    assertThat(run("compose", "gcp-prod", "--out", out.toString())).isZero();

    Map<String, Object> prometheus = new Yaml().load(Files.readString(out.resolve("prometheus.yml")));
    Map<String, List<String>> targets = new LinkedHashMap<>();
    Map<String, Object> engineLabels = new LinkedHashMap<>();
    for (Object job : listAt(prometheus, "scrape_configs")) {
      Map<String, Object> j = (Map<String, Object>) job;
      for (Object sc : listAt(j, "static_configs")) {
        Map<String, Object> staticConfig = (Map<String, Object>) sc;
        targets.computeIfAbsent((String) j.get("job_name"), k -> new ArrayList<>())
            .addAll(stringList(staticConfig, "targets"));
        if (j.get("job_name").equals("gantry-engine")) {
          engineLabels.putAll(mapAt(staticConfig, "labels"));
        }
      }
    }
    assertThat(targets).containsOnlyKeys("gantry-engine", "gantry-gateway");
    assertThat(targets.get("gantry-engine"))
        .containsExactly("engine-llama-3-1-8b-instruct:8000", "engine-qwen2-5-1-5b-instruct:8000");
    assertThat(targets.get("gantry-gateway")).containsExactly("gateway:4000");
    assertThat(engineLabels).containsEntry("namespace", "gantry-serving").containsKey("model");
    assertThat(stringList(prometheus, "rule_files")).containsExactly("/etc/prometheus/alerts.yml");

    Map<String, Object> alerts = new Yaml().load(Files.readString(out.resolve("alerts.yml")));
    assertThat(listAt(alerts, "groups")).isNotEmpty();
    assertThat(Files.readString(out.resolve("alerts.yml"))).contains("GantryEngineKvCacheSaturated", "{{ $labels.model }}");

    Map<String, Object> datasources = new Yaml().load(Files.readString(out.resolve(
        "grafana/provisioning/datasources/prometheus.yaml")));
    assertThat((Map<String, Object>) listAt(datasources, "datasources").get(0)).containsEntry("url", "http://prometheus:9090");
    Map<String, Object> provider = (Map<String, Object>) listAt(new Yaml().load(Files.readString(out.resolve(
        "grafana/provisioning/dashboards/gantry.yaml"))), "providers").get(0);
    assertThat(mapAt(provider, "options")).containsEntry("path", "/etc/grafana/dashboards");
    assertThat(out.resolve("grafana/dashboards/gantry-engines.json")).content().contains("vllm:num_requests_waiting");
    assertThat(out.resolve("grafana/dashboards/gantry-gateway.json")).isRegularFile();
  }

  @Test
  void compose_s3ModelSource_downloadsTheRevisionDirectoryWithTheStacksRcloneImage() throws IOException {
    Path model = stacks.resolve("models/qwen2.5-1.5b-instruct.yaml");
    String text = Files.readString(model);
    Files.writeString(model, text.replaceFirst("(?m)^source: .*$", "source: s3://acme-weights/qwen2.5-1.5b"));

    assertThat(run("compose", "aws-prod", "--out", out.toString())).as(stderr.toString()).isZero();

    Map<String, Object> download = mapAt(compose(), "services", "download-qwen2-5-1-5b-instruct");
    assertThat(download.get("image")).isEqualTo("docker.io/rclone/rclone:1.68.2");
    String revision = text.replaceAll("(?s).*\\nrevision: (\\S+).*", "$1");
    assertThat(revision).matches("[0-9a-f]{40}");
    assertThat(stringList(download, "command")).startsWith("copy", "--checksum")
        .endsWith(":s3,provider=AWS,env_auth=true:acme-weights/qwen2.5-1.5b/" + revision, "/models/qwen2.5-1.5b-instruct");
    assertThat(download).doesNotContainKey("secrets");
  }

  @Test
  void compose_outIsAFile_failsNamingThePathAndTheFix() throws IOException {
    Files.writeString(out, "not a directory");
    assertThat(run("compose", "aws-prod", "--out", out.toString())).isEqualTo(GantryCli.FAILED);
    assertThat(stderr.toString()).contains("Cannot write the compose project to '" + out + "'",
        "pass a writable directory with --out");
  }

  @Test
  void compose_unknownStack_exits2WithTheSameMessageAsPlan() {
    assertThat(run("plan", "aws-dev")).isEqualTo(GantryCli.BAD_INPUT);
    String planError = stderr.toString();
    stderr.getBuffer().setLength(0);

    assertThat(run("compose", "aws-dev", "--out", out.toString())).isEqualTo(GantryCli.BAD_INPUT);
    assertThat(stderr.toString()).isEqualTo(planError).startsWith("gantry: Unknown stack 'aws-dev'");
    assertThat(out).doesNotExist();
  }

  @Test
  void compose_badStackFile_exits2WithTheSameMessageAsPlan() throws IOException {
    Path file = stacks.resolve("Pulumi.aws-prod.yaml");
    Files.writeString(file, Files.readString(file).replace("maxNumSeqs: 16", "maxNumSeqs: many"));
    assertThat(run("plan", "aws-prod")).isEqualTo(GantryCli.BAD_INPUT);
    String planError = stderr.toString();
    stderr.getBuffer().setLength(0);

    assertThat(run("compose", "aws-prod", "--out", out.toString())).isEqualTo(GantryCli.BAD_INPUT);
    assertThat(stderr.toString()).isEqualTo(planError).contains("maxNumSeqs");
    assertThat(out).doesNotExist();
  }

  @Test
  void compose_withoutOut_exits2NamingTheOption() {
    assertThat(run("compose", "aws-prod")).isEqualTo(GantryCli.BAD_INPUT);
    assertThat(stderr.toString()).contains("--out");
  }
}
