package dev.gantry.infra.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CidrTest {
  @Test
  void subnet_carvesIndexedBlocksOfTheNewPrefix() {
    Cidr vpc = Cidr.parse("10.40.0.0/16");
    assertThat(vpc.subnet(19, 0)).hasToString("10.40.0.0/19");
    assertThat(vpc.subnet(19, 2)).hasToString("10.40.64.0/19");
    assertThat(vpc.subnet(22, 56)).hasToString("10.40.224.0/22");
  }

  @Test
  void subnet_whenIndexOutOfRange_saysHowManyFit() {
    assertThatThrownBy(() -> Cidr.parse("10.0.0.0/16").subnet(17, 2))
        .hasMessageContaining("has only 2 /17 subnets");
  }

  @Test
  void parse_whenHostBitsSet_suggestsTheNetworkAddress() {
    assertThatThrownBy(() -> Cidr.parse("10.0.0.1/16")).hasMessageContaining("use '10.0.0.0/16'");
  }

  @Test
  void parse_whenNotACidr_quotesTheInput() {
    assertThatThrownBy(() -> Cidr.parse("10.0.0/16")).hasMessageContaining("'10.0.0/16' is not an IPv4 CIDR block");
    assertThatThrownBy(() -> Cidr.parse("300.0.0.0/8")).hasMessageContaining("'300.0.0.0/8'");
  }
}
