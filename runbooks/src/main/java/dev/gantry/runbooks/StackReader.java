package dev.gantry.runbooks;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.catalog.GpuCatalog;
import dev.gantry.policies.catalog.GpuInstanceType;
import dev.gantry.policies.gate.GateReport;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.ResourceGraph;
import dev.gantry.policies.graph.ServingSpec;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.PolicyConfig;
import dev.gantry.policies.rules.cloud.CloudTypes;
import dev.gantry.policies.rules.llm.ModelMemory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a stack's facts out of its resource graph: names come from the resources that will
 * be created (Deployment, Service, HPA, PrometheusRule, database instance, bucket), never
 * from conventions, so the runbook names what is really deployed. A graph without a serving
 * spec is bad input: the message says how to produce one.
 */
final class StackReader {
  static final String DEPLOYMENT = "kubernetes:apps/v1:Deployment";
  static final String SERVICE = "kubernetes:core/v1:Service";
  static final String HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
  static final String INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
  static final String PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
  static final String HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
  static final String CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
  static final String COMPONENT_LABEL = "app.kubernetes.io/component";
  static final String MODEL_LABEL = "gantry.dev/model";

  private final ResourceGraph graph;
  private final GateReport report;
  private final GpuCatalog catalog;
  private final ServingSpec spec;
  private final CloudCommands cloud;
  private final double headroomGiB;

  StackReader(ResourceGraph graph, GateReport report, GpuCatalog catalog) {
    this.graph = graph;
    this.report = report;
    this.catalog = catalog;
    this.spec = graph.servingSpec().orElseThrow(() -> new IllegalArgumentException("the graph of stack '" + graph.stack()
        + "' has no '" + ResourceGraph.SERVING_SPEC_OUTPUT + "' output, so its pools and models are unknown; plan it with"
        + " 'gantry plan " + graph.stack() + "' or export a stack deployed by the Gantry program"));
    if (!report.stack().equals(graph.stack())) {
      throw new IllegalArgumentException("the gate report is for stack '" + report.stack() + "' but the graph is of stack '"
          + graph.stack() + "'; gate the same graph you generate runbooks from");
    }
    this.cloud = CloudCommands.of(spec.cloud(), spec.region(), resourceGroup());
    this.headroomGiB = PolicyConfig.defaults().with(graph.configValue("gantry:policy"), "stack config 'gantry:policy'")
        .activationHeadroomGiB();
  }

  Facts.Stack read() {
    List<Facts.Pool> pools = spec.gpuPools().stream().map(this::pool).toList();
    Facts.Namespaces ns = namespaces();
    List<Facts.Model> models = spec.models().stream().map(m -> model(m, ns)).toList();
    Facts.Gateway gateway = gateway(ns);
    Facts.Ingress ingress = ingress();
    Facts.Database database = database();
    Facts.Bucket bucket = bucket(models);
    List<Facts.Alert> alerts = alerts();
    Facts.Stack stack = new Facts.Stack(graph.stack(), graph.project(), spec.cloud(), spec.region(),
        String.join(", ", spec.zones()), graph.source().toString().toLowerCase(Locale.ROOT), report.day().toString(),
        cluster(), ns, pools, models, gateway, ingress, database, bucket, secrets(), secretConfigKeys(), images(),
        monitoring(), alerts, onCall(), cost(pools), gate(), null);
    Facts.Diagrams diagrams = new Facts.Diagrams(Architecture.requestPath(graph, stack), Architecture.components(graph));
    for (String diagram : List.of(diagrams.architecture(), diagrams.components())) {
      List<String> problems = MermaidLint.check(diagram).problems();
      if (!problems.isEmpty()) { // a bug in Architecture, not bad input: say what the graph made it draw
        throw new IllegalStateException("diagram of stack '" + graph.stack() + "' is malformed: " + problems + "\n" + diagram);
      }
    }
    return stack.withDiagrams(diagrams);
  }

  // ---- cluster and namespaces

