package io.vocalis.core.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link IngestFailure#recent}: failed rows and failed jobs, newest job first, rows in line order. */
class IngestFailureTest {
  private static final Instant T1 = Instant.parse("2026-12-01T10:00:00Z");
  private static final Instant T2 = Instant.parse("2026-12-01T11:00:00Z");

  private static ImportJob job(String id, Instant at, List<ImportJob.RowOutcome> rows, List<String> errors) {
    return new ImportJob(id, "file:///data/" + id + "/", errors.isEmpty() ? ImportJob.State.DONE : ImportJob.State.FAILED,
        rows.size(), 0, 0, 0, rows, errors, T1, at);
  }

  @Test
  void newestJobFirstWithItsOwnFailureBeforeItsRows() {
    ImportJob older = job("older", T1, List.of(
        new ImportJob.RowOutcome(2, "a.wav", ImportJob.RowOutcome.Status.STORED, "x".repeat(64), null),
        new ImportJob.RowOutcome(3, "b.wav", ImportJob.RowOutcome.Status.FAILED, null, "not a WAV or FLAC file"),
        new ImportJob.RowOutcome(5, "c.wav", ImportJob.RowOutcome.Status.FAILED, null, "empty audio")), List.of());
    ImportJob newer = job("newer", T2, List.of(), List.of("metadata.csv line 4, column slow_rate: not a number"));
    assertThat(IngestFailure.recent(List.of(older, newer), 10))
        .extracting(IngestFailure::importId, IngestFailure::line, IngestFailure::file, IngestFailure::reason)
        .containsExactly(tuple("newer", 0, null, "metadata.csv line 4, column slow_rate: not a number"),
            tuple("older", 3, "b.wav", "not a WAV or FLAC file"), tuple("older", 5, "c.wav", "empty audio"));
    assertThat(IngestFailure.recent(List.of(older, newer), 2)).hasSize(2).last()
        .extracting(IngestFailure::at, IngestFailure::uri).containsExactly(T1, "file:///data/older/");
    assertThatThrownBy(() -> IngestFailure.recent(List.of(), 0)).hasMessage("limit must be at least 1: 0");
  }
}
