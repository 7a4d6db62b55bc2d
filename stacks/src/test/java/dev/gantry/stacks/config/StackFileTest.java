package dev.gantry.stacks.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StackFileTest {
  @TempDir
  Path dir;

  Path write(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text);
  }

  @Test
  void read_givesValuesAsThePulumiCliPassesThem() throws IOException {
    StackFile file = StackFile.read(write("Pulumi.dev.yaml", """
        config:
          aws:region: us-east-1
          gantry:replicas: 3
          gantry:cluster: {name: c, pools: [a, b]}
          gantry:hfToken:
            secure: v1:abc
        """));
    assertThat(file.stack()).isEqualTo("dev");
    assertThat(file.values()).containsEntry("aws:region", "us-east-1").containsEntry("gantry:replicas", "3")
        .containsEntry("gantry:cluster", "{\"name\":\"c\",\"pools\":[\"a\",\"b\"]}")
        .containsEntry("gantry:hfToken", "v1:abc");
    assertThat(file.secretKeys()).containsExactly("gantry:hfToken");
  }

  @Test
  void read_whenNoConfigMap_saysWhereKeysGo() throws IOException {
    Path f = write("Pulumi.dev.yaml", "gantry:cloud: aws\n");
    assertThatThrownBy(() -> StackFile.read(f)).isInstanceOf(StackConfigException.class)
        .hasMessage(f + ": missing 'config:' map; put the gantry:* keys under 'config:'");
  }

  @Test
  void read_whenKeyNotNamespaced_suggestsTheGantryNamespace() throws IOException {
    Path f = write("Pulumi.dev.yaml", "config:\n  cloud: aws\n");
    assertThatThrownBy(() -> StackFile.read(f)).hasMessage(f + ": config key 'cloud' is not namespaced; write 'gantry:cloud'");
  }

  @Test
  void read_whenYamlBroken_namesFileAndLine() throws IOException {
    Path f = write("Pulumi.dev.yaml", "config:\n  gantry:cloud: [aws\n  gantry:region: x\n");
    assertThatThrownBy(() -> StackFile.read(f)).hasMessageStartingWith(f + ": not valid YAML:").hasMessageContaining("line ");
  }

  @Test
  void read_whenEmpty_saysWhatIsNeeded() throws IOException {
    Path f = write("Pulumi.dev.yaml", "");
    assertThatThrownBy(() -> StackFile.read(f)).hasMessageContaining("the file is empty");
  }

  @Test
  void parseValue_keepsJsonAndStrings() {
    assertThat(StackFile.parseValue("[1,2]").isArray()).isTrue();
    assertThat(StackFile.parseValue("{\"a\":1}").path("a").asInt()).isEqualTo(1);
    assertThat(StackFile.parseValue("[not json").asText()).isEqualTo("[not json");
    assertThat(StackFile.parseValue("3").isTextual()).isTrue();
  }
}
