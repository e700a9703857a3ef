package io.vocalis.embed;

import io.vocalis.core.snapshot.SnapshotFilter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A backfill's recorded state, as {@code GET /api/v1/backfills/{id}} answers it.
 *
 * @param id the job id
 * @param state {@code QUEUED}, {@code RUNNING}, {@code DONE} or {@code FAILED}
 * @param encoder the model reference
 * @param layers the hidden states kept ({@code "last"}, {@code "all"} or indices)
 * @param filter the recordings it selects
 * @param matched stored recordings the filter selected so far
 * @param embedded entries computed
 * @param cached recordings that already had an entry
 * @param failed recordings that could not be embedded
 * @param failures the reason for each failed recording
 * @param error why the job itself failed, or null
 * @param createdAt when it was posted
 * @param updatedAt when this state was written
 */
public record BackfillJob(String id, String state, String encoder, Object layers, SnapshotFilter filter,
    int matched, int embedded, int cached, int failed, List<Failure> failures, String error, Instant createdAt,
    Instant updatedAt) {

  /** Why one recording failed. */
  public record Failure(String recordingId, String reason) {}

  /** Copies the failures. */
  public BackfillJob {
    failures = List.copyOf(failures);
  }

  static BackfillJob queued(String id, String encoder, Object layers, SnapshotFilter filter, Instant now) {
    return new BackfillJob(id, "QUEUED", encoder, layers, filter, 0, 0, 0, 0, List.of(), null, now, now);
  }

  BackfillJob running(Instant now) {
    return new BackfillJob(id, "RUNNING", encoder, layers, filter, matched, embedded, cached, failed, failures,
        null, createdAt, now);
  }

  BackfillJob counted(int matched, int embedded, int cached, List<Failure> failures, Instant now) {
    return new BackfillJob(id, state, encoder, layers, filter, matched, embedded, cached, failures.size(),
        new ArrayList<>(failures), null, createdAt, now);
  }

  BackfillJob done(Instant now) {
    return new BackfillJob(id, "DONE", encoder, layers, filter, matched, embedded, cached, failed, failures, null,
        createdAt, now);
  }

  BackfillJob failed(String error, Instant now) {
    return new BackfillJob(id, "FAILED", encoder, layers, filter, matched, embedded, cached, failed, failures,
        error, createdAt, now);
  }

  /** Whether the job still has work to do (after a restart, it resumes). */
  boolean unfinished() {
    return state.equals("QUEUED") || state.equals("RUNNING");
  }
}
