package dev.gantry.policies.gate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.policies.checklist.Attestations;
import dev.gantry.policies.graph.PulumiJson;
import dev.gantry.policies.graph.ResourceGraph;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Graphs read from Pulumi's own formats, with unknowns and secrets, are judged without crashing. */
class PulumiSourcesGateTest {
  static Path fixture(String name) throws URISyntaxException {
    return Path.of(PulumiSourcesGateTest.class.getResource("/fixtures/" + name).toURI());
  }

  @Test
  void preview_withUnknownsAndSecrets_isJudged_andSecretEnvIsFlagged() throws Exception {
    ResourceGraph graph = PulumiJson.readPreview(fixture("preview.json"));
    GateReport r = Gate.builder().attestations(Attestations.none(graph.stack())).today(GateTest.DAY).build().evaluate(graph);

    assertThat(r.ready()).isFalse();
    assertThat(r.findingsOf("GNT-K8S-018")).singleElement()
        .satisfies(f -> assertThat(f.finding().message()).contains("GANTRY_DB_PASSWORD"));
    // The image is unknown at preview time: not reported as unpinned.
    assertThat(r.findingsOf("GNT-K8S-021")).isEmpty();
    assertThat(r.findingsOf("GNT-CLOUD-008")).isEmpty(); // publicAccessCidrs is a narrow range
  }

  @Test
  void stackExport_isJudged_databaseRulesPass() throws Exception {
    ResourceGraph graph = PulumiJson.readStackExport(fixture("stack-export.json"));
    GateReport r = Gate.builder().attestations(Attestations.none(graph.stack())).today(GateTest.DAY).build().evaluate(graph);

    assertThat(r.findingsOf("GNT-CLOUD-004")).isEmpty();
    assertThat(r.findingsOf("GNT-CLOUD-005")).isEmpty();
    assertThat(r.resources()).isEqualTo(graph.resources().size());
  }
}
