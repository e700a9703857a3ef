package io.vocalis.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Map;

/**
 * A run's recorded state ({@code run-states/<id>.json}); its files are under {@code runs/<id>/}.
 *
 * @param id the run id (a UUID)
 * @param state where it is
 * @param runner where it runs ({@code in-process} or {@code kubernetes})
 * @param dataset what it trains on, as the request named it ({@link DatasetSource#describe()})
 * @param snapshot the dataset snapshot's hash; null for a folder
 * @param config the resolved configuration, every key present
 * @param progress epochs done of the configured epochs
 * @param model the version it registered, once succeeded
 * @param failure why it failed
 * @param cancelRequested a cancel was asked for while it ran; it stops after its current micro-batch
 * @param createdAt when it was posted
 * @param startedAt when it first started running
 * @param finishedAt when it reached its final state
 */
public record Run(String id, RunState state, String runner, Map<String, Object> dataset, String snapshot,
    ObjectNode config, Progress progress, ModelRef model, Failure failure, boolean cancelRequested,
    Instant createdAt, Instant startedAt, Instant finishedAt) {

  /** Epochs done ({@code epoch}) of {@code epochs}. */
  public record Progress(int epoch, int epochs) {}

  /** A registered model version. */
  public record ModelRef(String name, int version) {}

  /**
   * Why a run failed.
   *
   * @param reason {@code invalid-input} (the data or configuration; the message says what to change),
   *     {@code diverged}, {@code io} (audio or storage could not be read or written) or {@code internal};
   *     for Kubernetes runs also {@code oom-killed}, {@code image-pull}, {@code deadline}, {@code
   *     unschedulable} and {@code exit-code} (see {@link JobOutcome})
   * @param message what happened
   */
  public record Failure(String reason, String message) {}

  static Run queued(String id, String runner, DatasetSource dataset, ObjectNode config, int epochs, Instant now) {
    return new Run(id, RunState.QUEUED, runner, dataset.describe(), dataset.snapshot(), config,
        new Progress(0, epochs), null, null, false, now, null, null);
  }

  /** This run in {@code next}, which must be a legal move. */
  Run to(RunState next, Instant now) {
    if (!state.canBecome(next)) {
      throw new IllegalStateException("run " + id + " is " + state.id() + " and cannot become " + next.id());
    }
    return new Run(id, next, runner, dataset, snapshot, config, progress, model, failure, cancelRequested, createdAt,
        startedAt == null && next == RunState.RUNNING ? now : startedAt, next.terminal() ? now : finishedAt);
  }

  Run withProgress(int epoch) {
    return new Run(id, state, runner, dataset, snapshot, config, new Progress(epoch, progress.epochs()), model,
        failure, cancelRequested, createdAt, startedAt, finishedAt);
  }

  Run withCancelRequested() {
    return new Run(id, state, runner, dataset, snapshot, config, progress, model, failure, true, createdAt,
        startedAt, finishedAt);
  }

  Run succeeded(ModelRef registered, Instant now) {
    Run done = to(RunState.SUCCEEDED, now);
    return new Run(id, done.state, runner, dataset, snapshot, config, progress, registered, null, cancelRequested,
        createdAt, startedAt, done.finishedAt);
  }

  Run failed(Failure why, Instant now) {
    Run done = to(RunState.FAILED, now);
    return new Run(id, done.state, runner, dataset, snapshot, config, progress, model, why, cancelRequested,
        createdAt, startedAt, done.finishedAt);
  }
}
