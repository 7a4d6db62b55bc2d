package dev.gantry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MainTest extends ConsoleCapture {
    @Test
    void parseArguments_readsTheServingFlags_andNamesABadOne() {
        Main.Options o = Main.parseArguments(java.util.List.of("--config", "/etc/gantry/config.yaml", "--port", "4000",
                "--data-dir", "/tmp/g"));
        assertThat(o).isEqualTo(new Main.Options("/etc/gantry/config.yaml", "0.0.0.0", 4000, "/tmp/g", false, false));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Main.parseArguments(java.util.List.of("--config=/c.yaml")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("unknown argument '--config=/c.yaml'");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Main.parseArguments(java.util.List.of("--config", "c", "--port", "x")))
                .hasMessageContaining("--port must be a number in [0, 65535], got 'x'");
    }

    @Test
    void help_printsUsage_andExits0() throws Exception {
        assertThat(Main.run(new String[] {"--help"})).isZero();
        assertThat(out()).contains("Usage: gantry-gateway --config FILE").contains("--port PORT");
    }

    @Test
    void missingConfig_exits2_sayingWhatToPass() throws Exception {
        assertThat(Main.run(new String[] {})).isEqualTo(2);
        assertThat(err()).contains("--config FILE is required");
        assertThat(Main.run(new String[] {"--config", "no/such.yaml"})).isEqualTo(2);
        assertThat(err()).contains("cannot read the file").contains("no/such.yaml");
    }

    @Test
    void badPortAndUnknownFlag_exit2_namingThem() throws Exception {
        assertThat(Main.run(new String[] {"--config", "x.yaml", "--port", "http"})).isEqualTo(2);
        assertThat(err()).contains("--port must be a number in [0, 65535], got 'http'");
        assertThat(Main.run(new String[] {"--verbose"})).isEqualTo(2);
        assertThat(err()).contains("unknown argument '--verbose'");
    }

    @Test
    void check_validatesAnExampleConfig() throws Exception {
        assertThat(Main.run(new String[] {"--config", "examples/litellm-minimal.yaml", "--check"})).isZero();
        assertThat(out()).contains("config OK: 1 deployments of [gpt-3.5-turbo]");
    }
}
