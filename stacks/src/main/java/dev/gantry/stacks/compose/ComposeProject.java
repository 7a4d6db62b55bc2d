package dev.gantry.stacks.compose;

import dev.gantry.infra.k8s.EngineSpec;
import dev.gantry.infra.k8s.GatewaySpec;
import dev.gantry.infra.k8s.MonitoringSpec;
import dev.gantry.infra.k8s.NamespaceNames;
import dev.gantry.infra.k8s.ServingFiles;
import dev.gantry.stacks.config.ModelConfig;
import dev.gantry.stacks.config.StackConfig;
import dev.gantry.stacks.images.ContainerImages;
import dev.gantry.stacks.images.GantryImages;
import dev.gantry.stacks.program.Workloads;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * A stack as a single-host docker-compose project (Compose Specification), for a team with
 * one GPU server and no Kubernetes. Built from the same specs as the Pulumi program: the
 * engine images (pinned by {@code stacks/images.lock.json} when locked) and flags come from
 * {@link Workloads#engine} and {@link ServingFiles#engineArgs}, the gateway config from
 * {@link ServingFiles#gatewayConfigYaml}, dashboards and alert rules from the monitoring
 * component's own builders. What it holds, file by file (paths relative to the output
 * directory):
 *
 * <pre>
 * docker-compose.yaml          download-M (one-shot) → engine-M (GPU) ─┐
 *                              postgres (pg_isready) ──────────────────┴→ gateway :4000
 *                              prometheus (scrapes engines + gateway) → grafana
 * config.yaml                  the gateway's LiteLLM-style config, one entry per engine service
 * prometheus.yml, alerts.yml   scrape targets labelled like the cluster's, the serving alerts
 * grafana/...                  datasource + dashboard provisioning, the dashboards' JSON
 * secrets/                     files the operator creates (or --generate-secrets writes)
 * </pre>
 *
 * <p>Secrets never appear as values: each is a top-level compose secret with {@code file:}.
 * Compose bind-mounts such files with their host owner and mode (it ignores uid/gid/mode
 * outside Swarm), so a 0600 file is readable in a container by root only; the gateway and
 * Grafana therefore start as root, read their secret into their environment and drop to
 * their image's user with {@code setpriv} before the server starts.
 *
 * @param stack    stack name
 * @param files    file path (relative to the output directory) to content
 * @param services one row per compose service, for the summary table
 * @param secrets  secret files the services read
 */
public record ComposeProject(String stack, Map<String, String> files, List<Service> services,
    List<ComposeSecret> secrets) {

  public static final String COMPOSE_FILE = "docker-compose.yaml";
  public static final String GATEWAY_CONFIG_FILE = "config.yaml";
  public static final String PROMETHEUS_FILE = "prometheus.yml";
  public static final String ALERTS_FILE = "alerts.yml";
  public static final String GRAFANA_DATASOURCE_FILE = "grafana/provisioning/datasources/prometheus.yaml";
  public static final String GRAFANA_DASHBOARD_PROVIDER_FILE = "grafana/provisioning/dashboards/gantry.yaml";
  public static final String GRAFANA_DASHBOARD_DIR = "grafana/dashboards";

  /**
   * Images of the services Gantry does not build. Pinned by version tag (no digest could be
   * looked up offline); pin them by digest for production the same way as stacks/images.yaml.
   */
  public static final String PROMETHEUS_IMAGE = "docker.io/prom/prometheus:v2.55.1";
  /** The Ubuntu variant: it has {@code setpriv} to drop from root after reading the admin password. */
  public static final String GRAFANA_IMAGE = "docker.io/grafana/grafana:11.3.1-ubuntu";
  public static final String HF_DOWNLOADER_IMAGE = "docker.io/library/python:3.12-slim";
  /** huggingface_hub version the downloader installs: pinned, so a download behaves the same next month. */
  public static final String HUGGINGFACE_HUB_VERSION = "0.26.2";

  static final String DATABASE_USER = "gantry";
  static final String DATABASE_NAME = "gantry";
  static final int POSTGRES_PORT = 5432;
  static final int PROMETHEUS_PORT = 9090;
  static final int GRAFANA_PORT = 3000;
  /** The gateway image's non-root user ({@link ContainerImages#USER}). */
  static final String GATEWAY_UID = ContainerImages.USER.split(":")[0];
  /** Grafana's image user: uid 472, gid 0. */
  static final String GRAFANA_UID = "472";
  /**
   * The value of the {@code namespace} label the scrape config attaches: the dashboards and
   * alerts select series by the serving namespace, as in the cluster.
   */
  static final String NAMESPACE_LABEL = NamespaceNames.defaults().serving();
  /** Same grace as the engine pods': in-flight generations stream for up to minutes. */
  static final String ENGINE_STOP_GRACE = "120s";

  static final ComposeSecret MASTER_KEY = new ComposeSecret("gateway_master_key",
      "gateway admin master key (" + ServingFiles.MASTER_KEY_ENV + ")",
      "printf 'sk-%s' \"$(openssl rand -hex 32)\" > secrets/gateway_master_key", 32, "sk-");
  static final ComposeSecret POSTGRES_PASSWORD = new ComposeSecret("postgres_password",
      "PostgreSQL password (postgres, and the gateway's " + ServingFiles.DATABASE_URL_ENV + "); URL-safe characters only",
      "openssl rand -hex 24 > secrets/postgres_password", 24, "");
  static final ComposeSecret GRAFANA_PASSWORD = new ComposeSecret("grafana_admin_password",
      "Grafana admin password (user admin)", "openssl rand -hex 16 > secrets/grafana_admin_password", 16, "");
  static final ComposeSecret HF_TOKEN = new ComposeSecret("hf_token",
      "Hugging Face token for the weight downloads (gated models)",
      "printf '%s' hf_... > secrets/hf_token   # a read token from https://huggingface.co/settings/tokens", 0, "");

  public ComposeProject {
    files = Map.copyOf(files);
    services = List.copyOf(services);
    secrets = List.copyOf(secrets);
  }

  /** One compose service as the summary shows it. */
  public record Service(String name, String role, String image, String detail) {}

  /** The project of a validated stack. */
  public static ComposeProject of(StackConfig c) {
    return new Builder(c).build();
  }

  /** Compose service name of a model's engine (dots would read as DNS domains). */
  static String engineService(String model) {
    return "engine-" + model.replace('.', '-');
  }

  static String downloadService(String model) {
    return "download-" + model.replace('.', '-');
  }

  static String weightsVolume(String model) {
    return "weights-" + model.replace('.', '-');
  }

  /** The gateway's {@code api_base} for an engine: the compose service name on the project network. */
  static String engineApiBase(EngineSpec engine) {
    return "http://" + engineService(engine.name()) + ":" + ServingFiles.ENGINE_PORT + "/v1";
  }

  private static final class Builder {
    private final StackConfig c;
    private final Map<String, Object> services = new LinkedHashMap<>();
    private final Map<String, Object> volumes = new LinkedHashMap<>();
    private final List<ComposeSecret> secrets = new ArrayList<>();
    private final List<Service> rows = new ArrayList<>();
    private final Map<String, String> files = new TreeMap<>();

    Builder(StackConfig c) {
      this.c = c;
    }

    ComposeProject build() {
      List<EngineSpec> engines = new ArrayList<>();
      boolean hfToken = c.secrets().hfToken() && c.models().stream().anyMatch(m -> m.source().startsWith("hf://"));
      if (hfToken) {
        secrets.add(HF_TOKEN);
      }
      secrets.add(MASTER_KEY);
      secrets.add(POSTGRES_PASSWORD);
      secrets.add(GRAFANA_PASSWORD);
      int firstGpu = 0;
      for (ModelConfig m : c.models()) {
        EngineSpec engine = Workloads.engine(c, m);
        engines.add(engine);
        download(m, engine, hfToken);
        engine(engine, firstGpu, c.models().size() > 1);
        firstGpu += engine.onCpu() ? 0 : engine.tensorParallelSize();
      }
      postgres();
      gateway(engines);
      prometheus(engines);
      grafana();

      Map<String, Object> secretFiles = new LinkedHashMap<>();
      secrets.forEach(s -> secretFiles.put(s.name(), map("file", "./" + s.file())));
      Map<String, Object> root = new LinkedHashMap<>();
      root.put("name", "gantry-" + c.stack());
      root.put("services", services);
      root.put("volumes", volumes);
      root.put("secrets", secretFiles);
      files.put(COMPOSE_FILE, header(engines) + composeYaml(root));

      GatewaySpec gateway = Workloads.gateway(c, MASTER_KEY.name(), POSTGRES_PASSWORD.name());
      files.put(GATEWAY_CONFIG_FILE, "# Generated by 'gantry compose " + c.stack() + "': the gateway's config, one entry per engine service.\n"
          + ServingFiles.gatewayConfigYaml(engines, gateway, ComposeProject::engineApiBase, Workloads.REQUEST_TIMEOUT_SECONDS));
      files.put(PROMETHEUS_FILE, prometheusConfig(engines));
      MonitoringSpec monitoring = Workloads.monitoring(c, "grafana-admin");
      files.put(ALERTS_FILE, "# Generated by 'gantry compose " + c.stack() + "': the serving alerts of the Kubernetes stack.\n"
          + yaml(map("groups", ServingFiles.alertRuleGroups(monitoring, NAMESPACE_LABEL))));
      files.put(GRAFANA_DATASOURCE_FILE, yaml(map("apiVersion", 1, "datasources", List.of(map(
          "name", "Prometheus", "type", "prometheus", "uid", "prometheus", "access", "proxy",
          "url", "http://prometheus:" + PROMETHEUS_PORT, "isDefault", true)))));
      files.put(GRAFANA_DASHBOARD_PROVIDER_FILE, yaml(map("apiVersion", 1, "providers", List.of(map(
          "name", "gantry", "folder", "Gantry", "type", "file", "disableDeletion", true, "allowUiUpdates", false,
          "options", map("path", "/etc/grafana/dashboards"))))));
      ServingFiles.dashboards(NAMESPACE_LABEL).forEach((name, json) -> files.put(GRAFANA_DASHBOARD_DIR + "/" + name, json));
      return new ComposeProject(c.stack(), files, rows, secrets);
    }

    private String header(List<EngineSpec> engines) {
      int gpus = engines.stream().filter(e -> !e.onCpu()).mapToInt(EngineSpec::tensorParallelSize).sum();
      return "# Generated by 'gantry compose " + c.stack() + "' from stacks/Pulumi." + c.stack() + ".yaml; regenerate, do not edit.\n"
          + "# One host: " + engines.size() + " engine(s), the gateway on :" + ServingFiles.GATEWAY_PORT
          + ", PostgreSQL, Prometheus (127.0.0.1:" + PROMETHEUS_PORT + "), Grafana (127.0.0.1:" + GRAFANA_PORT + ").\n"
          + (gpus == 0 ? "# Needs no GPU: the engines run on the CPU."
              : "# Needs " + gpus + " GPU(s) and the NVIDIA Container Toolkit.")
          + " Create the files under secrets/ first (see 'gantry compose --help').\n";
    }

    /** A Kubernetes memory quantity ({@code 4Gi}, {@code 512Mi}) in Compose's byte units ({@code 4g}, {@code 512m}). */
    static String composeMemory(String quantity) {
      for (String[] unit : new String[][] {{"Ki", "k"}, {"Mi", "m"}, {"Gi", "g"}, {"Ti", "t"}}) {
        if (quantity.endsWith(unit[0])) {
          return quantity.substring(0, quantity.length() - 2) + unit[1];
        }
      }
      if (quantity.matches("[0-9]+")) {
        return quantity + "b";
      }
      throw new IllegalArgumentException("memory '" + quantity + "' is not a binary Kubernetes quantity (Ki, Mi, Gi, Ti or "
          + "bytes) that Compose can take; write the engine's memory as e.g. 4Gi");
    }

    /** One-shot service that puts the pinned revision of the weights into the model's volume. */
    private void download(ModelConfig m, EngineSpec engine, boolean hfToken) {
      String volume = weightsVolume(m.name());
      volumes.put(volume, map("labels", map("dev.gantry.model", m.name(), "dev.gantry.revision", m.revision())));
      String target = ServingFiles.modelDir(m.name());
      Map<String, Object> s = new LinkedHashMap<>();
      if (m.source().startsWith("hf://")) {
        String repo = m.source().substring("hf://".length());
        s.put("image", HF_DOWNLOADER_IMAGE);
        // `download` is idempotent: files already in --local-dir at this revision are not fetched again.
        s.put("entrypoint", List.of("/bin/sh", "-c", "pip install --quiet --no-cache-dir --root-user-action=ignore "
            + "huggingface_hub==" + HUGGINGFACE_HUB_VERSION + " && exec huggingface-cli download "
            + shellQuote(repo) + " --revision " + shellQuote(m.revision()) + " --local-dir " + shellQuote(target)));
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("HF_HUB_DISABLE_TELEMETRY", "1");
        if (hfToken) {
          // huggingface_hub reads the token from this file; the value never enters the environment.
          env.put("HF_TOKEN_PATH", HF_TOKEN.containerPath());
          s.put("secrets", List.of(HF_TOKEN.name()));
        }
        s.put("environment", env);
      } else {
        // s3:// sources: the stack's rclone image with the host's AWS credentials chain, the
        // revision a directory under the source path (the model bucket's layout).
        s.put("image", c.images().modelDownloader());
        s.put("command", List.of("copy", "--checksum", "--transfers=16", "--multi-thread-streams=8", "--retries=5",
            "--stats=30s", "--stats-one-line",
            ":s3,provider=AWS,env_auth=true:" + m.source().substring("s3://".length()) + "/" + m.revision(), target));
        s.put("environment", map("HOME", "/tmp", "RCLONE_CONFIG", "/tmp/rclone.conf"));
      }
      s.put("volumes", List.of(volume + ":" + ServingFiles.MODEL_ROOT));
      s.put("restart", "no");
      services.put(downloadService(m.name()), s);
      rows.add(new Service(downloadService(m.name()), "weights (one-shot)", (String) s.get("image"),
          m.source() + " @ " + shortRevision(m.revision())));
    }

    /**
     * One engine. A CPU engine (the dev stack's) gets its pod's CPU and memory as limits. A GPU
     * engine alone on the host reserves {@code count} GPUs; beside other engines it
     * names its GPUs ({@code device_ids} from {@code firstGpu}): Docker gives a {@code count}
     * request the first GPUs of the host, so two engines with {@code count: 1} would share GPU 0.
     */
    private void engine(EngineSpec e, int firstGpu, boolean shared) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("image", e.image());
      // The image's entrypoint is the engine; these are its flags, the same list the engine Deployment passes.
      s.put("command", ServingFiles.engineArgs(e));
      s.put("environment", map("HOME", "/tmp", "HF_HUB_OFFLINE", "1", "XDG_CACHE_HOME", "/tmp/cache"));
      s.put("volumes", List.of(weightsVolume(e.name()) + ":" + ServingFiles.MODEL_ROOT + ":ro"));
      s.put("tmpfs", List.of("/tmp"));
      if (e.distributed()) {
        // The default 64 MiB /dev/shm makes NCCL fail or fall back to slow paths between TP workers.
        s.put("shm_size", (ServingFiles.SHM_GIB_PER_GPU * e.tensorParallelSize()) + "gb");
      }
      String deviceDetail;
      if (e.onCpu()) {
        // A CPU engine gets the CPU and memory its pod would get, and no GPU.
        s.put("deploy", map("resources", map("limits", map("cpus", e.cpu(), "memory", composeMemory(e.memory())))));
        deviceDetail = "CPU " + e.cpu() + ", " + e.memory();
      } else {
        Map<String, Object> gpus = map("driver", "nvidia");
        if (shared) {
          List<String> ids = new ArrayList<>();
          for (int i = 0; i < e.tensorParallelSize(); i++) {
            ids.add(Integer.toString(firstGpu + i));
          }
          gpus.put("device_ids", ids);
          deviceDetail = "GPU " + String.join(",", ids);
        } else {
          gpus.put("count", e.tensorParallelSize());
          deviceDetail = e.tensorParallelSize() + " GPU";
        }
        gpus.put("capabilities", List.of("gpu"));
        s.put("deploy", map("resources", map("reservations", map("devices", List.of(gpus)))));
      }
      // start_period covers loading the weights into GPU memory, like the pod's startup probe.
      s.put("healthcheck", healthcheck(httpProbe(ServingFiles.ENGINE_PORT, "/health"), "10s", "5s", 3,
          e.startupBudgetSeconds() + "s"));
      s.put("depends_on", map(downloadService(e.name()), map("condition", "service_completed_successfully")));
      s.put("restart", "unless-stopped");
      s.put("stop_grace_period", ENGINE_STOP_GRACE);
      s.put("security_opt", List.of("no-new-privileges:true"));
      s.put("logging", logging());
      services.put(engineService(e.name()), s);
      rows.add(new Service(engineService(e.name()), "engine", e.image(), deviceDetail + ", "
          + e.servedModelName() + ", max-model-len " + e.maxModelLen()));
    }

    private void postgres() {
      Map<String, Object> s = new LinkedHashMap<>();
      String image = "docker.io/library/postgres:" + c.database().engineVersion();
      s.put("image", image);
      // The image's entrypoint reads the password file as root before it drops to the postgres user.
      s.put("environment", map("POSTGRES_USER", DATABASE_USER, "POSTGRES_DB", DATABASE_NAME,
          "POSTGRES_PASSWORD_FILE", POSTGRES_PASSWORD.containerPath()));
      s.put("secrets", List.of(POSTGRES_PASSWORD.name()));
      s.put("volumes", List.of("postgres-data:/var/lib/postgresql/data"));
      volumes.put("postgres-data", map());
      s.put("healthcheck", healthcheck(List.of("CMD", "pg_isready", "-U", DATABASE_USER, "-d", DATABASE_NAME),
          "10s", "5s", 5, "30s"));
      s.put("restart", "unless-stopped");
      s.put("logging", logging());
      services.put("postgres", s);
      rows.add(new Service("postgres", "usage ledger", image, "volume postgres-data"));
    }

    private void gateway(List<EngineSpec> engines) {
      Map<String, Object> s = new LinkedHashMap<>();
      String image = c.images().gateway();
      s.put("image", image);
      String databaseUrl = "postgresql://" + DATABASE_USER + ":$(cat " + POSTGRES_PASSWORD.containerPath() + ")@postgres:"
          + POSTGRES_PORT + "/" + DATABASE_NAME;
      List<String> java = new ArrayList<>(ContainerImages.entrypoint("gateway", List.of(), GantryImages.GATEWAY_MAIN_CLASS));
      java.addAll(GantryImages.GATEWAY_ARGS);
      String script = "export " + ServingFiles.MASTER_KEY_ENV + "=\"$(cat " + MASTER_KEY.containerPath() + ")\" && "
          + "export " + ServingFiles.DATABASE_URL_ENV + "=\"" + databaseUrl + "\" && "
          + "exec setpriv --reuid=" + GATEWAY_UID + " --regid=" + GATEWAY_UID + " --clear-groups " + shellJoin(java);
      s.put("user", "0:0");
      s.put("entrypoint", List.of("/bin/sh", "-c", script));
      s.put("cap_drop", List.of("ALL"));
      // Read the 0600 secret files, then switch to the image's non-root user; the JVM keeps no capability.
      s.put("cap_add", List.of("DAC_OVERRIDE", "SETUID", "SETGID"));
      s.put("secrets", List.of(MASTER_KEY.name(), POSTGRES_PASSWORD.name()));
      s.put("volumes", List.of("./" + GATEWAY_CONFIG_FILE + ":" + GantryImages.GATEWAY_CONFIG_FILE + ":ro",
          "gateway-data:" + ContainerImages.CACHE_DIR + "/data"));
      volumes.put("gateway-data", map());
      s.put("ports", List.of(ServingFiles.GATEWAY_PORT + ":" + ServingFiles.GATEWAY_PORT));
      s.put("healthcheck", healthcheck(httpProbe(ServingFiles.GATEWAY_PORT, "/health/readiness"), "10s", "5s", 3, "60s"));
      Map<String, Object> dependsOn = new LinkedHashMap<>();
      dependsOn.put("postgres", map("condition", "service_healthy"));
      engines.forEach(e -> dependsOn.put(engineService(e.name()), map("condition", "service_healthy")));
      s.put("depends_on", dependsOn);
      s.put("restart", "unless-stopped");
      s.put("logging", logging());
      services.put("gateway", s);
      rows.add(new Service("gateway", "OpenAI API", image, ":" + ServingFiles.GATEWAY_PORT + ", " + engines.size()
          + " model(s), routing " + c.gateway().routing()));
    }

    private void prometheus(List<EngineSpec> engines) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("image", PROMETHEUS_IMAGE);
      s.put("command", List.of("--config.file=/etc/prometheus/" + PROMETHEUS_FILE, "--storage.tsdb.path=/prometheus",
          "--storage.tsdb.retention.time=" + c.monitoring().retentionDays() + "d",
          "--storage.tsdb.retention.size=" + c.monitoring().storageGiB() + "GB"));
      s.put("volumes", List.of("./" + PROMETHEUS_FILE + ":/etc/prometheus/" + PROMETHEUS_FILE + ":ro",
          "./" + ALERTS_FILE + ":/etc/prometheus/" + ALERTS_FILE + ":ro", "prometheus-data:/prometheus"));
      volumes.put("prometheus-data", map());
      s.put("ports", List.of("127.0.0.1:" + PROMETHEUS_PORT + ":" + PROMETHEUS_PORT));
      s.put("healthcheck", healthcheck(List.of("CMD", "wget", "-q", "--spider",
          "http://127.0.0.1:" + PROMETHEUS_PORT + "/-/ready"), "15s", "5s", 3, "30s"));
      s.put("restart", "unless-stopped");
      s.put("logging", logging());
      services.put("prometheus", s);
      rows.add(new Service("prometheus", "metrics", PROMETHEUS_IMAGE, "scrapes " + engines.size()
          + " engine(s) + gateway, " + c.monitoring().retentionDays() + "d"));
    }

    private void grafana() {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("image", GRAFANA_IMAGE);
      s.put("user", "0:0");
      s.put("entrypoint", List.of("/bin/sh", "-c", "export GF_SECURITY_ADMIN_PASSWORD=\"$(cat "
          + GRAFANA_PASSWORD.containerPath() + ")\" && exec setpriv --reuid=" + GRAFANA_UID
          + " --regid=0 --clear-groups /run.sh"));
      s.put("cap_drop", List.of("ALL"));
      s.put("cap_add", List.of("DAC_OVERRIDE", "SETUID", "SETGID"));
      s.put("environment", map("GF_SECURITY_ADMIN_USER", "admin", "GF_USERS_ALLOW_SIGN_UP", "false",
          "GF_AUTH_ANONYMOUS_ENABLED", "false", "GF_ANALYTICS_REPORTING_ENABLED", "false"));
      s.put("secrets", List.of(GRAFANA_PASSWORD.name()));
      s.put("volumes", List.of("./grafana/provisioning:/etc/grafana/provisioning:ro",
          "./" + GRAFANA_DASHBOARD_DIR + ":/etc/grafana/dashboards:ro", "grafana-data:/var/lib/grafana"));
      volumes.put("grafana-data", map());
      s.put("ports", List.of("127.0.0.1:" + GRAFANA_PORT + ":" + GRAFANA_PORT));
      s.put("healthcheck", healthcheck(httpProbe(GRAFANA_PORT, "/api/health"), "15s", "5s", 3, "30s"));
      s.put("depends_on", map("prometheus", map("condition", "service_healthy")));
      s.put("restart", "unless-stopped");
      s.put("logging", logging());
      services.put("grafana", s);
      rows.add(new Service("grafana", "dashboards", GRAFANA_IMAGE, ServingFiles.dashboards(NAMESPACE_LABEL).size()
          + " dashboards provisioned"));
    }

    private String prometheusConfig(List<EngineSpec> engines) {
      List<Object> engineTargets = new ArrayList<>();
      for (EngineSpec e : engines) {
        // The labels the cluster's ServiceMonitor relabelling gives: dashboards and alerts select on them.
        engineTargets.add(map("targets", List.of(engineService(e.name()) + ":" + ServingFiles.ENGINE_PORT),
            "labels", map("namespace", NAMESPACE_LABEL, "model", e.name(), "pod", engineService(e.name()))));
      }
      Map<String, Object> root = new LinkedHashMap<>();
      root.put("global", map("scrape_interval", "15s", "evaluation_interval", "15s",
          "external_labels", map("stack", c.stack())));
      root.put("rule_files", List.of("/etc/prometheus/" + ALERTS_FILE));
      root.put("scrape_configs", List.of(
          map("job_name", "gantry-engine", "metrics_path", "/metrics", "static_configs", engineTargets),
          map("job_name", "gantry-gateway", "metrics_path", "/metrics", "static_configs", List.of(map(
              "targets", List.of("gateway:" + ServingFiles.GATEWAY_PORT),
              "labels", map("namespace", NAMESPACE_LABEL, "pod", "gateway"))))));
      return "# Generated by 'gantry compose " + c.stack() + "': scrape targets are the compose services.\n" + yaml(root);
    }
  }

  /**
   * An HTTP probe with bash's /dev/tcp: healthy on status 200. Our images have bash and no
   * curl; compose would also substitute a bare {@code $} in the file, so the probe uses none.
   */
  static List<String> httpProbe(int port, String path) {
    return List.of("CMD", "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + port
        + " && printf 'GET " + path + " HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '");
  }

  private static Map<String, Object> healthcheck(List<String> test, String interval, String timeout, int retries,
      String startPeriod) {
    return map("test", test, "interval", interval, "timeout", timeout, "retries", retries, "start_period", startPeriod);
  }

  private static Map<String, Object> logging() {
    return map("driver", "json-file", "options", map("max-size", "50m", "max-file", "5"));
  }

  private static String shortRevision(String revision) {
    return revision.length() > 12 ? revision.substring(0, 12) : revision;
  }

  /** Single-quotes a word for /bin/sh (the classpath's '*' must reach java unexpanded). */
  static String shellQuote(String word) {
    if (word.matches("[A-Za-z0-9_./:=@+-]+")) {
      return word;
    }
    return "'" + word.replace("'", "'\\''") + "'";
  }

  private static String shellJoin(List<String> words) {
    return String.join(" ", words.stream().map(ComposeProject::shellQuote).toList());
  }

  /**
   * YAML with compose's variable substitution escaped: a literal {@code $} in a value (the
   * shell's {@code $(cat ...)}) is written {@code $$}, so compose passes it on unchanged.
   */
  static String composeYaml(Object root) {
    return yaml(escapeDollars(root));
  }

  /** Block-style YAML, long lines kept whole (a shell script must stay one readable line). */
  static String yaml(Object root) {
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setIndent(2);
    options.setIndicatorIndent(0);
    options.setWidth(200);
    options.setSplitLines(false);
    return new Yaml(options).dump(root);
  }

  private static Object escapeDollars(Object value) {
    if (value instanceof String s) {
      return s.replace("$", "$$");
    }
    if (value instanceof Map<?, ?> m) {
      Map<Object, Object> out = new LinkedHashMap<>();
      m.forEach((k, v) -> out.put(k, escapeDollars(v)));
      return out;
    }
    if (value instanceof List<?> l) {
      return l.stream().map(ComposeProject::escapeDollars).toList();
    }
    return value;
  }

  /** An insertion-ordered map from alternating keys and values. */
  static Map<String, Object> map(Object... keysAndValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return m;
  }
}
