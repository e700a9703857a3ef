package io.vocalis.core.ingest;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The state of one dataset import: what was asked, how far it got, and the outcome of every row.
 *
 * @param id job id
 * @param uri the dataset folder
 * @param state where the job is
 * @param total rows in the dataset (0 until it has been validated)
 * @param stored rows stored and announced by this job
 * @param duplicates rows whose audio was stored before (nothing done)
 * @param failed rows that could not be ingested (see {@link #rows})
 * @param rows per-row outcomes, in dataset order, as far as the job got
 * @param errors why the job failed: dataset validation errors naming line and column, or the
 *     failure that stopped it
 * @param createdAt when the job was created
 * @param updatedAt when this state was recorded
 */
public record ImportJob(
    String id,
    String uri,
    State state,
    int total,
    int stored,
    int duplicates,
    int failed,
    List<RowOutcome> rows,
    List<String> errors,
    Instant createdAt,
    Instant updatedAt) {

  /** Where a job is. */
  public enum State {
    /** Created, not started. */
    QUEUED,
    /** Validating or ingesting. */
    RUNNING,
    /** Every row has an outcome (some may have failed). */
    DONE,
    /** Stopped: the dataset is invalid or ingestion could not go on; see {@code errors}. */
    FAILED
  }

  /**
   * The outcome of one row.
   *
   * @param line line of metadata.csv
   * @param file audio file, relative to the folder
   * @param status what happened
   * @param recordingId content id, when the audio could be decoded
   * @param reason why it failed, for {@link Status#FAILED}
   */
  public record RowOutcome(int line, String file, Status status, String recordingId, String reason) {
    /** What happened to a row. */
    public enum Status {
      STORED,
      DUPLICATE,
      FAILED
    }
  }

  public ImportJob {
    rows = List.copyOf(rows);
    errors = List.copyOf(errors);
  }

  /** Whether the job is still to run or was stopped while running (it resumes on the next start). */
  public boolean unfinished() {
    return state == State.QUEUED || state == State.RUNNING;
  }

  /** A new job, not started. */
  public static ImportJob queued(String id, String uri, Instant now) {
    return new ImportJob(id, uri, State.QUEUED, 0, 0, 0, 0, List.of(), List.of(), now, now);
  }

  ImportJob running(int total, Instant now) {
    return new ImportJob(id, uri, State.RUNNING, total, stored, duplicates, failed, rows, errors, createdAt, now);
  }

  ImportJob with(RowOutcome row, Instant now) {
    List<RowOutcome> more = new ArrayList<>(rows);
    more.add(row);
    return new ImportJob(
        id,
        uri,
        state,
        total,
        stored + (row.status() == RowOutcome.Status.STORED ? 1 : 0),
        duplicates + (row.status() == RowOutcome.Status.DUPLICATE ? 1 : 0),
        failed + (row.status() == RowOutcome.Status.FAILED ? 1 : 0),
        more,
        errors,
        createdAt,
        now);
  }

  ImportJob done(Instant now) {
    return new ImportJob(id, uri, State.DONE, total, stored, duplicates, failed, rows, errors, createdAt, now);
  }

  /** The job stopped for the given reasons. */
  public ImportJob failed(List<String> reasons, Instant now) {
    return new ImportJob(id, uri, State.FAILED, total, stored, duplicates, failed, rows, reasons, createdAt, now);
  }
}
