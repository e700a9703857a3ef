package io.vocalis.ml.training;

import java.util.List;

/**
 * How a run ended.
 *
 * @param run the run's storage root URI
 * @param history every epoch so far
 * @param bestEpoch the epoch of the selected model (0 when none was better than nothing)
 * @param stoppedEarly whether early stopping ended it
 * @param interrupted whether a listener stopped it; it can be resumed
 * @param test the selected model's test metrics (cross-validation: the pooled out-of-fold metrics);
 *     null when interrupted
 * @param cv a cross-validation's summary; null for a single run or when interrupted
 * @param stop where an interrupted run stopped; null when it ran to its end (or a cross-validation
 *     stopped between folds)
 */
public record TrainingResult(String run, List<EpochRecord> history, int bestEpoch, boolean stoppedEarly,
    boolean interrupted, SplitMetrics test, CrossValidation.Summary cv, Stop stop) {
  /**
   * The exit code of {@code vocalis train} when a signal stopped the run at a checkpoint (sysexits'
   * EX_TEMPFAIL: run it again to continue); a Kubernetes Job does not count it as a failure.
   */
  public static final int STOPPED_EXIT_CODE = 75;

  /** Copies the list. */
  public TrainingResult {
    history = List.copyOf(history);
  }

  /**
   * Where a run stopped and was checkpointed.
   *
   * @param epochsDone epochs completed
   * @param microBatchesDone micro-batches of the next epoch done (0: it stopped between epochs)
   * @param microBatches micro-batches per epoch
   * @param checkpoint the checkpoint folder a resume continues from (a key in the run's storage)
   */
  public record Stop(int epochsDone, int microBatchesDone, int microBatches, String checkpoint) {}
}
