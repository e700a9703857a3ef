package io.vocalis.ml.training;

import java.util.Map;

/**
 * Hears what a training run does, and may stop it after any micro-batch or epoch (the run is then
 * checkpointed where it is, so a resumed run continues there). Every method has a no-op default.
 */
public interface TrainingListener {
  /** A listener that hears nothing and never stops a run. */
  TrainingListener NONE = new TrainingListener() {};

  /** The device the run trains on ({@code cpu}, {@code gpu:N}), once, before it reads its data. */
  default void device(String device) {}

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

  /**
   * Asked after each training micro-batch (after its {@link #progress}) and after each epoch but
   * the last: true checkpoints the run there (within an epoch: weights, optimizer, the epoch's
   * position and the gradients of an unfinished accumulation) and stops it. Waiting for a stop
   * therefore takes at most one micro-batch (or one validation) and a checkpoint write.
   */
  default boolean stopRequested() {
    return false;
  }
}
