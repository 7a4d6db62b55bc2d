package dev.gantry.infra.aws;

import com.pulumi.aws.ec2.Eip;
import com.pulumi.aws.ec2.EipArgs;
import com.pulumi.aws.ec2.InternetGateway;
import com.pulumi.aws.ec2.InternetGatewayArgs;
import com.pulumi.aws.ec2.NatGateway;
import com.pulumi.aws.ec2.NatGatewayArgs;
import com.pulumi.aws.ec2.RouteTable;
import com.pulumi.aws.ec2.RouteTableArgs;
import com.pulumi.aws.ec2.RouteTableAssociation;
import com.pulumi.aws.ec2.RouteTableAssociationArgs;
import com.pulumi.aws.ec2.Subnet;
import com.pulumi.aws.ec2.SubnetArgs;
import com.pulumi.aws.ec2.Vpc;
import com.pulumi.aws.ec2.VpcArgs;
import com.pulumi.aws.ec2.inputs.RouteTableRouteArgs;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResourceOptions;
import dev.gantry.infra.GantryComponent;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The VPC of an AWS stack ({@code gantry:aws:Network}): one public and one private subnet
 * per availability zone, an internet gateway, and one NAT gateway per zone so losing a
 * zone does not cut the other zones' nodes off the internet (image and model pulls).
 * Nodes, the database and the cluster's control-plane interfaces live in the private
 * subnets; only load balancers use the public ones (tagged for the AWS load balancer
 * integration).
 *
 * <p>Layout of a {@code /16}: private subnets are the first {@code /19}s (8190 addresses
 * each, room for pod IPs of the VPC CNI); public subnets are {@code /22}s at the top of
 * the range.
 */
public final class Network extends GantryComponent {
  /** Most zones a layout supports (private /19s must stay in the lower 7/8 of the VPC). */
  public static final int MAX_ZONES = 6;

  /**
   * @param namePrefix  prefix of resource names, e.g. {@code gantry-prod}
   * @param cidr        VPC CIDR block, prefix length 16..20
   * @param zones       availability zones, at least 2, distinct
   * @param clusterName EKS cluster name, for the subnet discovery tags
   * @param tags        tags on every resource
   */
  public record Args(String namePrefix, String cidr, List<String> zones, String clusterName, Map<String, String> tags) {
    public Args {
      Objects.requireNonNull(namePrefix, "namePrefix");
      Objects.requireNonNull(clusterName, "clusterName");
      zones = List.copyOf(zones);
      tags = Map.copyOf(tags == null ? Map.of() : tags);
      if (zones.size() < 2) {
        throw new IllegalArgumentException("A network needs at least 2 availability zones for high availability; got " + zones);
      }
      if (zones.size() > MAX_ZONES) {
        throw new IllegalArgumentException("A network spans at most " + MAX_ZONES + " zones; got " + zones.size());
      }
      if (new HashSet<>(zones).size() != zones.size()) {
        throw new IllegalArgumentException("Availability zones must be distinct; got " + zones);
      }
      int prefix = Cidr.parse(cidr).prefix();
      if (prefix < 16 || prefix > 20) {
        throw new IllegalArgumentException("VPC CIDR '" + cidr + "' must have a prefix length within [16, 20]");
      }
    }
  }

  private final Output<String> vpcId;
  private final Output<String> vpcCidr;
  private final Output<List<String>> privateSubnetIds;
  private final Output<List<String>> publicSubnetIds;