  private Facts.Cluster cluster() {
    JsonNode c = graph.configValue("gantry:cluster");
    String name = text(graph.outputs().path("clusterName"), text(c.path("name"), graph.stack()));
    JsonNode sys = c.path("systemPool");
    return new Facts.Cluster(name, cloud.kubernetesService(), text(c.path("kubernetesVersion"), "(provider default)"),
        cloud.kubeconfig(name), text(sys.path("instanceType"), "(provider default)"), sys.path("minNodes").asInt(0),
        sys.path("maxNodes").asInt(0), cloud.cli());
  }

  private Facts.Namespaces namespaces() {
    String serving = text(graph.outputs().path("servingNamespace"),
        workloads("engine").stream().findFirst().map(StackReader::namespace).orElse("default"));
    String monitoring = graph.ofType(PROMETHEUS_RULE).stream().findFirst().map(StackReader::namespace)
        .orElse(release("kube-prometheus-stack").map(r -> r.input("namespace").asText()).orElse("monitoring"));
    String ingress = release("ingress-nginx").map(r -> r.input("namespace").asText()).orElse("ingress-nginx");
    String system = release("nvidia-device-plugin").map(r -> r.input("namespace").asText()).orElse("kube-system");
    return new Facts.Namespaces(serving, monitoring, ingress, system);
  }

  // ---- pools, models, fit

  private Facts.Pool pool(ServingSpec.GpuPool p) {
    Optional<GpuInstanceType> type = catalog.find(spec.cloud(), p.instanceType());
    return new Facts.Pool(p.name(), p.instanceType(), p.gpuModel(), p.gpusPerNode(), num(p.gpuMemoryGiB()), p.minNodes(),
        p.desiredNodes(), p.maxNodes(), p.spot(), String.join(", ", p.zones()), type.isPresent(),
        type.map(t -> usd(t.onDemandUsdPerHour())).orElse("n/a"),
        type.map(t -> usd0(t.monthlyUsd() * p.desiredNodes())).orElse("n/a"),
        type.map(t -> usd0(t.monthlyUsd() * p.maxNodes())).orElse("n/a"), "gantry.dev/pool=" + p.name());
  }

  private Facts.Model model(ServingSpec.Model m, Facts.Namespaces ns) {
    Optional<Resource> deployment = workloads("engine").stream()
        .filter(d -> m.name().equals(d.input("metadata.labels").path(MODEL_LABEL).asText(null))).findFirst();
    String deploymentName = deployment.map(StackReader::name).orElse("gantry-engine-" + m.name());
    Optional<Resource> service = graph.ofType(SERVICE).stream()
        .filter(s -> m.name().equals(s.input("spec.selector").path(MODEL_LABEL).asText(null))).findFirst();
    Optional<Resource> hpa = hpaFor(deploymentName);
    JsonNode engine = deployment.map(d -> container(d, "engine")).orElse(null);
    int port = engine == null ? 8000 : engine.path("ports").path(0).path("containerPort").asInt(8000);
    JsonNode startup = engine == null ? null : engine.path("startupProbe");
    int budget = startup == null || startup.isMissingNode() ? 0
        : startup.path("initialDelaySeconds").asInt(0) + startup.path("failureThreshold").asInt(3) * startup.path("periodSeconds").asInt(10);
    String weights = deployment.map(d -> weightsSource(d)).orElse("");
    Optional<ServingSpec.GpuPool> pool = spec.gpuPools().stream().filter(p -> p.name().equals(m.pool())).findFirst();
    double gpuGiB = pool.map(p -> catalog.find(spec.cloud(), p.instanceType()).map(GpuInstanceType::gpuMemoryGiB)
        .orElse(p.gpuMemoryGiB())).orElse(0.0);
    Facts.Fit current = m.onCpu() ? cpuFit(m, engine) : pool.map(p -> fit(m, p.instanceType(), p.gpuModel(),
        p.gpusPerNode(), gpuGiB, catalog.find(spec.cloud(), p.instanceType()))).orElse(null);
    List<Facts.Fit> larger = catalog.instanceTypes(spec.cloud()).stream()
        .filter(t -> t.gpuMemoryGiB() > gpuGiB && t.gpuCount() >= m.tensorParallelSize())
        .map(t -> fit(m, t.name(), t.gpuModel(), t.gpuCount(), t.gpuMemoryGiB(), Optional.of(t)))
        .filter(Facts.Fit::fits)
        .sorted(Comparator.comparingDouble((Facts.Fit f) -> Double.parseDouble(f.usdPerHour())))
        .limit(4).toList();
    JsonNode metric = hpa.map(h -> h.input("spec.metrics").path(0)).orElse(null);
    String hpaMetric = metric == null ? "" : metricName(metric);
    String hpaTarget = metric == null ? "" : metricTarget(metric);
    // A CPU engine (the dev stack) has no GPU pool: it runs on any node of the existing cluster.
    return new Facts.Model(m.name(), m.source(), m.revision() == null ? "(unpinned)" : m.revision(),
        m.onCpu() ? "(none: CPU engine)" : m.pool(),
        m.onCpu() ? "any node (CPU)" : pool.map(ServingSpec.GpuPool::instanceType).orElse("(unknown pool)"), m.dtype(), m.quantization(), m.maxModelLen(),
        m.maxNumSeqs(), m.tensorParallelSize(),
        hpa.map(h -> h.input("spec.minReplicas").asInt(m.minReplicas())).orElse(m.minReplicas()),
        hpa.map(h -> h.input("spec.maxReplicas").asInt(m.maxReplicas())).orElse(m.maxReplicas()),
        deploymentName, service.map(StackReader::name).orElse(deploymentName), port,
        COMPONENT_LABEL + "=engine," + MODEL_LABEL + "=" + m.name(), hpa.map(StackReader::name).orElse(""), hpaMetric,
        hpaTarget, budget, weights, weightsPrefix(weights), current, larger,
        m.maxReplicas() * Math.max(1, m.tensorParallelSize()), pool.map(p -> p.maxNodes() * p.gpusPerNode()).orElse(0));
  }

