package dev.gantry.stacks.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gantry.stacks.local.Progress.StepResult;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {
  final StringWriter text = new StringWriter();
  final AtomicLong clock = new AtomicLong();
  final Progress plain = new Progress(new PrintWriter(text, true), false, clock::get);

  @Test
  void step_notATerminal_printsOneLinePerStepWithElapsedTimeAndNoControlCharacters() {
    String value = plain.step("engine", () -> {
      clock.addAndGet(2_500_000_000L);
      return new StepResult<>("v", "healthy at http://127.0.0.1:8000");
    });
    plain.step("gateway", () -> StepResult.done(null));
    assertThat(value).isEqualTo("v");
    assertThat(text.toString()).isEqualTo("✓ engine: healthy at http://127.0.0.1:8000 (2.5 s)\n✓ gateway (0.0 s)\n"
        .replace("\n", System.lineSeparator()));
  }

  @Test
  void step_whenTheWorkFails_printsACrossAndRethrows() {
    assertThatThrownBy(() -> plain.step("engine", () -> {
      clock.addAndGet(1_000_000_000L);
      throw LocalException.failed("engine exited while starting");
    })).isInstanceOf(LocalException.class).hasMessage("engine exited while starting");
    assertThat(text.toString()).isEqualTo("✗ engine (1.0 s)" + System.lineSeparator());
  }

  @Test
  void step_onATerminal_clearsTheSpinnerLineBeforeTheResult() {
    Progress tty = new Progress(new PrintWriter(text, true), true, clock::get);
    tty.step("engine", () -> StepResult.done("ok"));
    assertThat(text.toString()).endsWith("\r\033[K✓ engine: ok (0.0 s)" + System.lineSeparator());
  }
}
