package dev.gantry.policies.rules.cloud;

import static dev.gantry.policies.rules.Category.CLOUD;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-CLOUD-008: the cluster API endpoint is not open to the internet. */
public final class ClusterEndpointRestricted extends ResourceRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-CLOUD-008", "Cluster API endpoint is not open to 0.0.0.0/0",
      CLOUD, Severity.CRITICAL, Enforcement.MANDATORY, List.of("PRE-04", "DEP-04"),
      "A public Kubernetes API endpoint without an allow-list is one leaked kubeconfig or one API server CVE away from"
          + " losing the cluster.",
      "EKS: `vpcConfig.endpointPublicAccess: false`, or `publicAccessCidrs` listing your office/VPN/CI ranges;"
          + " GKE: `masterAuthorizedNetworksConfig.cidrBlocks` or a private endpoint; AKS:"
          + " `apiServerAccessProfile.authorizedIPRanges` or `enablePrivateCluster`.");

  public ClusterEndpointRestricted() {
    super(INFO);
  }

  @Override
  public boolean appliesTo(Resource r) {
    return r.type().equals(CloudTypes.EKS_CLUSTER) || r.type().equals(CloudTypes.GKE_CLUSTER)
        || r.type().equals(CloudTypes.AKS_CLUSTER);
  }

  @Override
  public void check(Resource cluster, RuleContext ctx, Findings out) {
    String name = "cluster '" + cluster.name() + "'";
    switch (cluster.type()) {
      case CloudTypes.EKS_CLUSTER -> {
        JsonNode vpc = cluster.input("vpcConfig");
        if (!vpc.path("endpointPublicAccess").asBoolean(true)) {
          return; // default is public
        }
        JsonNode cidrs = vpc.path("publicAccessCidrs");
        if (cidrs.isMissingNode() || cidrs.isEmpty() || CloudTypes.anyOpen(cidrs)) {
          out.report(cluster, name + " has a public API endpoint open to 0.0.0.0/0 (publicAccessCidrs "
              + (cidrs.isMissingNode() ? "unset, defaults to 0.0.0.0/0" : cidrs.toString()) + ")");
        }
      }
      case CloudTypes.GKE_CLUSTER -> {
        if (cluster.input("privateClusterConfig.enablePrivateEndpoint").asBoolean(false)) {
          return;
        }
        JsonNode cidrs = cluster.input("masterAuthorizedNetworksConfig.cidrBlocks");
        if (cidrs.isMissingNode() || cidrs.isEmpty() || CloudTypes.anyOpen(cidrs)) {
          out.report(cluster, name + " has no master authorized networks restricting the public endpoint");
        }
      }
      default -> {
        JsonNode profile = cluster.input("apiServerAccessProfile");
        if (profile.path("enablePrivateCluster").asBoolean(false)) {
          return;
        }
        JsonNode ranges = profile.path("authorizedIPRanges");
        if (ranges.isMissingNode() || ranges.isEmpty() || CloudTypes.anyOpen(ranges)) {
          out.report(cluster, name + " has no authorized IP ranges on its public API server");
        }
      }
    }
  }
}
