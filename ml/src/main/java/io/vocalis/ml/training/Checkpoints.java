package io.vocalis.ml.training;

import io.vocalis.core.storage.Storage;
import java.util.List;

/** What a run folder's checkpoints tell a reader outside the run (e.g. a service following a Kubernetes Job). */
public final class Checkpoints {
  private Checkpoints() {}

  /** The epochs of the latest checkpoint in {@code run}, oldest first; empty before the first one. */
  public static List<EpochRecord> history(Storage run) {
    return TrainingState.checkpointedHistory(run);
  }
}