  public Network(String name, Args args, ComponentResourceOptions options) {
    super("aws", "Network", name, options);
    Cidr cidr = Cidr.parse(args.cidr());
    String p = args.namePrefix();
    var vpc = new Vpc(name + "-vpc", VpcArgs.builder()
        .cidrBlock(args.cidr())
        .enableDnsHostnames(true)
        .enableDnsSupport(true)
        .tags(tags(args.tags(), p + "-vpc"))
        .build(), child());
    var igw = new InternetGateway(name + "-igw", InternetGatewayArgs.builder()
        .vpcId(vpc.id())
        .tags(tags(args.tags(), p + "-igw"))
        .build(), child());
    var publicRoutes = new RouteTable(name + "-public", RouteTableArgs.builder()
        .vpcId(vpc.id())
        .routes(RouteTableRouteArgs.builder().cidrBlock("0.0.0.0/0").gatewayId(igw.id()).build())
        .tags(tags(args.tags(), p + "-public"))
        .build(), child());

    String clusterTag = "kubernetes.io/cluster/" + args.clusterName();
    List<Output<String>> privateIds = new ArrayList<>();
    List<Output<String>> publicIds = new ArrayList<>();
    for (int i = 0; i < args.zones().size(); i++) {
      String zone = args.zones().get(i);
      Map<String, String> publicTags = new TreeMap<>(tags(args.tags(), p + "-public-" + zone));
      publicTags.put("kubernetes.io/role/elb", "1");
      publicTags.put(clusterTag, "shared");
      var publicSubnet = new Subnet(name + "-public-" + zone, SubnetArgs.builder()
          .vpcId(vpc.id())
          .availabilityZone(zone)
          .cidrBlock(cidr.subnet(cidr.prefix() + 6, 56 + i).toString())
          .mapPublicIpOnLaunch(false)
          .tags(publicTags)
          .build(), child());
      new RouteTableAssociation(name + "-public-" + zone, RouteTableAssociationArgs.builder()
          .subnetId(publicSubnet.id())
          .routeTableId(publicRoutes.id())
          .build(), child());
      var eip = new Eip(name + "-nat-" + zone, EipArgs.builder()
          .domain("vpc")
          .tags(tags(args.tags(), p + "-nat-" + zone))
          .build(), child());
      var nat = new NatGateway(name + "-nat-" + zone, NatGatewayArgs.builder()
          .allocationId(eip.id())
          .subnetId(publicSubnet.id())
          .tags(tags(args.tags(), p + "-nat-" + zone))
          .build(), child(igw));

      Map<String, String> privateTags = new TreeMap<>(tags(args.tags(), p + "-private-" + zone));
      privateTags.put("kubernetes.io/role/internal-elb", "1");
      privateTags.put(clusterTag, "shared");
      var privateSubnet = new Subnet(name + "-private-" + zone, SubnetArgs.builder()
          .vpcId(vpc.id())
          .availabilityZone(zone)
          .cidrBlock(cidr.subnet(cidr.prefix() + 3, i).toString())
          .tags(privateTags)
          .build(), child());
      var privateRoutes = new RouteTable(name + "-private-" + zone, RouteTableArgs.builder()
          .vpcId(vpc.id())
          .routes(RouteTableRouteArgs.builder().cidrBlock("0.0.0.0/0").natGatewayId(nat.id()).build())
          .tags(tags(args.tags(), p + "-private-" + zone))
          .build(), child());
      new RouteTableAssociation(name + "-private-" + zone, RouteTableAssociationArgs.builder()
          .subnetId(privateSubnet.id())
          .routeTableId(privateRoutes.id())
          .build(), child());
      privateIds.add(privateSubnet.id());
      publicIds.add(publicSubnet.id());
    }
    this.vpcId = vpc.id();
    this.vpcCidr = Output.of(args.cidr());
    this.privateSubnetIds = all(privateIds);
    this.publicSubnetIds = all(publicIds);
    registerOutputs(Map.of(
        "vpcId", vpcId,
        "privateSubnetIds", privateSubnetIds,
        "publicSubnetIds", publicSubnetIds));
  }

  public Output<String> vpcId() {
    return vpcId;
  }

  public Output<String> vpcCidr() {
    return vpcCidr;
  }

  /** Private subnet ids, one per zone in the order of {@link Args#zones()}. */
  public Output<List<String>> privateSubnetIds() {
    return privateSubnetIds;
  }

  public Output<List<String>> publicSubnetIds() {
    return publicSubnetIds;
  }
}
