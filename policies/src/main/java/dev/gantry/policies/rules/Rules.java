package dev.gantry.policies.rules;

import dev.gantry.policies.rules.cloud.BucketEncrypted;
import dev.gantry.policies.rules.cloud.BucketNotPublic;
import dev.gantry.policies.rules.cloud.BucketVersioned;
import dev.gantry.policies.rules.cloud.ClusterEndpointRestricted;
import dev.gantry.policies.rules.cloud.DatabaseBackups;
import dev.gantry.policies.rules.cloud.DatabaseDeletionProtection;
import dev.gantry.policies.rules.cloud.GpuPoolMultiZone;
import dev.gantry.policies.rules.cloud.SecretsInSecretStore;
import dev.gantry.policies.rules.cost.GpuBudget;
import dev.gantry.policies.rules.edge.IngressTls;
import dev.gantry.policies.rules.edge.NoPublicServices;
import dev.gantry.policies.rules.edge.RateLimited;
import dev.gantry.policies.rules.k8s.AllowedRegistries;
import dev.gantry.policies.rules.k8s.CapabilitiesDropped;
import dev.gantry.policies.rules.k8s.GpuRequestEqualsLimit;
import dev.gantry.policies.rules.k8s.HpaPresent;
import dev.gantry.policies.rules.k8s.HpaTargetExists;
import dev.gantry.policies.rules.k8s.ImagePinned;
import dev.gantry.policies.rules.k8s.MinReplicas;
import dev.gantry.policies.rules.k8s.NetworkPolicyPresent;
import dev.gantry.policies.rules.k8s.NoLiteralSecretEnv;
import dev.gantry.policies.rules.k8s.NoPrivilegeEscalation;
import dev.gantry.policies.rules.k8s.NoServiceAccountToken;
import dev.gantry.policies.rules.k8s.NotDefaultNamespace;
import dev.gantry.policies.rules.k8s.PdbPresent;
import dev.gantry.policies.rules.k8s.PdbSane;
import dev.gantry.policies.rules.k8s.ProbesDiffer;
import dev.gantry.policies.rules.k8s.ProbesPresent;
import dev.gantry.policies.rules.k8s.ReadOnlyRootFs;
import dev.gantry.policies.rules.k8s.ResourcesBounded;
import dev.gantry.policies.rules.k8s.RollingUpdateSafe;
import dev.gantry.policies.rules.k8s.RunAsNonRoot;
import dev.gantry.policies.rules.k8s.SeccompRuntimeDefault;
import dev.gantry.policies.rules.k8s.StartupProbePresent;
import dev.gantry.policies.rules.k8s.ZoneSpread;
import dev.gantry.policies.rules.llm.AutoscaleOnQueue;
import dev.gantry.policies.rules.llm.EngineOnPool;
import dev.gantry.policies.rules.llm.GatewayAuth;
import dev.gantry.policies.rules.llm.CpuMemoryFit;
import dev.gantry.policies.rules.llm.GpuMemoryFit;
import dev.gantry.policies.rules.llm.OneDistributedEnginePerNode;
import dev.gantry.policies.rules.llm.PoolMatchesCatalog;
import dev.gantry.policies.rules.llm.RevisionPinned;
import dev.gantry.policies.rules.llm.SharedMemorySized;
import dev.gantry.policies.rules.llm.StartupProbeBudget;
import dev.gantry.policies.rules.llm.TensorParallelFits;
import dev.gantry.policies.rules.obs.AlertsDefined;
import dev.gantry.policies.rules.obs.DashboardsProvisioned;
import dev.gantry.policies.rules.obs.MetricsScraped;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** The built-in rule set, sorted by id. */
public final class Rules {
  private static final List<Rule> ALL = java.util.stream.Stream.<Rule>of(
          new ProbesPresent(), new ProbesDiffer(), new StartupProbePresent(), new ResourcesBounded(),
          new GpuRequestEqualsLimit(), new MinReplicas(), new PdbPresent(), new PdbSane(), new HpaTargetExists(),
          new HpaPresent(), new ZoneSpread(), new RollingUpdateSafe(), new RunAsNonRoot(), new ReadOnlyRootFs(),
          new NoPrivilegeEscalation(), new CapabilitiesDropped(), new SeccompRuntimeDefault(), new NoLiteralSecretEnv(),
          new NetworkPolicyPresent(), new NotDefaultNamespace(), new ImagePinned(), new AllowedRegistries(),
          new NoServiceAccountToken(),
          new IngressTls(), new RateLimited(), new NoPublicServices(),
          new BucketEncrypted(), new BucketVersioned(), new BucketNotPublic(), new DatabaseBackups(),
          new DatabaseDeletionProtection(), new GpuPoolMultiZone(), new SecretsInSecretStore(),
          new ClusterEndpointRestricted(),
          new MetricsScraped(), new AlertsDefined(), new DashboardsProvisioned(),
          new GpuMemoryFit(), new CpuMemoryFit(), new TensorParallelFits(), new SharedMemorySized(), new OneDistributedEnginePerNode(),
          new StartupProbeBudget(), new RevisionPinned(), new AutoscaleOnQueue(), new GatewayAuth(), new EngineOnPool(),
          new PoolMatchesCatalog(),
          new GpuBudget())
      .sorted(Comparator.comparing(Rule::id)).toList();

  /** Every built-in rule. */
  public static List<Rule> all() {
    return ALL;
  }

  /** A rule by id. */
  public static Optional<Rule> byId(String id) {
    return ALL.stream().filter(r -> r.id().equals(id)).findFirst();
  }

  private Rules() {}
}