  /** The gate's own GPU-fit computation ({@link ModelMemory}, as GNT-LLM-001 uses it) on one instance type. */
  private Facts.Fit fit(ServingSpec.Model m, String instanceType, String gpuModel, int gpuCount, double gpuGiB,
      Optional<GpuInstanceType> type) {
    ModelMemory mem;
    try {
      mem = ModelMemory.estimate(m, gpuGiB, headroomGiB);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("model '" + m.name() + "' of stack '" + graph.stack() + "': " + e.getMessage(), e);
    }
    return new Facts.Fit(instanceType, gpuModel, gpuCount, num(gpuGiB), num(mem.weightsGiB()), num(mem.kvGiB()),
        num(mem.headroomGiB()), num(mem.neededGiB()), num(mem.availableGiB()), mem.fits(),
        mem.sequencesThatFit(m.maxModelLen()), type.map(t -> usd(t.onDemandUsdPerHour())).orElse("0"),
        type.map(t -> usd0(t.monthlyUsd())).orElse("n/a"));
  }

  /** A CPU engine's fit (gate rule GNT-LLM-011): weights + float32 KV cache + headroom against its memory limit. */
  private Facts.Fit cpuFit(ServingSpec.Model m, JsonNode engine) {
    double limitGiB = engine == null ? Double.NaN
        : dev.gantry.policies.rules.K8s.bytes(engine.path("resources").path("limits").path("memory")) / ModelMemory.GIB;
    if (Double.isNaN(limitGiB)) {
      return null;
    }
    ModelMemory mem = ModelMemory.estimateCpu(m, limitGiB, headroomGiB);
    return new Facts.Fit("CPU", "none", 0, num(limitGiB), num(mem.weightsGiB()), num(mem.kvGiB()), num(mem.headroomGiB()),
        num(mem.neededGiB()), num(mem.availableGiB()), mem.fits(), mem.sequencesThatFit(m.maxModelLen()), "0", "n/a");
  }

  private static String metricName(JsonNode metric) {
    String type = metric.path("type").asText();
    JsonNode body = metric.path(type.toLowerCase(Locale.ROOT));
    String name = body.path("metric").path("name").asText(body.path("name").asText(type));
    return type + " " + name;
  }

