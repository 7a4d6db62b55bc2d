package dev.gantry.policies.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class RuleDocsTest {
  @Test
  void committedRulesPage_isUpToDateWithRuleMetadata() throws IOException {
    Path page = Path.of("../docs/rules.md");
    String expected = RuleDocs.render(Rules.all());
    assertThat(Files.exists(page)).as("docs/rules.md exists; regenerate with RuleDocs").isTrue();
    assertThat(Files.readString(page))
        .as("docs/rules.md is stale: run 'java -cp policies/target/classes:<deps> dev.gantry.policies.rules.RuleDocs docs/rules.md'")
        .isEqualTo(expected);
  }

  @Test
  void page_hasASectionPerRule() {
    String page = RuleDocs.render(Rules.all());
    Rules.all().forEach(r -> assertThat(page).contains("### " + r.id()));
  }
}
