package io.vocalis.ml.training;

import java.nio.file.Path;

/**
 * What to train.
 *
 * @param data the dataset folder; null on resume to use the one the run recorded
 * @param run the run folder or storage URI ({@code file:} or {@code gs://}) that receives config,
 *     split, checkpoints, metrics, report, plots and models
 * @param config the experiment; null on resume (the run's saved {@code config.yaml} is used)
 * @param resume continue the run in {@code run} from its latest checkpoint
 */
public record TrainingJob(Path data, String run, TrainingConfig config, boolean resume) {
  /** Checks the combination. */
  public TrainingJob {
    if (run == null || run.isBlank()) {
      throw new IllegalArgumentException("a run folder is needed");
    }
    if (!resume && (data == null || config == null)) {
      throw new IllegalArgumentException("a new run needs a dataset and a configuration");
    }
  }

  /** A new run. */
  public static TrainingJob start(Path data, String run, TrainingConfig config) {
    return new TrainingJob(data, run, config, false);
  }

  /** Continues the run in {@code run}. */
  public static TrainingJob resume(String run) {
    return new TrainingJob(null, run, null, true);
  }
}
