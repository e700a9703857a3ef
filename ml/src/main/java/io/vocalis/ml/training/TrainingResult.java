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
 */
public record TrainingResult(String run, List<EpochRecord> history, int bestEpoch, boolean stoppedEarly,
    boolean interrupted, SplitMetrics test, CrossValidation.Summary cv) {
  /** Copies the list. */
  public TrainingResult {
    history = List.copyOf(history);
  }
}