  private static String metricTarget(JsonNode metric) {
    JsonNode target = metric.path(metric.path("type").asText().toLowerCase(Locale.ROOT)).path("target");
    if (target.has("averageUtilization")) {
      return target.path("averageUtilization").asText() + " % average utilization";
    }
    if (target.has("averageValue")) {
      return target.path("averageValue").asText() + " per replica (average)";
    }
    return target.path("value").asText("");
  }

  /** The object-store path the weight-download init container copies, e.g. {@code bucket/model/revision}. */
  private static String weightsSource(Resource deployment) {
    for (JsonNode c : deployment.input("spec.template.spec.initContainers")) {
      for (JsonNode arg : c.path("args")) {
        String a = arg.asText();
        int colon = a.lastIndexOf(':');
        if (a.startsWith(":") && colon > 0 && colon < a.length() - 1) {
          return a.substring(colon + 1);
        }
      }
    }
    return "";
  }

  private static String weightsPrefix(String source) {
    int slash = source.indexOf('/');
    return slash < 0 ? "" : source.substring(slash + 1) + "/";
  }

  // ---- gateway, ingress

  private Facts.Gateway gateway(Facts.Namespaces ns) {
    Optional<Resource> d = workloads("gateway").stream().findFirst();
    String name = d.map(StackReader::name).orElse("gantry-gateway");
    JsonNode c = d.map(r -> container(r, "gateway")).orElse(null);
    int port = c == null ? 4000 : c.path("ports").path(0).path("containerPort").asInt(4000);
    Optional<Resource> svc = graph.ofType(SERVICE).stream()
        .filter(s -> "gateway".equals(s.input("spec.selector").path(COMPONENT_LABEL).asText(null))).findFirst();
    Optional<Resource> hpa = hpaFor(name);
    ServingSpec.Gateway g = spec.gateway();
    String host = g == null || g.host() == null ? "" : g.host();
    String secret = masterKeySecret(g);
    String configMap = graph.ofType(CONFIG_MAP).stream().map(StackReader::name).filter(n -> n.contains("gateway-config"))
        .findFirst().orElse("");
    return new Facts.Gateway(name, svc.map(StackReader::name).orElse(name), port, host,
        text(graph.outputs().path("gatewayUrl"), host.isEmpty() ? "" : "https://" + host),
        hpa.map(h -> h.input("spec.minReplicas").asInt(1)).orElse(g == null ? 1 : g.replicas()),
        hpa.map(h -> h.input("spec.maxReplicas").asInt(1)).orElse(g == null ? 1 : g.replicas()),
        g != null && g.authEnabled(), secret, secret.isEmpty() ? "" : cloud.readSecret(secret),
        COMPONENT_LABEL + "=gateway", probePath(c, "readinessProbe", "/health/readiness"),
        probePath(c, "livenessProbe", "/health/liveliness"), configMap);
  }

  /**
   * The master key's name in the secret store: the spec's, when a secret of that name is in the
   * plan; else the planned secret named like it (clouds whose secret ids cannot hold '/').
   */
  private String masterKeySecret(ServingSpec.Gateway g) {
    String named = g == null || g.masterKeySecret() == null ? "" : g.masterKeySecret();
    List<String> planned = secrets();
    if (named.isEmpty() || planned.isEmpty() || planned.contains(named)) {
      return named;
    }
    return planned.stream().filter(s -> s.endsWith("gateway-master-key")).findFirst().orElse(named);
  }

  private Facts.Ingress ingress() {
    Optional<Resource> ing = graph.ofType(INGRESS).stream().findFirst();
    String host = ing.map(i -> i.input("spec.rules").path(0).path("host").asText("")).orElse(
        spec.gateway() == null ? "" : spec.gateway().host());
    return new Facts.Ingress(ing.map(StackReader::name).orElse(""), ing.map(StackReader::namespace).orElse(""), host,
        ing.map(i -> i.input("spec.tls").path(0).path("secretName").asText("")).orElse(""),
        ing.map(i -> i.input("spec.ingressClassName").asText("")).orElse(""),
        ing.map(i -> i.input("metadata.annotations").path("nginx.ingress.kubernetes.io/limit-rps").asText("")).orElse(""),
        release("ingress-nginx").map(r -> r.input("namespace").asText()).orElse("ingress-nginx"));
  }

