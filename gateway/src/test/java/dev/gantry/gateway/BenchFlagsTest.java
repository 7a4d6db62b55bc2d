package dev.gantry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchFlagsTest extends ConsoleCapture {
    private final Map<String, Long> taken = new LinkedHashMap<>();

    private int parse(String... args) {
        return BenchFlags.parse("bench", "USAGE", args, (flag, v) -> {
            if (!flag.equals("--n")) return false;
            long n = Long.parseLong(v);
            if (n <= 0) throw new IllegalArgumentException("--n must be > 0, got " + n);
            taken.put(flag, n);
            return true;
        });
    }

    @Test
    void everyFlagTaken_goesOn() {
        assertThat(parse("--n", "3")).isEqualTo(-1);
        assertThat(taken).containsEntry("--n", 3L);
        assertThat(err()).isEmpty();
    }

    @Test
    void help_printsTheUsage_andStopsWith0() {
        assertThat(parse("--help", "--n", "3")).isZero();
        assertThat(out()).contains("USAGE");
        assertThat(taken).isEmpty();
    }

    @Test
    void mistakes_nameTheFlag_andStopWith2() {
        assertThat(parse("--n")).isEqualTo(2);
        assertThat(err()).contains("bench: --n needs a value").contains("USAGE");
        assertThat(parse("--m", "1")).isEqualTo(2);
        assertThat(err()).contains("bench: unknown argument '--m'");
        assertThat(parse("--n", "lots")).isEqualTo(2);
        assertThat(err()).contains("bench: --n must be a number, got 'lots'");
        assertThat(parse("--n", "0")).isEqualTo(2);
        assertThat(err()).contains("bench: --n must be > 0, got 0");
        assertThat(taken).isEmpty();
    }
}
