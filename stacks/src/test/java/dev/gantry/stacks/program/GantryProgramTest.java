package dev.gantry.stacks.program;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.stacks.config.StackConfigException;
import dev.gantry.stacks.config.StackFile;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The program's entry under {@code pulumi up}: config as the Pulumi Java language host passes it. */
class GantryProgramTest {
  static final Path STACKS = Path.of("").toAbsolutePath();

  @Test
  void fromEnvironment_parsesPulumiConfigLikeTheStackFile() throws Exception {
    StackFile file = StackFile.read(STACKS.resolve("Pulumi.aws-prod.yaml"));
    ObjectMapper json = new ObjectMapper();
    var config = GantryProgram.fromEnvironment(Map.of(
        "PULUMI_PROJECT", "gantry",
        "PULUMI_STACK", "aws-prod",
        "PULUMI_ROOT_DIRECTORY", STACKS.toString(),
        "PULUMI_CONFIG", json.writeValueAsString(file.values()),
        "PULUMI_CONFIG_SECRET_KEYS", json.writeValueAsString(file.secretKeys())));
    assertThat(config.stack()).isEqualTo("aws-prod");
    assertThat(config.models()).hasSize(2);
    assertThat(config.secrets().hfToken()).isTrue();
  }

  @Test
  void fromEnvironment_withoutAStack_saysHowToRunIt() {
    assertThatThrownBy(() -> GantryProgram.fromEnvironment(Map.of()))
        .isInstanceOf(StackConfigException.class)
        .hasMessageContaining("pulumi up -s <stack>");
  }

  @Test
  void fromEnvironment_secretsPassedInPlainText_areRejected() throws Exception {
    StackFile file = StackFile.read(STACKS.resolve("Pulumi.aws-prod.yaml"));
    assertThatThrownBy(() -> GantryProgram.fromEnvironment(Map.of(
        "PULUMI_STACK", "aws-prod",
        "PULUMI_ROOT_DIRECTORY", STACKS.toString(),
        "PULUMI_CONFIG", new ObjectMapper().writeValueAsString(file.values()))))
        .hasMessageContaining("must be a secret");
  }
}
