package dev.gantry.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.gateway.Gateway;
import dev.gantry.gateway.config.ConfigException;
import dev.gantry.gateway.config.ConfigLoader;
import dev.gantry.gateway.config.Deployment;
import dev.gantry.gateway.config.GatewayConfig;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.ResourceGraph;
import dev.gantry.stacks.config.StackCatalog;
import dev.gantry.stacks.images.ContainerImages;
import dev.gantry.stacks.images.GantryImages;
import dev.gantry.stacks.plan.Planner;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract between what the stacks deploy and what our engine and gateway accept: every
 * stack in {@code stacks/} is planned offline (the planner {@code gantry plan} uses), and
 * each engine and gateway container of the graph is checked with the real programs' own
 * parsers, without loading a model or starting a server:
 * <ul>
 *   <li>engine {@code command + args}: the engine's picocli parse and flag checks
 *       ({@code Main.checkServeArguments}); a failing flag is named by re-checking it alone;
 *   <li>gateway args: the gateway's argument parser; its {@code --config} file is a key of a
 *       planned ConfigMap mounted there, which loads with the gateway's config parser, every
 *       {@code os.environ/NAME} it reads is set in the container, every {@code api_base} is a
 *       planned engine Service whose engine serves the {@code model} the entry asks for;
 *   <li>probes, Services and ServiceMonitors: paths the programs serve ({@code /health},
 *       {@code /health/readiness}, {@code /metrics}), ports they listen on;
 *   <li>the read-only root file system: the images' JVM temp dir and JavaCPP cache lie on
 *       mounted volumes, and the temp dir is itself a mount (a JVM does not create it).
 *   <li>{@code gantry compose STACK}: the engine services' commands and the gateway's
 *       config.yaml, with the variables its entrypoint exports;
 *   <li>every dtype and quantization a model file may set.
 * </ul>
 * Each test collects every problem of a stack and fails naming stack, Deployment, container,
 * flag and the parser's message.
 */
class StackContractTest {
  private static final StackCatalog CATALOG = StackCatalog.at(LocalUpEndToEndTest.ROOT.resolve("stacks"));
  private static final Map<String, ResourceGraph> PLANS = new ConcurrentHashMap<>();
  private static final String DEPLOYMENT = "kubernetes:apps/v1:Deployment";
  private static final String SERVICE = "kubernetes:core/v1:Service";
  private static final String CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
  private static final String COMPONENT = "app.kubernetes.io/component";
  private static final String ENGINE_MAIN = dev.gantry.engine.server.Main.class.getName();

  static List<String> stacks() {
    List<String> names = CATALOG.stackNames();
    assertThat(names).as("stacks in %s", CATALOG.stacksDir()).contains("aws-prod", "gcp-prod", "azure-prod");
    return names;
  }

  static ResourceGraph plan(String stack) {
    return PLANS.computeIfAbsent(stack, s -> new Planner(CATALOG).plan(s).graph());
  }

  /** One engine or gateway container of a planned Deployment. */
  record Workload(String stack, Resource deployment, JsonNode pod, JsonNode container) {
    String where() {
      return "stack " + stack + ", Deployment " + deployment.input("metadata.name").asText(deployment.name())
          + ", container " + container.path("name").asText();
    }

    List<String> strings(String field) {
      List<String> out = new ArrayList<>();
      container.path(field).forEach(v -> out.add(v.asText()));
      return out;
    }

    Map<String, String> podLabels() {
      Map<String, String> out = new HashMap<>();
      pod.path("metadata").path("labels").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
      return out;
    }

    /** The containerPort a probe or Service names (a port name or a number); -1 if none. */
    int containerPort(JsonNode port) {
      if (port.isInt()) {
        return port.asInt();
      }
      for (JsonNode p : container.path("ports")) {
        if (p.path("name").asText().equals(port.asText())) {
          return p.path("containerPort").asInt(-1);
        }
      }
      return -1;
    }
  }

