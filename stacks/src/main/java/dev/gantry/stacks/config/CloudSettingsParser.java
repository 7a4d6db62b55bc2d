package dev.gantry.stacks.config;

import dev.gantry.infra.aws.Cidr;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The per-cloud parts of stack config: the provider's own region keys ({@code aws:region},
 * {@code gcp:region} + {@code gcp:project}, {@code azure-native:location}), the
 * {@code gantry:gcp} and {@code gantry:azure} sections, and the values whose syntax differs
 * per cloud (zone names, system pool machine types, database classes). Messages name the key,
 * quote the value and show the cloud's own example.
 */
final class CloudSettingsParser {
  static final List<String> GKE_RELEASE_CHANNELS = List.of("RAPID", "REGULAR", "STABLE");

  private CloudSettingsParser() {}

  static StackConfig.CloudSettings parse(Section root, String cloud, String region, Map<String, String> values) {
    for (String other : List.of("gcp", "azure")) {
      if (!other.equals(cloud) && root.has(other)) {
        throw root.error(other, "is only read for cloud '" + other + "'; this stack's gantry:cloud is '" + cloud
            + "': remove gantry:" + other);
      }
    }
    if (!cloud.equals("none") && root.has("kubernetes")) {
      throw root.error("kubernetes", "is only read for cloud 'none' (an existing cluster); this stack's gantry:cloud is '"
          + cloud + "', whose cluster Gantry creates: remove gantry:kubernetes");
    }
    return switch (cloud) {
      case "aws" -> {
        providerRegion(values, "aws:region", cloud, region);
        yield new StackConfig.Aws();
      }
      case "gcp" -> {
        providerRegion(values, "gcp:region", cloud, region);
        String project = values.get("gcp:project");
        if (project == null || !project.matches("[a-z][-a-z0-9]{4,28}[a-z0-9]")) {
          throw new StackConfigException("gcp:project: " + (project == null ? "is required for cloud 'gcp'"
              : "'" + project + "' is not a GCP project id") + "; set it to your project id, e.g. 'acme-llm-prod' "
              + "(6-30 lower-case letters, digits, '-')");
        }
        Section s = root.section("gcp");
        String channel = s.oneOf("releaseChannel", "REGULAR", GKE_RELEASE_CHANNELS);
        String masterCidr = s.string("masterCidr", "172.16.0.0/28");
        try {
          if (Cidr.parse(masterCidr).prefix() != 28) {
            throw s.invalid("masterCidr", "must be a /28 outside the VPC, e.g. '172.16.0.0/28'");
          }
        } catch (IllegalArgumentException e) {
          throw s.invalid("masterCidr", "is not valid: " + e.getMessage());
        }
        String kms = s.string("modelsKmsKey", null);
        if (kms != null && !kms.matches("projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+")) {
          throw s.invalid("modelsKmsKey", "must be a full Cloud KMS key name: projects/P/locations/L/keyRings/R/cryptoKeys/K");
        }
        String registry = s.string("registryId", "gantry");
        if (!registry.matches("[a-z]([a-z0-9-]{0,61}[a-z0-9])?")) {
          throw s.invalid("registryId", "must be lower-case letters, digits and '-', starting with a letter, e.g. 'gantry'");
        }
        s.finish();
        yield new StackConfig.Gcp(project, channel, masterCidr, kms, registry);
      }
      case "azure" -> {
        providerRegion(values, "azure-native:location", cloud, region);
        Section s = root.section("azure");
        String group = s.requiredString("resourceGroup", "gantry-prod");
        if (!group.matches("[-\\w.()]{1,89}[-\\w()]")) {
          throw s.invalid("resourceGroup", "is not a resource group name (1-90 letters, digits, '-', '_', '.', '(', ')')");
        }
        String account = s.requiredString("storageAccount", "gantryprodmodels");
        if (!account.matches("[a-z0-9]{3,24}")) {
          throw s.invalid("storageAccount", "must be 3-24 lower-case letters and digits (storage account names are global)");
        }
        String vault = s.requiredString("keyVault", "gantry-prod-kv");
        if (!vault.matches("[A-Za-z][-A-Za-z0-9]{1,22}[A-Za-z0-9]") || vault.contains("--")) {
          throw s.invalid("keyVault", "must be 3-24 letters, digits and single '-', starting with a letter (Key Vault names are global)");
        }
        String registry = s.requiredString("registry", "gantryprodacr");
        if (!registry.matches("[A-Za-z0-9]{5,50}")) {
          throw s.invalid("registry", "must be 5-50 letters and digits (registry names are global)");
        }
        boolean geo = s.bool("geoRedundantBackup", false);
        s.finish();
        yield new StackConfig.Azure(group, account, vault, registry, geo);
      }
      case "none" -> {
        for (String provider : List.of("aws:region", "gcp:project", "azure-native:location")) {
          if (values.containsKey(provider)) {
            throw new StackConfigException(provider + ": is set but gantry:cloud is 'none' (an existing cluster, no cloud "
                + "resources); remove it");
          }
        }
        Section k = root.section("kubernetes");
        String kubeconfig = k.string("kubeconfig", "~/.kube/config");
        if (kubeconfig.isBlank()) {
          throw k.invalid("kubeconfig", "is empty; give the path of a kubeconfig file, e.g. '~/.kube/config'");
        }
        String context = k.string("context", null);
        if (context != null && !context.matches("[A-Za-z0-9][-A-Za-z0-9_.@:/]{0,252}")) {
          throw k.invalid("context", "is not a kubeconfig context name like 'kind-gantry' or 'k3d-gantry'");
        }
        k.finish();
        Section db = root.section("database");
        int instances = db.integer("instances", 2, 1, 5);
        int storage = db.integer("storageGiB", 5, 1, 10_000);
        db.finish();
        yield new StackConfig.Existing(kubeconfig, context, instances, storage);
      }
      default -> throw new IllegalStateException("unknown cloud " + cloud);
    };
  }

