package dev.gantry.policies.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.policies.catalog.GpuCatalog;
import dev.gantry.policies.graph.ResourceGraph;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The fixture every rule test starts from passes every rule: the negative case of each rule. */
class CompliantStackTest {
  @Test
  void everyRule_onCompliantStack_reportsNothing() {
    ResourceGraph graph = Stacks.compliant().graph();
    PolicyConfig policy = PolicyConfig.defaults().with(graph.configValue("gantry:policy"), "gantry:policy");

    List<Finding> findings = new RuleEngine(Rules.all()).run(new RuleContext(graph, GpuCatalog.defaultCatalog(), policy));

    assertThat(findings).extracting(f -> f.ruleId() + " " + f.subject() + ": " + f.message()).isEmpty();
  }

  @Test
  void ruleSet_hasAtLeast35Rules_withUniqueIds_docsAndChecklistItems() {
    Set<String> ids = new HashSet<>();
    for (Rule r : Rules.all()) {
      assertThat(ids.add(r.id())).as("duplicate id %s", r.id()).isTrue();
      assertThat(r.info().description()).as(r.id()).hasSizeGreaterThan(40);
      assertThat(r.info().fix()).as(r.id()).isNotBlank();
      assertThat(r.info().proves()).as(r.id()).isNotEmpty();
    }
    assertThat(Rules.all()).hasSizeGreaterThanOrEqualTo(35);
  }
}
