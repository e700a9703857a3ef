package io.vocalis.ml.training;

import java.nio.file.Path;

/**
 * What to train.
 *
 * @param data the dataset; null on resume to use the one the run recorded
 * @param config the experiment; null on resume (the run's saved {@code config.yaml} is used)
 * @param resume continue the run in {@code run} from its latest checkpoint
 */
public record TrainingJob(DatasetLocation data, TrainingConfig config, boolean resume) {
  /** Checks the combination. */
  public TrainingJob {
    if (!resume && (data == null || config == null)) {
      throw new IllegalArgumentException("a new run needs a dataset and a configuration");
    }
  }

  /** A new run on a dataset folder. */
  public static TrainingJob start(Path data, TrainingConfig config) {
    return start(data == null ? null : DatasetLocation.folder(data), config);
  }

  /** A new run. */
  public static TrainingJob start(DatasetLocation data, TrainingConfig config) {
    return new TrainingJob(data, config, false);
  }

  /** Continues a run from its latest checkpoint, with its saved configuration and dataset. */
  public static TrainingJob resumeLatest() {
    return new TrainingJob(null, null, true);
  }
}
