package dev.gantry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LedgerBenchTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream oldOut;
    private PrintStream oldErr;

    @BeforeEach
    void capture() {
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(oldOut);
        System.setErr(oldErr);
    }

    @Test
    void benchLedger_writesEveryRecord_andReportsCpuPerRecord() throws Exception {
        Path dir = Files.createTempDirectory("ledger-bench");
        int rc = Main.run(new String[] {"bench-ledger", "--records", "3000", "--warmup", "1000", "--rate", "0",
                "--data-dir", dir.toString()});
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(rc).as(printed + err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(printed).contains("3000 records in").contains("CPU per record: ledger writer").contains("us");
    }

    @Test
    void benchLedger_badArgument_isNamed() throws Exception {
        assertThat(Main.run(new String[] {"bench-ledger", "--records", "lots"})).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--records must be a number, got 'lots'");
        assertThat(Main.run(new String[] {"bench-ledger", "--records", "0"})).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--records must be > 0, got 0");
    }
}