  private static void providerRegion(Map<String, String> values, String key, String cloud, String region) {
    String providerRegion = values.get(key);
    if (providerRegion == null) {
      throw new StackConfigException(key + ": is required for cloud '" + cloud + "'; set it to the same value as gantry:region ('"
          + region + "')");
    }
    if (!providerRegion.equals(region)) {
      throw new StackConfigException(key + ": '" + providerRegion + "' differs from gantry:region '" + region
          + "'; set both to the same region");
    }
  }

  /** Zones of a GCP region ({@code us-central1-a}) or Azure availability zones ({@code 1}, {@code 2}, {@code 3}). */
  static List<String> zones(Section root, String cloud, String region) {
    String example = cloud.equals("gcp") ? "[" + region + "-a, " + region + "-b]" : "['1', '2', '3']";
    List<String> zones = root.strings("zones", null);
    if (zones == null) {
      throw root.error("zones", "is required: list at least 2 availability zones, e.g. " + example);
    }
    if (zones.size() < 2) {
      throw root.error("zones", zones + " has " + zones.size() + " zone; list at least 2 availability zones for high availability");
    }
    Set<String> seen = new HashSet<>();
    for (String zone : zones) {
      boolean ok = cloud.equals("gcp") ? zone.matches(java.util.regex.Pattern.quote(region) + "-[a-z]") : zone.matches("[123]");
      if (!ok) {
        throw root.error("zones", "'" + zone + "' is not a zone of " + cloud + " region '" + region + "'; use e.g. " + example);
      }
      if (!seen.add(zone)) {
        throw root.error("zones", "'" + zone + "' is listed twice; zones must be distinct");
      }
    }
    return zones;
  }

  static String defaultSystemInstanceType(String cloud) {
    return switch (cloud) {
      case "gcp" -> "e2-standard-4";
      case "azure" -> "Standard_D4s_v5";
      default -> "m6i.xlarge";
    };
  }

  static void checkSystemInstanceType(Section s, String cloud, String type) {
    switch (cloud) {
      case "gcp" -> {
        if (!type.matches("[a-z][a-z0-9]*-[a-z]+(-[0-9]+)?")) {
          throw s.invalid("instanceType", "is not a Compute Engine machine type like 'e2-standard-4'");
        }
      }
      case "azure" -> {
        if (!type.matches("Standard_[A-Za-z0-9_]+")) {
          throw s.invalid("instanceType", "is not an Azure VM size like 'Standard_D4s_v5'");
        }
      }
      default -> {
        if (!type.matches("[a-z][a-z0-9-]*\\.[a-z0-9]+")) {
          throw s.invalid("instanceType", "is not an EC2 instance type like 'm6i.xlarge'");
        }
      }
    }
  }

  static String defaultDatabaseClass(String cloud) {
    return switch (cloud) {
      case "gcp" -> "db-custom-2-7680";
      case "azure" -> "Standard_D2ds_v5";
      default -> "db.t4g.medium";
    };
  }

  static void checkDatabaseClass(Section s, String cloud, String instanceClass) {
    switch (cloud) {
      case "gcp" -> {
        if (!instanceClass.matches("db-[a-z0-9-]+")) {
          throw s.invalid("instanceClass", "is not a Cloud SQL tier like 'db-custom-2-7680'");
        }
      }
      case "azure" -> {
        if (!instanceClass.matches("Standard_[BDE][A-Za-z0-9_]+")) {
          throw s.invalid("instanceClass", "is not a PostgreSQL Flexible Server SKU like 'Standard_D2ds_v5' (B, D or E series)");
        }
      }
      default -> {
        if (!instanceClass.matches("db\\.[a-z0-9]+\\.[a-z0-9]+")) {
          throw s.invalid("instanceClass", "is not an RDS instance class like 'db.t4g.medium'");
        }
      }
    }
  }
}
