package dev.gantry.stacks.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class StackCatalogTest {
  final StackCatalog catalog = StackCatalog.at(Path.of(""));

  @Test
  void stackNames_listsStackFilesButNotTheProjectFile() {
    assertThat(catalog.stackNames()).contains("aws-prod").doesNotContain("", "yaml");
    assertThat(catalog.project()).isEqualTo("gantry");
  }

  @Test
  void stackFile_whenUnknown_namesTheStacksThatExist() {
    assertThatThrownBy(() -> catalog.stackFile("aws-prd"))
        .isInstanceOf(StackConfigException.class)
        .hasMessageStartingWith("Unknown stack 'aws-prd'; did you mean 'aws-prod'?; stacks in ")
        .hasMessageContaining("aws-prod");
  }

  @Test
  void at_whenNotAStacksDirectory_saysWhatIsMissing() {
    assertThatThrownBy(() -> StackCatalog.at(Path.of("models"))).hasMessageContaining("it has no Pulumi.yaml");
  }

  @Test
  void load_validatesTheStack() {
    assertThat(catalog.load("aws-prod").config().models()).hasSize(2);
  }
}
