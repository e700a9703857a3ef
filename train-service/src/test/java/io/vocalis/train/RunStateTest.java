package io.vocalis.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The state machine: queued → running → succeeded | failed | cancelled, queued → cancelled, nothing else. */
class RunStateTest {
  @Test
  void onlyTheDocumentedMovesAreAllowed() {
    for (RunState from : RunState.values()) {
      Set<RunState> allowed = EnumSet.noneOf(RunState.class);
      for (RunState to : RunState.values()) {
        if (from.canBecome(to)) {
          allowed.add(to);
        }
      }
      Set<RunState> expected = switch (from) {
        case QUEUED -> EnumSet.of(RunState.RUNNING, RunState.CANCELLED);
        case RUNNING -> EnumSet.of(RunState.SUCCEEDED, RunState.FAILED, RunState.CANCELLED);
        default -> EnumSet.noneOf(RunState.class);
      };
      assertThat(allowed).as(from.id()).isEqualTo(expected);
      assertThat(from.terminal()).isEqualTo(expected.isEmpty());
      assertThat(RunState.of(from.id())).isEqualTo(from);
    }
  }

  @Test
  void aRunRefusesAnIllegalMoveAndStampsItsTimes() {
    Instant t0 = Instant.parse("2026-12-01T10:00:00Z");
    Instant t1 = t0.plusSeconds(5);
    Run queued = new Run("r", RunState.QUEUED, "in-process", java.util.Map.of(), null, null,
        new Run.Progress(0, 2), null, null, false, t0, null, null);
    assertThatThrownBy(() -> queued.to(RunState.SUCCEEDED, t1)).isInstanceOf(IllegalStateException.class)
        .hasMessage("run r is queued and cannot become succeeded");
    Run running = queued.to(RunState.RUNNING, t1);
    assertThat(running.startedAt()).isEqualTo(t1);
    assertThat(running.finishedAt()).isNull();
    Run failed = running.failed(new Run.Failure("io", "disk gone"), t1.plusSeconds(1));
    assertThat(failed.state()).isEqualTo(RunState.FAILED);
    assertThat(failed.finishedAt()).isEqualTo(t1.plusSeconds(1));
    assertThatThrownBy(() -> failed.to(RunState.RUNNING, t1)).isInstanceOf(IllegalStateException.class);
  }
}