  // ---- data: database, bucket, secrets, images

  static final String CNPG_CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";

  /**
   * The gateway's PostgreSQL of a stack on an existing cluster: a CloudNativePG Cluster (the dev
   * stack), which has no backups; failover is the operator's, by promoting a replica.
   */
  private Facts.Database inClusterDatabase() {
    Optional<Resource> cnpg = graph.ofType(CNPG_CLUSTER).stream().findFirst();
    if (cnpg.isEmpty()) {
      return null;
    }
    Resource r = cnpg.get();
    String id = r.input("metadata.name").asText(r.name());
    String ns = r.input("metadata.namespace").asText("default");
    int instances = r.input("spec.instances").asInt(1);
    String noBackups = "# no backups: this in-cluster PostgreSQL (CloudNativePG) has no object store configured";
    return new Facts.Database(r.type(), "CloudNativePG (in-cluster PostgreSQL)", id, "PostgreSQL", "",
        instances + " instance(s)", 0, "", instances >= 2, false, "", text(graph.outputs().path("databaseAddress"), ""),
        noBackups, noBackups,
        "kubectl cnpg promote " + id + " <replica-pod> -n " + ns + "   # kubectl plugin of CloudNativePG");
  }

  private Facts.Database database() {
    Optional<Resource> db = graph.resources().stream().filter(r -> r.type().equals(CloudTypes.RDS_INSTANCE)
        || r.type().equals(CloudTypes.RDS_CLUSTER) || r.type().equals(CloudTypes.CLOUD_SQL)
        || CloudTypes.AZURE_POSTGRES.contains(r.type())).findFirst();
    if (db.isEmpty()) {
      return inClusterDatabase();
    }
    Resource r = db.get();
    String id = firstText(r, "identifier", "clusterIdentifier", "name", "serverName");
    if (id.isEmpty()) {
      id = r.name();
    }
    JsonNode cfg = graph.configValue("gantry:database");
    int retention = r.input("backupRetentionPeriod").asInt(
        r.input("settings.backupConfiguration.transactionLogRetentionDays").asInt(
            r.input("backup.backupRetentionDays").asInt(cfg.path("backupRetentionDays").asInt(0))));
    String engine = firstText(r, "engine");
    boolean standby = r.input("multiAz").isBoolean() ? r.input("multiAz").asBoolean()
        : r.input("settings.availabilityType").isTextual() ? r.input("settings.availabilityType").asText().equals("REGIONAL")
        : r.input("highAvailability.mode").isTextual() ? !r.input("highAvailability.mode").asText().equals("Disabled")
        : cfg.path("multiAz").asBoolean(false);
    return new Facts.Database(r.type(), cloud.databaseService(), id, engine.isEmpty() ? "PostgreSQL" : engine,
        firstText(r, "engineVersion", "databaseVersion", "version"), firstText(r, "instanceClass", "settings.tier", "sku.name"),
        retention, firstText(r, "backupWindow", "settings.backupConfiguration.startTime"), standby,
        r.input("deletionProtection").asBoolean(cfg.path("deletionProtection").asBoolean(false)),
        firstText(r, "finalSnapshotIdentifier"), text(graph.outputs().path("databaseAddress"), ""),
        cloud.pointInTimeRestore(id), cloud.listBackups(id), cloud.failover(id));
  }

