package dev.gantry.infra.azure;

import com.pulumi.azurenative.network.PrivateZone;
import com.pulumi.azurenative.network.PrivateZoneArgs;
import com.pulumi.azurenative.network.Subnet;
import com.pulumi.azurenative.network.SubnetArgs;
import com.pulumi.azurenative.network.VirtualNetwork;
import com.pulumi.azurenative.network.VirtualNetworkArgs;
import com.pulumi.azurenative.network.VirtualNetworkLink;
import com.pulumi.azurenative.network.VirtualNetworkLinkArgs;
import com.pulumi.azurenative.network.inputs.AddressSpaceArgs;
import com.pulumi.azurenative.network.inputs.DelegationArgs;
import com.pulumi.azurenative.network.inputs.SubResourceArgs;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResourceOptions;
import dev.gantry.infra.GantryComponent;
import dev.gantry.infra.aws.Cidr;
import java.util.Map;
import java.util.Objects;

/**
 * The virtual network of an AKS GPU cluster ({@code gantry:azure:Network}): a subnet for the
 * nodes (pods get overlay addresses outside the VNet, so it stays small), a subnet delegated
 * to PostgreSQL Flexible Server so the gateway database has a private address only, and the
 * private DNS zone that resolves the server's name inside the VNet.
 *
 * <pre>
 *   vnetCidr /P   ├─ nodes     /P+1  index 0
 *                 └─ postgres  /P+4  index 8 (start of the upper half)
 * </pre>
 */
public final class Network extends GantryComponent {

  /**
   * @param resourceGroup resource group of every resource
   * @param location      Azure region
   * @param namePrefix    prefix of every resource name
   * @param vnetCidr      address space, prefix length 16 to 20
   * @param tags          tags on every resource
   */
  public record Args(Output<String> resourceGroup, String location, String namePrefix, String vnetCidr,
      Map<String, String> tags) {
    public Args {
      Objects.requireNonNull(resourceGroup, "resourceGroup");
      Objects.requireNonNull(location, "location");
      Objects.requireNonNull(namePrefix, "namePrefix");
      int prefix = Cidr.parse(vnetCidr).prefix();
      if (prefix < 16 || prefix > 20) {
        throw new IllegalArgumentException("VNet CIDR '" + vnetCidr + "' must have a prefix length within [16, 20], e.g. '10.60.0.0/16'");
      }
      tags = Map.copyOf(tags == null ? Map.of() : tags);
    }
  }

  private final Output<String> nodeSubnetId;
  private final Output<String> databaseSubnetId;
  private final Output<String> databaseDnsZoneId;

  public Network(String name, Args args, ComponentResourceOptions options) {
    super("azure", "Network", name, options);
    Cidr cidr = Cidr.parse(args.vnetCidr());
    var vnet = new VirtualNetwork(name + "-vnet", VirtualNetworkArgs.builder()
        .resourceGroupName(args.resourceGroup())
        .location(args.location())
        .virtualNetworkName(args.namePrefix() + "-vnet")
        .addressSpace(AddressSpaceArgs.builder().addressPrefixes(args.vnetCidr()).build())
        .tags(tags(args.tags(), args.namePrefix() + "-vnet"))
        .build(), child());
    var nodes = new Subnet(name + "-nodes", SubnetArgs.builder()
        .resourceGroupName(args.resourceGroup())
        .virtualNetworkName(vnet.name())
        .subnetName("nodes")
        .addressPrefix(cidr.subnet(cidr.prefix() + 1, 0).toString())
        .build(), child());
    var postgres = new Subnet(name + "-postgres", SubnetArgs.builder()
        .resourceGroupName(args.resourceGroup())
        .virtualNetworkName(vnet.name())
        .subnetName("postgres")
        .addressPrefix(cidr.subnet(cidr.prefix() + 4, 8).toString())
        .delegations(DelegationArgs.builder()
            .name("postgres-flexible-server")
            .serviceName("Microsoft.DBforPostgreSQL/flexibleServers")
            .build())
        .build(), child(nodes)); // one subnet change at a time: Azure rejects concurrent VNet updates
    var zone = new PrivateZone(name + "-postgres-dns", PrivateZoneArgs.builder()
        .resourceGroupName(args.resourceGroup())
        .location("global")
        .privateZoneName(args.namePrefix() + ".private.postgres.database.azure.com")
        .tags(tags(args.tags(), args.namePrefix() + "-postgres-dns"))
        .build(), child());
    var link = new VirtualNetworkLink(name + "-postgres-dns-link", VirtualNetworkLinkArgs.builder()
        .resourceGroupName(args.resourceGroup())
        .location("global")
        .privateZoneName(zone.name())
        .virtualNetworkLinkName(args.namePrefix() + "-vnet")
        .virtualNetwork(SubResourceArgs.builder().id(vnet.id()).build())
        .registrationEnabled(false)
        .build(), child());
    this.nodeSubnetId = nodes.id();
    this.databaseSubnetId = postgres.id();
    this.databaseDnsZoneId = Output.tuple(zone.id(), link.id()).applyValue(t -> t.t1);
    registerOutputs(Map.of("nodeSubnetId", nodeSubnetId, "databaseSubnetId", databaseSubnetId));
  }

  public Output<String> nodeSubnetId() {
    return nodeSubnetId;
  }

  /** The subnet delegated to PostgreSQL Flexible Server. */
  public Output<String> databaseSubnetId() {
    return databaseSubnetId;
  }

  /** The private DNS zone of the database, available once it is linked to the VNet. */
  public Output<String> databaseDnsZoneId() {
    return databaseDnsZoneId;
  }
}
