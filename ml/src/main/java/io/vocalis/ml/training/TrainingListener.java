package io.vocalis.ml.training;

import java.util.Map;

/**
 * Hears what a training run does, and may stop it between epochs (the epoch is then checkpointed,
 * so a resumed run continues where it stopped). Every method has a no-op default.
 */
public interface TrainingListener {
  /** A listener that hears nothing and never stops a run. */
  TrainingListener NONE = new TrainingListener() {};

  /** {@code done} of {@code total} units of {@code task} (e.g. "embeddings", "epoch 3") are done. */
  default void progress(String task, long done, long total) {}

  /**
   * Every recording's embedding is in the cache, before the first epoch of a head-only run: {@code
   * fromCache} were there already (e.g. computed by embed-service), {@code computed} were encoded now.
   */
  default void embeddings(int fromCache, int computed) {}

  /** An epoch ended. */
  default void epoch(EpochRecord record) {}

  /**
   * An epoch ended, with its validation metrics per feature and the learning rate of each
   * parameter group ({@code head}, {@code encoder}, {@code adapter}) in its last step; the
   * default hands the record to {@link #epoch(EpochRecord)}.
   */
  default void epoch(EpochRecord record, SplitMetrics validation, Map<String, Double> learningRates) {
    epoch(record);
  }

  /** Something the user should know that does not stop the run. */
  default void warning(String message) {}

  /** Asked after each epoch but the last: true checkpoints the epoch and stops the run there. */
  default boolean stopRequested() {
    return false;
  }
}