  static List<Workload> workloads(String stack, String component) {
    List<Workload> out = new ArrayList<>();
    for (Resource d : plan(stack).ofType(DEPLOYMENT)) {
      JsonNode pod = d.input("spec.template");
      if (!component.equals(pod.path("metadata").path("labels").path(COMPONENT).asText())) {
        continue;
      }
      for (JsonNode c : pod.path("spec").path("containers")) {
        if (c.path("name").asText().equals(component)) {
          out.add(new Workload(stack, d, pod, c));
        }
      }
    }
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stacks")
  void engineContainers_passTheEnginesOwnCommandLineChecks(String stack) {
    List<Workload> engines = workloads(stack, "engine");
    assertThat(engines).as("engine containers of stack %s", stack).isNotEmpty();
    List<String> problems = new ArrayList<>();
    for (Workload w : engines) {
      checkEngine(w, problems);
    }
    assertThat(problems).as("contract problems of stack %s", stack).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stacks")
  void gatewayContainer_passesTheGatewaysArgumentAndConfigParsers(String stack) {
    List<Workload> gateways = workloads(stack, "gateway");
    assertThat(gateways).as("gateway containers of stack %s", stack).hasSize(1);
    List<String> problems = new ArrayList<>();
    for (Workload w : gateways) {
      checkGateway(w, problems);
    }
    assertThat(problems).as("contract problems of stack %s", stack).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stacks")
  void readOnlyRootFilesystem_theImagesWritableDirectoriesAreMountedVolumes(String stack) {
    List<String> problems = new ArrayList<>();
    for (String component : List.of("engine", "gateway")) {
      for (Workload w : workloads(stack, component)) {
        if (!w.container().path("securityContext").path("readOnlyRootFilesystem").asBoolean(false)) {
          continue;
        }
        List<String> flags = new ArrayList<>(ContainerImages.CONTAINER_JVM_FLAGS);
        if (component.equals("engine")) {
          flags.addAll(GantryImages.ENGINE_JVM_FLAGS);
        }
        List<String> mounts = new ArrayList<>();
        w.container().path("volumeMounts").forEach(m -> mounts.add(m.path("mountPath").asText()));
        for (String flag : flags) {
          for (String property : List.of("-Djava.io.tmpdir=", "-Dorg.bytedeco.javacpp.cachedir=")) {
            if (!flag.startsWith(property)) {
              continue;
            }
            String dir = flag.substring(property.length());
            boolean covered = mounts.stream().anyMatch(m -> dir.equals(m) || dir.startsWith(m + "/"));
            // The JVM never creates its temp dir; JavaCPP creates its cache dir under a writable parent.
            boolean mustBeMount = property.equals("-Djava.io.tmpdir=");
            if (!covered || mustBeMount && !mounts.contains(dir)) {
              problems.add(w.where() + ": the image's " + flag + " needs " + (mustBeMount ? "a volume mounted at " : "a volume under ")
                  + dir + " (the root file system is read-only); mounts: " + mounts);
            }
          }
        }
      }
    }
    assertThat(problems).as("contract problems of stack %s", stack).isEmpty();
  }

  /** ServiceMonitors scrape the path each program serves its metrics on, through a port that reaches it. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("stacks")
  void serviceMonitors_scrapeTheMetricsPathAndPortTheProgramsServe(String stack) {
    List<String> problems = new ArrayList<>();
    List<Resource> monitors = plan(stack).ofType("kubernetes:monitoring.coreos.com/v1:ServiceMonitor");
    Set<String> scraped = new java.util.HashSet<>();
    for (Resource monitor : monitors) {
      Map<String, String> match = new HashMap<>();
      monitor.input("spec.selector.matchLabels").fields().forEachRemaining(e -> match.put(e.getKey(), e.getValue().asText()));
      Set<String> namespaces = new java.util.HashSet<>();
      monitor.input("spec.namespaceSelector.matchNames").forEach(n -> namespaces.add(n.asText()));
      for (Resource service : plan(stack).ofType(SERVICE)) {
        Map<String, String> labels = new HashMap<>();
        service.input("metadata.labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        if (match.isEmpty() || !labels.entrySet().containsAll(match.entrySet())
            || !namespaces.contains(service.input("metadata.namespace").asText())) {
          continue;
        }
        for (String component : List.of("engine", "gateway")) {
          String metricsPath = component.equals("engine") ? dev.gantry.engine.server.Main.METRICS_PATH : Gateway.METRICS_PATH;
          for (Workload w : workloads(stack, component)) {
            if (!selects(service, w.podLabels())) {
              continue;
            }
            scraped.add(w.deployment().urn());
            int port = component.equals("engine")
                ? dev.gantry.engine.server.Main.checkServeArguments(w.strings("args")).port()
                : dev.gantry.gateway.Main.parseArguments(w.container().has("args") ? w.strings("args") : GantryImages.GATEWAY_ARGS).port();
            for (JsonNode endpoint : monitor.input("spec.endpoints")) {
              String where = "stack " + stack + ", ServiceMonitor " + monitor.input("metadata.name").asText() + " -> " + w.where();
              if (!endpoint.path("path").asText().equals(metricsPath)) {
                problems.add(where + ": scrapes " + endpoint.path("path").asText() + " but metrics are served on " + metricsPath);
              }
              JsonNode target = null;
              for (JsonNode p : service.input("spec.ports")) {
                if (p.path("name").asText().equals(endpoint.path("port").asText())) {
                  target = p.path("targetPort");
                }
              }
              if (target == null || w.containerPort(target) != port) {
                problems.add(where + ": endpoint port '" + endpoint.path("port").asText() + "' of Service "
                    + service.input("metadata.name").asText() + " does not reach the program's port " + port);
              }
            }
          }
        }
      }
    }
    if (!monitors.isEmpty()) {
      for (String component : List.of("engine", "gateway")) {
        for (Workload w : workloads(stack, component)) {
          if (!scraped.contains(w.deployment().urn())) {
            problems.add(w.where() + ": no ServiceMonitor scrapes it");
          }
        }
      }
    }
    assertThat(problems).as("monitoring contract problems of stack %s", stack).isEmpty();
  }

  /** {@code gantry compose STACK}: the engines' commands and the gateway's config.yaml pass the same parsers. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("stacks")
  @SuppressWarnings("unchecked")
  void composeProject_enginesAndGatewayConfig_passTheProgramsParsers(String stack) {
    var project = dev.gantry.stacks.compose.ComposeProject.of(CATALOG.load(stack).config());
    Map<String, Object> compose = new org.yaml.snakeyaml.Yaml().load(
        project.files().get(dev.gantry.stacks.compose.ComposeProject.COMPOSE_FILE));
    Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose.get("services");
    List<String> problems = new ArrayList<>();
    services.forEach((name, service) -> {
      if (name.startsWith("engine-")) {
        List<String> command = (List<String>) service.get("command");
        try {
          dev.gantry.engine.server.Main.checkServeArguments(command);
        } catch (IllegalArgumentException e) {
          problems.add("stack " + stack + ", compose service " + name + ": the engine rejects " + culprits(command) + ": "
              + e.getMessage());
        }
      }
    });
    Map<String, Object> gateway = services.get("gateway");
    assertThat(gateway).as("compose service gateway of stack %s", stack).isNotNull();
    String script = String.join(" ", (List<String>) gateway.get("entrypoint"));
    try {
      GatewayConfig config = ConfigLoader.parse(project.files().get(dev.gantry.stacks.compose.ComposeProject.GATEWAY_CONFIG_FILE),
          "stack " + stack + " compose config.yaml", env -> script.contains("export " + env + "=") ? "exported-" + env : null);
      config.warnings().forEach(w -> problems.add("stack " + stack + ", compose config.yaml: the gateway would ignore " + w));
    } catch (ConfigException e) {
      problems.add("stack " + stack + ", compose config.yaml: the gateway's config parser rejects it: " + e.getMessage());
    }
    assertThat(problems).as("compose contract problems of stack %s", stack).isEmpty();
  }

  @org.junit.jupiter.api.Test
  void everyDtypeAndQuantizationAModelFileMaySet_theEngineAccepts() {
    List<String> problems = new ArrayList<>();
    for (String dtype : dev.gantry.stacks.config.StackConfigParser.DTYPES) {
      check(List.of("serve", "/models/m", "--dtype=" + dtype), problems);
    }
    for (String quantization : dev.gantry.stacks.config.StackConfigParser.QUANTIZATIONS) {
      check(List.of("serve", "/models/m", "--quantization=" + quantization), problems);
    }
    assertThat(problems).as("model-file values the engine rejects").isEmpty();
  }

  private static void check(List<String> args, List<String> problems) {
    try {
      dev.gantry.engine.server.Main.checkServeArguments(args);
    } catch (IllegalArgumentException e) {
      problems.add(args.get(2) + ": " + e.getMessage());
    }
  }

  @org.junit.jupiter.api.Test
  void brokenContainers_failNamingStackContainerFlagAndTheParsersMessage() {
    Workload engine = workloads("aws-prod", "engine").get(0);
    List<String> problems = new ArrayList<>();
    checkEngine(withArgs(engine, "--model=/models/x", "--quantization=awq"), problems);
    assertThat(problems).singleElement().asString()
        .contains("stack aws-prod", "container engine", "flag --model=/models/x, --quantization=awq", "Unknown option: '--model=/models/x'");

    problems.clear();
    checkEngine(withProbePath(engine, "/healthz"), problems);
    assertThat(problems).isNotEmpty().allSatisfy(p -> assertThat(p).contains("path /healthz is not served"));

    Workload gateway = workloads("aws-prod", "gateway").get(0);
    problems.clear();
    checkGateway(new Workload(gateway.stack(), gateway.deployment(), gateway.pod(),
        ((com.fasterxml.jackson.databind.node.ObjectNode) gateway.container().deepCopy())
            .set("args", com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode()
                .add("--config=" + GantryImages.GATEWAY_CONFIG_FILE))), problems);
    assertThat(problems).singleElement().asString().contains("container gateway", "unknown argument '--config=");
  }

  private static Workload withArgs(Workload w, String... extra) {
    var container = (com.fasterxml.jackson.databind.node.ObjectNode) w.container().deepCopy();
    var args = (com.fasterxml.jackson.databind.node.ArrayNode) container.get("args");
    for (String a : extra) {
      args.add(a);
    }
    return new Workload(w.stack(), w.deployment(), w.pod(), container);
  }

  private static Workload withProbePath(Workload w, String path) {
    var container = (com.fasterxml.jackson.databind.node.ObjectNode) w.container().deepCopy();
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      ((com.fasterxml.jackson.databind.node.ObjectNode) container.path(probe).path("httpGet")).put("path", path);
    }
    return new Workload(w.stack(), w.deployment(), w.pod(), container);
  }

  private void checkEngine(Workload w, List<String> problems) {
    List<String> command = w.strings("command");
    if (!command.isEmpty() && !command.contains(ENGINE_MAIN)) {
      problems.add(w.where() + ": command " + command + " replaces the image's entrypoint (java ... " + ENGINE_MAIN + ")");
    }
    List<String> args = w.strings("args");
    dev.gantry.engine.server.Main.Serve serve;
    try {
      serve = dev.gantry.engine.server.Main.checkServeArguments(args);
    } catch (IllegalArgumentException e) {
      problems.add(w.where() + ": the engine rejects " + culprits(args) + ": " + e.getMessage() + " (args " + args + ")");
      return;
    }
    checkProbes(w, Set.of(dev.gantry.engine.server.Main.HEALTH_PATH), Set.of(dev.gantry.engine.server.Main.HEALTH_PATH),
        serve.port(), problems);
    checkServices(w, serve.port(), problems);
  }

  /** The flags of {@code serve MODEL flags...} that the engine rejects even alone (all args when none does). */
  private static String culprits(List<String> args) {
    if (args.size() < 2 || !args.get(0).equals("serve") || args.get(1).startsWith("-")) {
      return "the command line";
    }
    List<String> bad = new ArrayList<>();
    for (int i = 2; i < args.size(); i++) {
      String flag = args.get(i);
      List<String> alone = new ArrayList<>(List.of("serve", args.get(1), flag));
      if (!flag.contains("=") && i + 1 < args.size() && !args.get(i + 1).startsWith("-")) {
        alone.add(args.get(++i));
      }
      try {
        dev.gantry.engine.server.Main.checkServeArguments(alone);
      } catch (IllegalArgumentException e) {
        bad.add(String.join(" ", alone.subList(2, alone.size())));
      }
    }
    return bad.isEmpty() ? "the combination of flags" : "flag " + String.join(", ", bad);
  }

  private void checkGateway(Workload w, List<String> problems) {
    if (!w.strings("command").isEmpty()) {
      problems.add(w.where() + ": command " + w.strings("command") + " replaces the image's entrypoint (java ... "
          + GantryImages.GATEWAY_MAIN_CLASS + ")");
    }
    List<String> args = w.container().has("args") ? w.strings("args") : GantryImages.GATEWAY_ARGS;
    dev.gantry.gateway.Main.Options options;
    try {
      options = dev.gantry.gateway.Main.parseArguments(args);
    } catch (IllegalArgumentException e) {
      problems.add(w.where() + ": the gateway rejects its args " + args + ": " + e.getMessage());
      return;
    }
    checkProbes(w, Set.of(Gateway.LIVELINESS_PATH), Set.of(Gateway.READINESS_PATH), options.port(), problems);
    checkServices(w, options.port(), problems);

    Optional<String> yaml = mountedConfigMapFile(w, options.config(), problems);
    if (yaml.isEmpty()) {
      return;
    }
    Set<String> env = new java.util.HashSet<>();
    w.container().path("env").forEach(e -> env.add(e.path("name").asText()));
    GatewayConfig config;
    try {
      // A variable the pod sets stands for its value (a Secret's, unknown offline); one it lacks reads as unset.
      config = ConfigLoader.parse(yaml.get(), w.where() + " --config " + options.config(),
          name -> env.contains(name) ? "value-of-" + name + "-from-the-pod" : null);
    } catch (ConfigException e) {
      problems.add(w.where() + ": the gateway's config parser rejects " + options.config() + ": " + e.getMessage());
      return;
    }
    // A generated config holds nothing the gateway ignores: every warning is a setting that does not work.
    config.warnings().forEach(warning -> problems.add(w.where() + ": the gateway would ignore a setting of "
        + options.config() + ": " + warning));
    for (Deployment d : config.deployments()) {
      checkUpstream(w, d, problems);
    }
  }

  /** The text of the planned ConfigMap key mounted at {@code file}, or a problem saying why there is none. */
  private Optional<String> mountedConfigMapFile(Workload w, String file, List<String> problems) {
    for (JsonNode m : w.container().path("volumeMounts")) {
      String dir = m.path("mountPath").asText();
      if (!file.startsWith(dir + "/")) {
        continue;
      }
      String key = file.substring(dir.length() + 1);
      for (JsonNode v : w.pod().path("spec").path("volumes")) {
        if (!v.path("name").asText().equals(m.path("name").asText())) {
          continue;
        }
        String configMap = v.path("configMap").path("name").asText(null);
        if (configMap == null) {
          problems.add(w.where() + ": --config " + file + " lies on volume " + v.path("name").asText()
              + ", which is not a ConfigMap");
          return Optional.empty();
        }
        String namespace = w.deployment().input("metadata.namespace").asText();
        for (Resource cm : plan(w.stack()).ofType(CONFIG_MAP)) {
          if (cm.input("metadata.name").asText().equals(configMap) && cm.input("metadata.namespace").asText().equals(namespace)) {
            JsonNode text = cm.input("data").path(key);
            if (text.isTextual()) {
              return Optional.of(text.asText());
            }
            problems.add(w.where() + ": --config " + file + ": ConfigMap " + configMap + " has no key '" + key + "'");
            return Optional.empty();
          }
        }
        problems.add(w.where() + ": --config " + file + ": ConfigMap " + configMap + " is not planned in namespace " + namespace);
        return Optional.empty();
      }
    }
    List<String> mounts = new ArrayList<>();
    w.container().path("volumeMounts").forEach(m -> mounts.add(m.path("mountPath").asText()));
    problems.add(w.where() + ": --config " + file + " is on no mounted volume (mounts: " + mounts + ")");
    return Optional.empty();
  }

  /** A gateway entry's api_base is a planned Service in front of an engine that serves the entry's model. */
  private void checkUpstream(Workload gateway, Deployment d, List<String> problems) {
    String host = d.apiBase().getHost();
    String[] parts = host.split("\\.");
    String where = gateway.where() + ": model_list entry " + d.id() + " (api_base " + d.apiBase() + ")";
    if (parts.length < 3 || !host.endsWith(".svc.cluster.local")) {
      problems.add(where + ": not an in-cluster Service address <name>.<namespace>.svc.cluster.local");
      return;
    }
    Optional<Resource> service = plan(gateway.stack()).ofType(SERVICE).stream()
        .filter(s -> s.input("metadata.name").asText().equals(parts[0])
            && s.input("metadata.namespace").asText().equals(parts[1]))
        .findFirst();
    if (service.isEmpty()) {
      problems.add(where + ": no planned Service " + parts[0] + " in namespace " + parts[1]);
      return;
    }
    int port = d.apiBase().getPort();
    JsonNode servicePort = null;
    for (JsonNode p : service.get().input("spec.ports")) {
      if (p.path("port").asInt() == port) {
        servicePort = p;
      }
    }
    if (servicePort == null) {
      problems.add(where + ": Service " + parts[0] + " has no port " + port);
      return;
    }
    List<Workload> engines = workloads(gateway.stack(), "engine").stream()
        .filter(e -> selects(service.get(), e.podLabels())).toList();
    if (engines.isEmpty()) {
      problems.add(where + ": Service " + parts[0] + " selects no engine pods");
      return;
    }
    for (Workload e : engines) {
      dev.gantry.engine.server.Main.Serve serve;
      try {
        serve = dev.gantry.engine.server.Main.checkServeArguments(e.strings("args"));
      } catch (IllegalArgumentException ex) {
        continue; // reported by the engine test
      }
      if (e.containerPort(servicePort.path("targetPort")) != serve.port()) {
        problems.add(where + ": Service port " + port + " targets " + servicePort.path("targetPort") + " but " + e.where()
            + " listens on " + serve.port());
      }
      if (!serve.servedModelNames().contains(d.upstreamModel())) {
        problems.add(where + ": asks for model '" + d.upstreamModel() + "' but " + e.where() + " serves "
            + serve.servedModelNames() + " (--served-model-name)");
      }
    }
  }

  private static boolean selects(Resource service, Map<String, String> labels) {
    JsonNode selector = service.input("spec.selector");
    if (!selector.isObject() || selector.isEmpty()) {
      return false;
    }
    for (var it = selector.fields(); it.hasNext(); ) {
      var e = it.next();
      if (!e.getValue().asText().equals(labels.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  private void checkProbes(Workload w, Set<String> livenessPaths, Set<String> readinessPaths, int port, List<String> problems) {
    Map<String, Set<String>> expected = new LinkedHashMap<>();
    expected.put("startupProbe", livenessPaths);
    expected.put("livenessProbe", livenessPaths);
    expected.put("readinessProbe", readinessPaths);
    expected.forEach((probe, paths) -> {
      JsonNode get = w.container().path(probe).path("httpGet");
      if (get.isMissingNode()) {
        problems.add(w.where() + ": no " + probe + " with httpGet");
        return;
      }
      if (!paths.contains(get.path("path").asText())) {
        problems.add(w.where() + ": " + probe + " path " + get.path("path").asText() + " is not served; use one of " + paths);
      }
      int probePort = w.containerPort(get.path("port"));
      if (probePort != port) {
        problems.add(w.where() + ": " + probe + " port " + get.path("port") + " is container port " + probePort
            + " but the program listens on " + port);
      }
    });
  }

  private void checkServices(Workload w, int port, List<String> problems) {
    List<Resource> services = plan(w.stack()).ofType(SERVICE).stream()
        .filter(s -> s.input("metadata.namespace").asText().equals(w.deployment().input("metadata.namespace").asText()))
        .filter(s -> selects(s, w.podLabels())).toList();
    if (services.isEmpty()) {
      problems.add(w.where() + ": no Service selects its pods");
    }
    for (Resource s : services) {
      for (JsonNode p : s.input("spec.ports")) {
        if (w.containerPort(p.path("targetPort")) != port) {
          problems.add(w.where() + ": Service " + s.input("metadata.name").asText() + " port " + p.path("port")
              + " targets " + p.path("targetPort") + ", not the port the program listens on (" + port + ")");
        }
      }
    }
  }
}
