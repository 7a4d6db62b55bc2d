package dev.gantry.stacks.plan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.catalog.GpuCatalog;
import dev.gantry.policies.catalog.GpuInstanceType;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.ResourceGraph;
import dev.gantry.policies.graph.ServingSpec;
import dev.gantry.policies.graph.Values;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Renders a {@link ResourceGraph} for a terminal: a tree of components and their children
 * with the facts an operator checks first (GPU types and counts, replicas, hosts, backups,
 * encryption), and a one-line summary (resources by provider, GPUs, estimated monthly
 * GPU cost at the pools' desired sizes).
 */
public final class PlanPrinter {
  private PlanPrinter() {}

  /** The tree, one resource per line; children sorted by type then name. */
  public static String tree(ResourceGraph graph) {
    Map<String, List<Resource>> children = new TreeMap<>();
    for (Resource r : graph.resources()) {
      children.computeIfAbsent(r.parent() == null ? "" : r.parent(), k -> new ArrayList<>()).add(r);
    }
    children.values().forEach(list -> list.sort(Comparator.comparing((Resource r) -> r.custom())
        .thenComparing(Resource::type).thenComparing(Resource::name)));
    StringBuilder out = new StringBuilder();
    out.append(graph.stack()).append(" (project ").append(graph.project()).append(")\n");
    List<Resource> roots = children.getOrDefault("", List.of());
    for (int i = 0; i < roots.size(); i++) {
      render(out, roots.get(i), children, "", i == roots.size() - 1);
    }
    return out.toString();
  }

  private static void render(StringBuilder out, Resource r, Map<String, List<Resource>> children, String indent, boolean last) {
    out.append(indent).append(last ? "└─ " : "├─ ").append(r.name()).append("  ").append(shortType(r.type()));
    String facts = facts(r);
    if (!facts.isEmpty()) {
      out.append("  [").append(facts).append("]");
    }
    out.append('\n');
    List<Resource> kids = children.getOrDefault(r.urn(), List.of());
    for (int i = 0; i < kids.size(); i++) {
      render(out, kids.get(i), children, indent + (last ? "   " : "│  "), i == kids.size() - 1);
    }
  }

  /** {@code aws:eks/nodeGroup:NodeGroup} prints as {@code aws:eks:NodeGroup}. */
  static String shortType(String type) {
    String[] parts = type.split(":");
    if (parts.length == 3 && parts[1].contains("/")) {
      return parts[0] + ":" + parts[1].substring(0, parts[1].indexOf('/')) + ":" + parts[2];
    }
    return type;
  }

  /** The key facts of one resource, or empty. */
  static String facts(Resource r) {
    List<String> f = new ArrayList<>();
    switch (r.type()) {
      case "aws:eks/nodeGroup:NodeGroup" -> {
        f.add(join(r.input("instanceTypes")));
        f.add(text(r.input("capacityType")));
        f.add("nodes " + text(r.input("scalingConfig.minSize")) + ".." + text(r.input("scalingConfig.maxSize"))
            + " (desired " + text(r.input("scalingConfig.desiredSize")) + ")");
        f.add(text(r.input("amiType")));
        JsonNode instanceTypes = r.input("instanceTypes");
        if (instanceTypes.isArray() && !instanceTypes.isEmpty()) {
          GpuCatalog.defaultCatalog().find("aws", instanceTypes.get(0).asText())
              .ifPresent(t -> f.add(t.gpuCount() + "x " + t.gpuModel() + " " + (int) t.gpuMemoryGiB() + " GiB per node"));
        }
        JsonNode taints = r.input("taints");
        if (taints.isArray()) {
          taints.forEach(t -> f.add("taint " + text(t.path("key")) + "=" + text(t.path("value")) + ":" + text(t.path("effect"))));
        }
      }
      case "aws:eks/cluster:Cluster" -> {
        f.add("k8s " + text(r.input("version")));
        boolean pub = r.input("vpcConfig.endpointPublicAccess").asBoolean(false);
        f.add(pub ? "public endpoint for " + join(r.input("vpcConfig.publicAccessCidrs")) : "private endpoint");
        if (r.input("encryptionConfig.resources").isArray()) {
          f.add("KMS-encrypted " + join(r.input("encryptionConfig.resources")));
        }
        f.add("logs " + join(r.input("enabledClusterLogTypes")));
      }
      case "aws:ec2/vpc:Vpc" -> f.add(text(r.input("cidrBlock")));
      case "aws:ec2/subnet:Subnet" -> f.add(text(r.input("availabilityZone")) + " " + text(r.input("cidrBlock")));
      case "aws:s3/bucketV2:BucketV2" -> f.add(r.input("bucket").isMissingNode() ? text(r.input("bucketPrefix")) + "*" : text(r.input("bucket")));
      case "aws:s3/bucketVersioningV2:BucketVersioningV2" -> f.add("versioning " + text(r.input("versioningConfiguration.status")));
      case "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2" ->
          f.add(text(r.input("rules[0].applyServerSideEncryptionByDefault.sseAlgorithm")));
      case "aws:rds/instance:Instance" -> {
        f.add("postgres " + text(r.input("engineVersion")));
        f.add(text(r.input("instanceClass")));
        f.add("backups " + text(r.input("backupRetentionPeriod")) + " d");
        f.add(r.input("multiAz").asBoolean(false) ? "multi-AZ" : "single-AZ");
        if (r.input("storageEncrypted").asBoolean(false)) {
          f.add("encrypted");
        }
        if (r.input("deletionProtection").asBoolean(false)) {
          f.add("deletion protection");
        }
      }
      case "aws:ecr/repository:Repository" -> f.add(text(r.input("name")) + ", tags " + text(r.input("imageTagMutability")).toLowerCase(Locale.ROOT));
      case "aws:secretsmanager/secret:Secret" -> f.add(text(r.input("name")));
      case "aws:iam/role:Role" -> {
        if (!r.input("name").isMissingNode()) {
          f.add(text(r.input("name")));
        }
      }
      case "kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet" -> {
        if (!r.input("spec.replicas").isMissingNode()) {
          f.add("replicas " + text(r.input("spec.replicas")));
        }
        JsonNode containers = r.input("spec.template.spec.containers");
        if (containers.isArray()) {
          for (JsonNode c : containers) {
            JsonNode gpus = c.path("resources").path("limits").path("nvidia.com/gpu");
            if (!gpus.isMissingNode()) {
              f.add(text(gpus) + " GPU per pod");
            } else if (c.path("name").asText().equals("engine")) {
              JsonNode limits = c.path("resources").path("limits");
              f.add("CPU engine, cpu " + text(limits.path("cpu")) + ", memory " + text(limits.path("memory")));
            }
          }
        }
      }
      case "kubernetes:networking.k8s.io/v1:Ingress" -> {
        List<String> hosts = new ArrayList<>();
        r.input("spec.rules").forEach(rule -> hosts.add(text(rule.path("host"))));
        f.add("hosts " + String.join(", ", hosts));
        if (r.input("spec.tls").isArray() && !r.input("spec.tls").isEmpty()) {
          f.add("TLS");
        }
      }
      case "kubernetes:helm.sh/v3:Release" -> f.add(text(r.input("chart")) + " " + text(r.input("version")));
      case "kubernetes:autoscaling/v2:HorizontalPodAutoscaler" ->
          f.add("replicas " + text(r.input("spec.minReplicas")) + ".." + text(r.input("spec.maxReplicas")));
      default -> {
        // no facts worth a column
      }
    }
    f.removeIf(String::isBlank);
    return String.join(", ", f);
  }

  /** The summary line: resources by provider, GPUs, estimated GPU cost. */
  public static String summary(ResourceGraph graph) {
    Map<String, Long> byPackage = graph.resources().stream().filter(Resource::custom)
        .collect(Collectors.groupingBy(Resource::typePackage, TreeMap::new, Collectors.counting()));
    long components = graph.resources().stream().filter(r -> !r.custom()).count();
    StringBuilder out = new StringBuilder();
    out.append(graph.resources().size()).append(" resources (");
    out.append(byPackage.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")));
    out.append(", ").append(components).append(" components)");
    ServingSpec spec = graph.servingSpec().orElse(null);
    if (spec != null && !spec.gpuPools().isEmpty()) {
      List<String> gpus = new ArrayList<>();
      double monthly = 0;
      boolean priced = true;
      for (ServingSpec.GpuPool p : spec.gpuPools()) {
        gpus.add(p.name() + ": " + p.desiredNodes() * p.gpusPerNode() + "x " + p.gpuModel()
            + " (" + p.minNodes() * p.gpusPerNode() + ".." + p.maxNodes() * p.gpusPerNode() + ")"
            + (p.spot() ? " spot" : ""));
        var type = GpuCatalog.defaultCatalog().find(spec.cloud(), p.instanceType());
        if (type.isPresent() && type.get().onDemandUsdPerHour() > 0) {
          monthly += p.desiredNodes() * type.get().onDemandUsdPerHour() * GpuInstanceType.HOURS_PER_MONTH;
        } else {
          priced = false;
        }
      }
      out.append("; GPUs ").append(String.join(", ", gpus));
      if (priced) {
        out.append(String.format(Locale.ROOT, "; GPU nodes ~$%,.0f/month at desired size (on-demand list price)", monthly));
      }
      out.append("; models ").append(spec.models().stream().map(m -> m.name() + " on " + m.pool()
          + " x" + m.minReplicas() + ".." + m.maxReplicas()).collect(Collectors.joining(", ")));
    }
    return out.toString();
  }

  private static String text(JsonNode n) {
    if (n == null || n.isMissingNode() || n.isNull()) {
      return "";
    }
    if (Values.isUnknown(n)) {
      return "(known after deploy)";
    }
    if (Values.isSecret(n)) {
      return "(secret)";
    }
    return n.isValueNode() ? n.asText() : n.toString();
  }

  private static String join(JsonNode n) {
    if (n == null || !n.isArray()) {
      return text(n);
    }
    List<String> items = new ArrayList<>();
    n.forEach(i -> items.add(text(i)));
    return String.join(" ", items);
  }
}
