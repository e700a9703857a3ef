package io.vocalis.ml.training;

/** Where things live in a run folder (storage keys relative to the run's root). */
public final class RunLayout {
  /** The resolved configuration, every key present. */
  public static final String CONFIG = "config.yaml";
  /** The dataset (folder, or snapshot and storage root) and encoder the run was started with. */
  public static final String RUN = "run.json";
  /** The split: method, seed, speakers and files per split. */
  public static final String SPLIT = "split.json";
  /** Per-epoch learning curves. */
  public static final String CURVES = "curves.json";
  /** Validation and test metrics of the best and the final model. */
  public static final String METRICS = "metrics.json";
  /** The selected model's P(present) for each test recording. */
  public static final String TEST_PREDICTIONS = "test_predictions.json";
  /**
   * The selected model's test curves per feature: ROC and precision–recall points and the
   * confusion counts at the tuned threshold.
   */
  public static final String TEST_CURVES = "test_curves.json";
  /** Cross-validation: validation macro AUROC per epoch of every fold. */
  public static final String FOLDS_AUROC_PLOT = "plots/folds_val_auroc.png";
  /** The human-readable report. */
  public static final String REPORT = "report.md";
  /** Train and validation loss per epoch. */
  public static final String LOSS_PLOT = "plots/loss.png";
  /** Validation macro AUROC per epoch. */
  public static final String AUROC_PLOT = "plots/val_auroc.png";
  /** The selected model's reliability diagram per feature on the test split. */
  public static final String RELIABILITY_PLOT = "plots/reliability.png";
  /** Checkpoints, one folder per epoch (and one where a run stopped within an epoch), and {@code latest.json}. */
  public static final String CHECKPOINTS = "checkpoints";
  /** The pointer to the newest complete checkpoint. */
  public static final String LATEST = CHECKPOINTS + "/latest.json";
  /** The model selected by the validation metric. */
  public static final String BEST_MODEL = "models/best";
  /** The model after the last epoch. */
  public static final String FINAL_MODEL = "models/final";
  /** TensorBoard event files (losses, validation metrics, learning rates per epoch). */
  public static final String TENSORBOARD = "tensorboard";
  /** Local copies of the audio of a snapshot stored outside a local disk ({@code gs://}). */
  public static final String AUDIO = "audio";
  /** Cached embeddings when no other cache is configured. */
  public static final String CACHE = "cache/embeddings";

  private RunLayout() {}

  /** Cross-validation: the run folder of fold {@code k} (1-based), a run of its own. */
  public static String fold(int k) {
    return "folds/fold-" + k;
  }

  /** The checkpoint folder of {@code epoch} (1-based). */
  public static String checkpoint(int epoch) {
    return String.format("%s/epoch-%04d", CHECKPOINTS, epoch);
  }

  /**
   * The checkpoint folder of a run stopped within an epoch, after {@code epochsDone} epochs and
   * {@code microBatches} micro-batches of the next.
   */
  public static String checkpoint(int epochsDone, int microBatches) {
    return String.format("%s/epoch-%04d-batch-%06d", CHECKPOINTS, epochsDone, microBatches);
  }
}
