package io.vocalis.ml.training;

/**
 * Hears what a training run does, and may stop it between epochs (after the epoch's checkpoint,
 * so {@code --resume} continues where it stopped). Every method has a no-op default.
 */
public interface TrainingListener {
  /** A listener that hears nothing and never stops a run. */
  TrainingListener NONE = new TrainingListener() {};

  /** {@code done} of {@code total} units of {@code task} (e.g. "embeddings", "epoch 3") are done. */
  default void progress(String task, long done, long total) {}

  /** An epoch ended. */
  default void epoch(EpochRecord record) {}

  /** Something the user should know that does not stop the run. */
  default void warning(String message) {}

  /** Asked after each epoch's checkpoint: true stops the run there. */
  default boolean stopRequested() {
    return false;
  }
}