  private Facts.Bucket bucket(List<Facts.Model> models) {
    Optional<Resource> b = graph.resources().stream().filter(CloudTypes::isBucket).findFirst();
    if (b.isEmpty()) {
      return huggingFace();
    }
    String name = firstText(b.get(), "bucket", "name", "accountName");
    if (name.isEmpty()) {
      name = text(graph.configValue("gantry:storage").path("bucketName"), b.get().name());
    }
    String bucket = name;
    boolean versioned = b.get().input("versioning.enabled").asBoolean(false)
        || graph.resources().stream().anyMatch(r -> CloudTypes.S3_VERSIONING.contains(r.type())
            && r.input("bucket").asText("").equals(bucket)
            && r.input("versioningConfiguration.status").asText("").equals("Enabled"))
        || graph.ofType(CloudTypes.AZURE_BLOB_SERVICE).stream().anyMatch(r -> r.input("isVersioningEnabled").asBoolean(false));
    String prefix = models.isEmpty() ? "" : models.get(0).weightsPrefix();
    String key = prefix + "config.json";
    return new Facts.Bucket(name, cloud.bucketUrl(name), versioned, cloud.listVersions(name, prefix),
        cloud.restoreVersion(name, key), key);
  }

  /**
   * A stack without a bucket (the dev stack) fetches the weights from Hugging Face at the model's
   * pinned commit: a revision there never changes, so "restoring" means pinning another one.
   */
  private Facts.Bucket huggingFace() {
    Optional<ServingSpec.Model> hf = spec.models().stream().filter(m -> m.source().startsWith("hf://")).findFirst();
    if (hf.isEmpty()) {
      return null;
    }
    String repo = hf.get().source().substring("hf://".length());
    String revision = hf.get().revision() == null ? "main" : hf.get().revision();
    return new Facts.Bucket("huggingface.co/" + repo, "https://huggingface.co/" + repo + "/tree/" + revision,
        hf.get().revision() != null, "curl -s https://huggingface.co/api/models/" + repo + "/revision/" + revision,
        "# weights come from the pinned commit; to roll back, set the previous revision in the model file and redeploy",
        "config.json");
  }

  private List<String> secrets() {
    return CloudTypes.SECRET_STORES.stream().flatMap(t -> graph.ofType(t).stream())
        .map(r -> firstText(r, "name", "secretId", "secretName")).filter(s -> !s.isEmpty()).sorted().toList();
  }

