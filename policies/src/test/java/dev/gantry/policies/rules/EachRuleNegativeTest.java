package dev.gantry.policies.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The negative case of every rule, one test per rule: the compliant stack gives no finding. */
class EachRuleNegativeTest {
  static Stream<Rule> rules() {
    return Rules.all().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rules")
  void rule_onCompliantStack_passes(Rule rule) {
    assertThat(Stacks.compliant().run(rule)).isEmpty();
  }
}
