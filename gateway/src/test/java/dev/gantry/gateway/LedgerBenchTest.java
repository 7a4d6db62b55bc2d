package dev.gantry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LedgerBenchTest extends ConsoleCapture {
    @Test
    void benchLedger_writesEveryRecord_andReportsCpuPerRecord() throws Exception {
        Path dir = Files.createTempDirectory("ledger-bench");
        int rc = Main.run(new String[] {"bench-ledger", "--records", "3000", "--warmup", "1000", "--rate", "0",
                "--data-dir", dir.toString()});
        String printed = out();
        assertThat(rc).as(printed + err()).isZero();
        assertThat(printed).contains("3000 records in").contains("CPU per record: ledger writer").contains("us");
    }

    @Test
    void benchLedger_badArgument_isNamed() throws Exception {
        assertThat(Main.run(new String[] {"bench-ledger", "--records", "lots"})).isEqualTo(2);
        assertThat(err()).contains("--records must be a number, got 'lots'");
        assertThat(Main.run(new String[] {"bench-ledger", "--records", "0"})).isEqualTo(2);
        assertThat(err()).contains("--records must be > 0, got 0");
    }
}
