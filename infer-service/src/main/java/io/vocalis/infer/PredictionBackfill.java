package io.vocalis.infer;

import io.vocalis.core.snapshot.SnapshotFilter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A prediction backfill's recorded state, as {@code GET /api/v1/predictions/backfills/{id}} answers
 * it (the shape of embed-service's backfills).
 *
 * @param id the job id
 * @param state {@code QUEUED}, {@code RUNNING}, {@code DONE} or {@code FAILED}
 * @param model the model name
 * @param version the production version when the job was posted (a swap during the job predicts
 *     the rest with the new production version)
 * @param filter the stored recordings it selects
 * @param matched stored recordings the filter selected so far
 * @param predicted predictions computed, stored and published by this job
 * @param announced predictions found stored but never published (a crash in between), published now
 * @param stored predictions already stored and published (by the stream or an earlier backfill): nothing done
 * @param failed recordings that could not be predicted
 * @param failures the reason for each failed recording
 * @param error why the job itself failed, or null
 * @param createdAt when it was posted
 * @param updatedAt when this state was written
 */
public record PredictionBackfill(String id, String state, String model, int version, SnapshotFilter filter,
    int matched, int predicted, int announced, int stored, int failed, List<Failure> failures, String error,
    Instant createdAt, Instant updatedAt) {

  /** Why one recording failed. */
  public record Failure(String recordingId, String reason) {}

  /** Copies the failures. */
  public PredictionBackfill {
    failures = List.copyOf(failures);
  }

  static PredictionBackfill queued(String id, String model, int version, SnapshotFilter filter, Instant now) {
    return new PredictionBackfill(id, "QUEUED", model, version, filter, 0, 0, 0, 0, 0, List.of(), null, now, now);
  }

  PredictionBackfill running(Instant now) {
    return new PredictionBackfill(id, "RUNNING", model, version, filter, matched, predicted, announced, stored,
        failed, failures, null, createdAt, now);
  }

  PredictionBackfill counted(int matched, int predicted, int announced, int stored, List<Failure> failures,
      Instant now) {
    return new PredictionBackfill(id, state, model, version, filter, matched, predicted, announced, stored,
        failures.size(), new ArrayList<>(failures), null, createdAt, now);
  }

  PredictionBackfill done(Instant now) {
    return new PredictionBackfill(id, "DONE", model, version, filter, matched, predicted, announced, stored, failed,
        failures, null, createdAt, now);
  }

  PredictionBackfill failed(String error, Instant now) {
    return new PredictionBackfill(id, "FAILED", model, version, filter, matched, predicted, announced, stored, failed,
        failures, error, createdAt, now);
  }

  /** Whether the job still has work to do (after a restart, it resumes). */
  boolean unfinished() {
    return state.equals("QUEUED") || state.equals("RUNNING");
  }
}
