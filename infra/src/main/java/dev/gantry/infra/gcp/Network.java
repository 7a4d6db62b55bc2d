package dev.gantry.infra.gcp;

import com.pulumi.core.Output;
import com.pulumi.gcp.compute.GlobalAddress;
import com.pulumi.gcp.compute.GlobalAddressArgs;
import com.pulumi.gcp.compute.NetworkArgs;
import com.pulumi.gcp.compute.Router;
import com.pulumi.gcp.compute.RouterArgs;
import com.pulumi.gcp.compute.RouterNat;
import com.pulumi.gcp.compute.RouterNatArgs;
import com.pulumi.gcp.compute.Subnetwork;
import com.pulumi.gcp.compute.SubnetworkArgs;
import com.pulumi.gcp.compute.inputs.RouterNatLogConfigArgs;
import com.pulumi.gcp.compute.inputs.SubnetworkLogConfigArgs;
import com.pulumi.gcp.compute.inputs.SubnetworkSecondaryIpRangeArgs;
import com.pulumi.gcp.servicenetworking.Connection;
import com.pulumi.gcp.servicenetworking.ConnectionArgs;
import com.pulumi.resources.ComponentResourceOptions;
import dev.gantry.infra.GantryComponent;
import dev.gantry.infra.aws.Cidr;
import java.util.Map;
import java.util.Objects;

/**
 * A custom-mode VPC for a VPC-native GKE cluster ({@code gantry:gcp:Network}): one regional
 * subnet for nodes with secondary ranges for pods and services, Private Google Access so
 * private nodes reach Google APIs (GCS, Artifact Registry, Secret Manager) without public
 * IPs, Cloud NAT for the rest of their egress (Hugging Face, Docker Hub), and a private
 * services connection so Cloud SQL gets a private IP inside the VPC.
 *
 * <pre>
 *   vpcCidr /P   ├─ nodes     /P+4  index 0
 *                ├─ services  /P+4  index 1
 *                └─ pods      /P+1  index 1 (the upper half)
 * </pre>
 */
public final class Network extends GantryComponent {
  public static final String PODS_RANGE = "pods";
  public static final String SERVICES_RANGE = "services";

  /**
   * @param project    GCP project id
   * @param region     region of the subnet
   * @param namePrefix prefix of every resource name
   * @param vpcCidr    address space, prefix length 16 to 20
   */
  public record Args(String project, String region, String namePrefix, String vpcCidr) {
    public Args {
      Objects.requireNonNull(project, "project");
      Objects.requireNonNull(region, "region");
      Objects.requireNonNull(namePrefix, "namePrefix");
      int prefix = Cidr.parse(vpcCidr).prefix();
      if (prefix < 16 || prefix > 20) {
        throw new IllegalArgumentException("VPC CIDR '" + vpcCidr + "' must have a prefix length within [16, 20], e.g. '10.50.0.0/16'");
      }
    }

    String nodeCidr() {
      Cidr c = Cidr.parse(vpcCidr);
      return c.subnet(c.prefix() + 4, 0).toString();
    }

    String serviceCidr() {
      Cidr c = Cidr.parse(vpcCidr);
      return c.subnet(c.prefix() + 4, 1).toString();
    }

    String podCidr() {
      Cidr c = Cidr.parse(vpcCidr);
      return c.subnet(c.prefix() + 1, 1).toString();
    }
  }

  private final Output<String> networkId;
  private final Output<String> subnetworkId;
  private final Connection privateServices;

  public Network(String name, Args args, ComponentResourceOptions options) {
    super("gcp", "Network", name, options);
    var vpc = new com.pulumi.gcp.compute.Network(name + "-vpc", NetworkArgs.builder()
        .name(args.namePrefix() + "-vpc")
        .project(args.project())
        .autoCreateSubnetworks(false)
        .routingMode("REGIONAL")
        .build(), child());
    var subnet = new Subnetwork(name + "-nodes", SubnetworkArgs.builder()
        .name(args.namePrefix() + "-nodes")
        .project(args.project())
        .region(args.region())
        .network(vpc.id())
        .ipCidrRange(args.nodeCidr())
        .privateIpGoogleAccess(true)
        .secondaryIpRanges(
            SubnetworkSecondaryIpRangeArgs.builder().rangeName(PODS_RANGE).ipCidrRange(args.podCidr()).build(),
            SubnetworkSecondaryIpRangeArgs.builder().rangeName(SERVICES_RANGE).ipCidrRange(args.serviceCidr()).build())
        // Flow logs sampled at half: enough to investigate an incident without the full cost.
        .logConfig(SubnetworkLogConfigArgs.builder().aggregationInterval("INTERVAL_5_SEC").flowSampling(0.5).build())
        .build(), child());
    var router = new Router(name + "-router", RouterArgs.builder()
        .name(args.namePrefix() + "-router")
        .project(args.project())
        .region(args.region())
        .network(vpc.id())
        .build(), child());
    new RouterNat(name + "-nat", RouterNatArgs.builder()
        .name(args.namePrefix() + "-nat")
        .project(args.project())
        .region(args.region())
        .router(router.name())
        .natIpAllocateOption("AUTO_ONLY")
        .sourceSubnetworkIpRangesToNat("ALL_SUBNETWORKS_ALL_IP_RANGES")
        .logConfig(RouterNatLogConfigArgs.builder().enable(true).filter("ERRORS_ONLY").build())
        .build(), child());
    var peeringRange = new GlobalAddress(name + "-private-services", GlobalAddressArgs.builder()
        .name(args.namePrefix() + "-private-services")
        .project(args.project())
        .network(vpc.id())
        .purpose("VPC_PEERING")
        .addressType("INTERNAL")
        .prefixLength(20)
        .build(), child());
    this.privateServices = new Connection(name + "-private-services", ConnectionArgs.builder()
        .network(vpc.id())
        .service("servicenetworking.googleapis.com")
        .reservedPeeringRanges(peeringRange.name().applyValue(java.util.List::of))
        .build(), child());
    this.networkId = vpc.id();
    this.subnetworkId = subnet.id();
    registerOutputs(Map.of("networkId", networkId, "subnetworkId", subnetworkId));
  }

  public Output<String> networkId() {
    return networkId;
  }

  public Output<String> subnetworkId() {
    return subnetworkId;
  }

  /** The private services peering; Cloud SQL with a private IP must be created after it. */
  public Connection privateServices() {
    return privateServices;
  }
}
