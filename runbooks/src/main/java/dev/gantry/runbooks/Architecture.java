package dev.gantry.runbooks;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.ResourceGraph;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Mermaid flowcharts drawn from the resource graph. The request path follows the graph's own
 * wiring (Ingress backend → Service → the Deployment its selector matches → the engine
 * Services named in the gateway's config → node pools by node selector); the component view
 * draws the program's ComponentResources with an edge wherever a resource of one depends on a
 * resource of another. Node ids are sanitized and unique; labels are quoted and escaped, so
 * any resource name renders.
 */
final class Architecture {
  private Architecture() {}

  /** Clients → ingress → gateway → engines → GPU pools, plus the database, bucket and Prometheus. */
  static String requestPath(ResourceGraph graph, Facts.Stack stack) {
    Diagram d = new Diagram("flowchart LR");
    d.node("clients", "([\"", "Clients (OpenAI API)", "\"])");
    d.open("cluster", stack.cluster().service() + " cluster " + stack.cluster().name() + " · " + stack.region());

    Map<String, List<Resource>> deploymentsByNs = new LinkedHashMap<>();
    for (Resource dep : graph.ofType(StackReader.DEPLOYMENT)) {
      deploymentsByNs.computeIfAbsent(StackReader.namespace(dep), k -> new ArrayList<>()).add(dep);
    }
    List<Resource> ingresses = graph.ofType(StackReader.INGRESS);
    Set<String> namespaces = new TreeSet<>(deploymentsByNs.keySet());
    ingresses.forEach(i -> namespaces.add(StackReader.namespace(i)));
    for (String ns : namespaces) {
      d.open("ns_" + ns, "namespace " + ns);
      for (Resource ing : ingresses) {
        if (StackReader.namespace(ing).equals(ns)) {
          d.node("ing_" + StackReader.name(ing), "[\"", "Ingress " + StackReader.name(ing) + "<br/>" + stack.ingress().host(), "\"]");
        }
      }
      for (Resource dep : deploymentsByNs.getOrDefault(ns, List.of())) {
        d.node("dep_" + StackReader.name(dep), "[\"", deploymentLabel(dep, stack), "\"]");
      }
      d.close();
    }
    d.close();
    for (Facts.Pool p : stack.pools()) {
      d.node("pool_" + p.name(), "[/\"", "GPU pool " + p.name() + "<br/>" + p.instanceType() + ": " + p.gpusPerNode() + "× "
          + p.gpuModel() + " · " + p.minNodes() + "–" + p.maxNodes() + " nodes" + (p.spot() ? " · spot" : ""), "\"/]");
    }
    if (stack.database() != null) {
      d.node("database", "[(\"", stack.database().service() + "<br/>" + stack.database().identifier(), "\")]");
    }
    if (stack.bucket() != null) {
      d.node("bucket", "[(\"", "model bucket<br/>" + stack.bucket().url(), "\")]");
    }

    for (Resource ing : ingresses) {
      String ingId = "ing_" + StackReader.name(ing);
      d.edge("clients", "HTTPS " + stack.ingress().host(), ingId, false);
      for (JsonNode rule : ing.input("spec.rules")) {
        for (JsonNode path : rule.path("http").path("paths")) {
          String svc = path.path("backend").path("service").path("name").asText();
          for (Resource dep : backing(graph, svc, StackReader.namespace(ing))) {
            d.edge(ingId, null, "dep_" + StackReader.name(dep), false);
          }
        }
      }
    }
    List<Resource> gateways = StackReader.workloads(graph, "gateway");
    String gatewayConfig = graph.ofType(StackReader.CONFIG_MAP).stream()
        .filter(c -> StackReader.name(c).contains("gateway")).map(c -> c.input("data").toString()).reduce("", String::concat);
    for (Resource gw : gateways) {
      for (Resource svc : graph.ofType(StackReader.SERVICE)) {
        String dns = StackReader.name(svc) + "." + StackReader.namespace(svc) + ".svc";
        if (gatewayConfig.contains(dns)) {
          for (Resource engine : backing(graph, StackReader.name(svc), StackReader.namespace(svc))) {
            d.edge("dep_" + StackReader.name(gw), null, "dep_" + StackReader.name(engine), false);
          }
        }
      }
      if (stack.database() != null) {
        d.edge("dep_" + StackReader.name(gw), "usage ledger", "database", false);
      }
    }
    for (Resource engine : StackReader.workloads(graph, "engine")) {
      String pool = engine.input("spec.template.spec.nodeSelector").path("gantry.dev/pool").asText("");
      if (!pool.isEmpty() && d.has("pool_" + pool)) {
        d.edge("dep_" + StackReader.name(engine), "runs on", "pool_" + pool, true);
      }
      if (stack.bucket() != null && engine.input("spec.template.spec.initContainers").toString().contains(stack.bucket().name())) {
        d.edge("bucket", "weights at start", "dep_" + StackReader.name(engine), true);
      }
    }
    return d.render();
  }

  private static String deploymentLabel(Resource dep, Facts.Stack stack) {
    String name = StackReader.name(dep);
    for (Facts.Model m : stack.models()) {
      if (m.deployment().equals(name)) {
        return "engine " + m.name() + "<br/>Deployment " + name + " · " + m.minReplicas() + "–" + m.maxReplicas() + " replicas";
      }
    }
    if (name.equals(stack.gateway().deployment())) {
      return "gateway<br/>Deployment " + name + " · " + stack.gateway().minReplicas() + "–" + stack.gateway().maxReplicas()
          + " replicas";
    }
    return "Deployment " + name;
  }

  /** Deployments in {@code namespace} whose pod labels match the selector of Service {@code service}. */
  private static List<Resource> backing(ResourceGraph graph, String service, String namespace) {
    List<Resource> out = new ArrayList<>();
    for (Resource svc : graph.ofType(StackReader.SERVICE)) {
      if (!StackReader.name(svc).equals(service) || !StackReader.namespace(svc).equals(namespace)) {
        continue;
      }
      JsonNode selector = svc.input("spec.selector");
      for (Resource dep : graph.ofType(StackReader.DEPLOYMENT)) {
        JsonNode labels = dep.input("spec.template.metadata.labels");
        if (StackReader.namespace(dep).equals(namespace) && selector.size() > 0 && matches(selector, labels)) {
          out.add(dep);
        }
      }
    }
    return out;
  }

  private static boolean matches(JsonNode selector, JsonNode labels) {
    for (Iterator<Map.Entry<String, JsonNode>> it = selector.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) {
        return false;
      }
    }
    return true;
  }

  /** The program's components (type {@code <pkg>:<area>:<Name>}, not custom), nested as in the graph, with dependency edges. */
  static String components(ResourceGraph graph) {
    Map<String, Resource> byUrn = graph.byUrn();
    List<Resource> components = graph.resources().stream()
        .filter(r -> !r.custom() && !r.type().startsWith("pulumi:")).toList();
    Set<String> componentUrns = new LinkedHashSet<>();
    components.forEach(c -> componentUrns.add(c.urn()));
    Map<String, Integer> sizes = new HashMap<>();
    for (Resource r : graph.resources()) {
      String owner = owner(r, byUrn, componentUrns);
      if (owner != null && r.custom()) {
        sizes.merge(owner, 1, Integer::sum);
      }
    }
    Diagram d = new Diagram("flowchart TB");
    drawChildren(d, null, components, componentUrns, byUrn, sizes);
    Set<String> edges = new TreeSet<>();
    for (Resource r : graph.resources()) {
      String from = owner(r, byUrn, componentUrns);
      for (String dep : r.dependencies()) {
        Resource target = byUrn.get(dep);
        String to = target == null ? null : owner(target, byUrn, componentUrns);
        if (from != null && to != null && !from.equals(to) && !ancestor(from, to, byUrn) && !ancestor(to, from, byUrn)) {
          edges.add(from + "\n" + to);
        }
      }
    }
    for (String e : edges) {
      String[] ft = e.split("\n");
      d.edge(ft[0], null, ft[1], false);
    }
    return d.render();
  }

  private static void drawChildren(Diagram d, String parent, List<Resource> components, Set<String> componentUrns,
      Map<String, Resource> byUrn, Map<String, Integer> sizes) {
    for (Resource c : components) {
      String p = c.parent() != null && componentUrns.contains(c.parent()) ? c.parent() : null;
      if (!java.util.Objects.equals(p, parent)) {
        continue;
      }
      boolean hasChildren = components.stream().anyMatch(x -> c.urn().equals(x.parent()));
      int size = sizes.getOrDefault(c.urn(), 0);
      String label = shortType(c.type()) + " " + c.name() + "<br/>" + size + (size == 1 ? " resource" : " resources");
      if (hasChildren) {
        d.open(c.urn(), label);
        drawChildren(d, c.urn(), components, componentUrns, byUrn, sizes);
        d.close();
      } else {
        d.node(c.urn(), "[\"", label, "\"]");
      }
    }
  }

  private static String shortType(String type) {
    int colon = type.lastIndexOf(':');
    return colon < 0 ? type : type.substring(colon + 1);
  }

  /** The nearest component at or above {@code r}; null when none (stack-level custom resources). */
  private static String owner(Resource r, Map<String, Resource> byUrn, Set<String> components) {
    Resource cur = r;
    int guard = 0;
    while (cur != null && guard++ < 64) {
      if (components.contains(cur.urn())) {
        return cur.urn();
      }
      cur = cur.parent() == null ? null : byUrn.get(cur.parent());
    }
    return null;
  }

  private static boolean ancestor(String maybeAncestor, String urn, Map<String, Resource> byUrn) {
    Resource cur = byUrn.get(urn);
    int guard = 0;
    while (cur != null && cur.parent() != null && guard++ < 64) {
      if (cur.parent().equals(maybeAncestor)) {
        return true;
      }
      cur = byUrn.get(cur.parent());
    }
    return false;
  }

  /** A flowchart under construction: unique sanitized ids, escaped labels, balanced subgraphs. */
  static final class Diagram {
    private final StringBuilder out = new StringBuilder();
    private final Map<String, String> ids = new HashMap<>();
    private final Set<String> used = new java.util.HashSet<>();
    private final Set<String> edges = new LinkedHashSet<>();
    private int depth = 1;

    Diagram(String header) {
      out.append(header).append('\n');
    }

    /**
     * The id for a key: letters, digits and underscores only, unique per key. A URN key is
     * named after its last segment (the resource name).
     */
    String idOf(String key) {
      return ids.computeIfAbsent(key, k -> {
        String raw = k.startsWith("urn:") ? "cmp_" + k.substring(k.lastIndexOf("::") + 2) : k;
        String base = raw.replaceAll("[^A-Za-z0-9_]", "_");
        String id = base;
        for (int i = 2; !used.add(id); i++) {
          id = base + "_" + i;
        }
        return id;
      });
    }

    boolean has(String key) {
      return ids.containsKey(key);
    }

    void node(String key, String open, String label, String close) {
      indent().append(idOf(key)).append(open).append(escape(label)).append(close).append('\n');
    }

    void open(String key, String label) {
      indent().append("subgraph ").append(idOf(key)).append("[\"").append(escape(label)).append("\"]\n");
      depth++;
    }

    void close() {
      depth--;
      indent().append("end\n");
    }

    /** An edge between two keys; duplicates are drawn once. */
    void edge(String fromKey, String label, String toKey, boolean dotted) {
      String from = idOf(fromKey);
      String to = idOf(toKey);
      String arrow = dotted ? "-.->" : "-->";
      edges.add(from + " " + arrow + (label == null ? "" : "|\"" + escape(label) + "\"|") + " " + to);
    }

    String render() {
      assert depth == 1 : "unbalanced subgraphs";
      StringBuilder all = new StringBuilder(out);
      edges.forEach(e -> all.append("  ").append(e).append('\n'));
      return all.toString();
    }

    private StringBuilder indent() {
      return out.append("  ".repeat(depth));
    }

    private static String escape(String label) {
      return label.replace("\"", "#quot;");
    }
  }
}
