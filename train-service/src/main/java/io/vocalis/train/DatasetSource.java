package io.vocalis.train;

import io.vocalis.ml.training.DatasetLocation;
import io.vocalis.ml.training.TrainingConfig;
import io.vocalis.ml.training.TrainingJob;
import java.util.Map;

/**
 * What a run trains on: a dataset folder ({@link FolderDataset}) or a dataset snapshot of the
 * storage ({@link SnapshotSource}), parsed in {@link DatasetSources#parse}.
 */
public interface DatasetSource {

  /** The request's {@code dataset} object as the run records and reports it (e.g. {@code {folder}}). */
  Map<String, Object> describe();

  /** The snapshot's content hash; null for a folder. */
  String snapshot();

  /** Where the Trainer finds this data (what a Kubernetes Job's request names too). */
  DatasetLocation location();

  /** A new training run of {@code config} on this data. */
  default TrainingJob start(TrainingConfig config) {
    return TrainingJob.start(location(), config);
  }
}