  /** The stack's secret config keys; generated passwords and keys get a random value, tokens come from their issuer. */
  private List<Facts.SecretKey> secretConfigKeys() {
    List<Facts.SecretKey> keys = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = graph.config().fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (Values.isSecret(e.getValue())) {
        String k = e.getKey();
        String lower = k.toLowerCase(Locale.ROOT);
        boolean generated = lower.endsWith("password") || lower.endsWith("key");
        boolean hf = lower.contains("hf");
        keys.add(new Facts.SecretKey(k, generated ? "\"$(openssl rand -hex 32)\"" : hf ? "\"$HF_TOKEN\"" : "\"$VALUE\"",
            generated ? "" : hf ? "a Hugging Face read token (hf_...)" : "the real value"));
      }
    }
    return keys.stream().sorted(java.util.Comparator.comparing(Facts.SecretKey::key)).toList();
  }

  private Facts.Images images() {
    JsonNode cfg = graph.configValue("gantry:images");
    String engine = text(cfg.path("engine"), "");
    String gateway = text(cfg.path("gateway"), "");
    String engineRepo = text(graph.outputs().path("engineRepository"), repository(engine));
    String gatewayRepo = text(graph.outputs().path("gatewayRepository"), repository(gateway));
    return new Facts.Images(engine, gateway, engineRepo, gatewayRepo, cloud.listImages(engineRepo), cloud.listImages(gatewayRepo));
  }

  private static String repository(String image) {
    int at = image.indexOf('@');
    String noDigest = at < 0 ? image : image.substring(0, at);
    int colon = noDigest.lastIndexOf(':');
    return colon > noDigest.lastIndexOf('/') ? noDigest.substring(0, colon) : noDigest;
  }

  // ---- monitoring and alerts

  private Facts.Monitoring monitoring() {
    Optional<Resource> kps = release("kube-prometheus-stack");
    String base = kps.map(r -> r.input("values.fullnameOverride").asText(r.input("name").asText("kube-prometheus-stack")))
        .orElse("kube-prometheus-stack");
    String rule = graph.ofType(PROMETHEUS_RULE).stream().findFirst().map(StackReader::name).orElse("");
    return new Facts.Monitoring(base + "-prometheus", kps.map(r -> r.input("name").asText(base)).orElse(base) + "-grafana",
        base + "-alertmanager", rule);
  }

  private List<Facts.Alert> alerts() {
    List<Facts.Alert> alerts = new ArrayList<>();
    for (Resource rule : graph.ofType(PROMETHEUS_RULE)) {
      for (JsonNode group : rule.input("spec.groups")) {
        for (JsonNode r : group.path("rules")) {
          if (!r.has("alert")) {
            continue; // recording rule
          }
          String expr = r.path("expr").asText();
          String severity = r.path("labels").path("severity").asText("warning");
          String name = r.path("alert").asText();
          alerts.add(new Facts.Alert(name, name.toLowerCase(Locale.ROOT), group.path("name").asText(), severity,
              r.path("for").asText("0m"), expr, readable(r.path("annotations").path("summary").asText("")),
              readable(r.path("annotations").path("description").asText("")), kind(expr),
              expr.contains("gateway") || group.path("name").asText().contains("gateway") ? "gateway" : "engine",
              severity.equals("critical") || severity.equals("page")));
        }
      }
    }
    return alerts;
  }

  /** What an alert watches, from the metric in its PromQL. */
  static String kind(String expr) {
    if (expr.contains("e2e_request_latency")) {
      return "latency";
    }
    if (expr.contains("time_to_first_token")) {
      return "ttft";
    }
    if (expr.contains("cache_usage_perc")) {
      return "kvcache";
    }
    if (expr.contains("num_requests_waiting")) {
      return "queue";
    }
    if (expr.contains("num_preemptions")) {
      return "preemption";
    }
    if (expr.contains("replicas_available") && expr.contains("== 0")) {
      return "unavailable";
    }
    if (expr.contains("replicas_available")) {
      return "replicas";
    }
    if (expr.startsWith("up{") || expr.contains(" up{")) {
      return "scrape";
    }
    return "other";
  }

  /**
   * Prometheus template placeholders ({@code {{ $labels.model }}}, {@code {{ $value | humanize }}})
   * become {@code <model>} and {@code <value>}: the runbook describes the alert, it does not fire it.
   */
  static String readable(String annotation) {
    return annotation.replaceAll("\\{\\{\\s*\\$labels\\.([A-Za-z_][A-Za-z0-9_]*)\\s*}}", "<$1>")
        .replaceAll("\\{\\{\\s*\\$value[^}]*}}", "<value>")
        .replaceAll("\\{\\{[^}]*}}", "<…>");
  }

  private Facts.OnCall onCall() {
    JsonNode c = graph.configValue("gantry:onCall");
    List<String> other = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = c.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!List.of("team", "slackChannel", "pagerDutyService").contains(e.getKey())) {
        other.add(e.getKey() + ": " + e.getValue().asText());
      }
    }
    return new Facts.OnCall(text(c.path("team"), ""), text(c.path("slackChannel"), ""), text(c.path("pagerDutyService"), ""),
        other);
  }

  // ---- cost and gate

  private Facts.Cost cost(List<Facts.Pool> pools) {
    double desired = 0;
    double min = 0;
    double max = 0;
    List<String> unpriced = new ArrayList<>();
    for (ServingSpec.GpuPool p : spec.gpuPools()) {
      Optional<GpuInstanceType> t = catalog.find(spec.cloud(), p.instanceType());
      if (t.isEmpty()) {
        unpriced.add(p.name() + " (" + p.instanceType() + ")");
        continue;
      }
      desired += t.get().monthlyUsd() * p.desiredNodes();
      min += t.get().monthlyUsd() * p.minNodes();
      max += t.get().monthlyUsd() * p.maxNodes();
    }
    return new Facts.Cost(usd0(desired), usd0(min), usd0(max), unpriced);
  }

  private Facts.Gate gate() {
    List<Facts.Finding> findings = report.findings().stream()
        .filter(f -> f.status() != GateReport.FindingStatus.WAIVED || f.waiver() != null)
        .map(f -> new Facts.Finding(f.finding().ruleId(), f.status().name().toLowerCase(Locale.ROOT), f.finding().subject(),
            f.finding().message(), f.finding().fix() + (f.waiver() == null ? ""
                : " (waived until " + f.waiver().expires() + ", owner " + f.waiver().owner() + ")")))
        .toList();
    List<Facts.Item> items = report.items().stream().map(StackReader::item).toList();
    return new Facts.Gate(report.ready(), report.day().toString(), report.count(GateReport.FindingStatus.BLOCKING),
        report.count(GateReport.FindingStatus.ADVISORY), report.count(GateReport.FindingStatus.WAIVED), findings, items,
        report.notes());
  }

  /** proved: its rules pass; attested: a person vouched for it; waived until DATE; missing: still owed. */
  private static Facts.Item item(GateReport.ItemResult r) {
    String state;
    String detail;
    switch (r.status()) {
      case MET -> {
        if (r.attestation() != null) {
          state = "attested";
          detail = "by " + r.attestation().by() + " on " + r.attestation().at() + " ([evidence](" + r.attestation().evidence() + "))";
        } else {
          state = "proved";
          detail = "by " + String.join(", ", r.rules());
        }
      }
      case WAIVED -> {
        state = "waived until " + r.waiver().expires();
        detail = r.waiver().reason() + " (owner " + r.waiver().owner() + ")";
      }
      case UNMET -> {
        state = "missing";
        detail = String.join("; ", r.reasons());
      }
      default -> throw new AssertionError(r.status());
    }
    if (r.status() == GateReport.ItemStatus.MET && !r.reasons().isEmpty()) {
      detail += "; note: " + String.join("; ", r.reasons());
    }
    return new Facts.Item(r.phase().label(), r.item().id(), r.item().title(), r.item().mandatory(), state,
        detail.replace("|", "\\|"));
  }

  // ---- graph helpers

  private List<Resource> workloads(String component) {
    return workloads(graph, component);
  }

  /** Deployments labelled {@code app.kubernetes.io/component: <component>} ({@code engine}, {@code gateway}). */
  static List<Resource> workloads(ResourceGraph graph, String component) {
    return graph.ofType(DEPLOYMENT).stream()
        .filter(d -> component.equals(d.input("metadata.labels").path(COMPONENT_LABEL).asText(null))).toList();
  }

  private Optional<Resource> hpaFor(String deployment) {
    return graph.ofType(HPA).stream().filter(h -> deployment.equals(h.input("spec.scaleTargetRef.name").asText(null)))
        .findFirst();
  }

  private Optional<Resource> release(String chart) {
    return graph.ofType(HELM_RELEASE).stream().filter(r -> chart.equals(r.input("chart").asText(null))).findFirst();
  }

  private String resourceGroup() {
    return graph.resources().stream().filter(r -> r.type().equals("azure-native:resources:ResourceGroup"))
        .map(r -> firstText(r, "resourceGroupName")).filter(s -> !s.isEmpty()).findFirst().orElse(null);
  }

  private static JsonNode container(Resource deployment, String name) {
    JsonNode containers = deployment.input("spec.template.spec.containers");
    for (JsonNode c : containers) {
      if (name.equals(c.path("name").asText())) {
        return c;
      }
    }
    return containers.path(0);
  }

  private static String probePath(JsonNode container, String probe, String fallback) {
    return container == null ? fallback : container.path(probe).path("httpGet").path("path").asText(fallback);
  }

  static String name(Resource r) {
    return r.input("metadata.name").asText(r.name());
  }

  static String namespace(Resource r) {
    return r.input("metadata.namespace").asText("default");
  }

  private static String firstText(Resource r, String... paths) {
    for (String p : paths) {
      JsonNode n = r.input(p);
      if (n.isValueNode() && !n.asText().isEmpty()) {
        return n.asText();
      }
    }
    return "";
  }

  private static String text(JsonNode node, String fallback) {
    return node.isValueNode() && !node.asText().isEmpty() ? node.asText() : fallback;
  }

  static String num(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  static String usd(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }

  static String usd0(double v) {
    return String.format(Locale.ROOT, "%,.0f", v);
  }
}
