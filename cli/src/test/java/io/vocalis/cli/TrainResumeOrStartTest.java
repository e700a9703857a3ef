package io.vocalis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vocalis.core.cohort.CohortGenerator;
import io.vocalis.core.cohort.CohortSpec;
import io.vocalis.core.storage.Storage;
import io.vocalis.ml.training.ConfigLoader;
import io.vocalis.ml.training.DatasetLocation;
import io.vocalis.ml.training.EpochRecord;
import io.vocalis.ml.training.PreparedRun;
import io.vocalis.ml.training.Trainer;
import io.vocalis.ml.training.TrainingConfig;
import io.vocalis.ml.training.TrainingListener;
import io.vocalis.ml.training.TrainingResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vocalis train --resume-or-start}, a Kubernetes Job's command: the same command line starts
 * a prepared run and, after an interruption, resumes it to the same result as an uninterrupted run.
 */
class TrainResumeOrStartTest {
  @TempDir static Path temp;
  static Path cohort;
  static TrainingConfig config;

  @BeforeAll
  static void cohort() throws IOException {
    cohort = temp.resolve("cohort");
    new CohortGenerator(CohortSpec.builder().speakers(12).utterancesPerSpeaker(3).seconds(1).seed(3).build(), 2)
        .generate(cohort, false);
    config = ConfigLoader.parse("seed: 7\ntraining: {epochs: 3}\ndata: {features: [slow_rate, hoarse_harsh]}\n",
        Map.of());
  }

  @Test
  void startsThenResumesToTheUninterruptedResult() throws IOException {
    Path straight = prepared("straight");
    CliRun first = CliRun.of("train", "--resume-or-start", "--out", straight.toString());
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.err()).contains("epoch 1: train loss", "epoch 3: train loss");
    assertThat(straight.resolve("metrics.json")).isNotEmptyFile();

    Path interrupted = prepared("interrupted");
    try (Storage run = Storage.open(interrupted.toString())) {
      TrainingResult stopped = Trainer.run(PreparedRun.job(run), run, stopAfterEpoch(1));
      assertThat(stopped.interrupted()).isTrue();
    }
    assertThat(interrupted.resolve("metrics.json")).doesNotExist();
    CliRun again = CliRun.of("train", "--resume-or-start", "--out", interrupted.toString());
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(again.err()).contains("epoch 3: train loss").doesNotContain("epoch 1: train loss");
    assertThat(Files.readString(interrupted.resolve("metrics.json")))
        .isEqualTo(Files.readString(straight.resolve("metrics.json")).replace(straight.toString(), interrupted.toString()));
    assertThat(Files.readAllBytes(interrupted.resolve("models/best/model.safetensors")))
        .isEqualTo(Files.readAllBytes(straight.resolve("models/best/model.safetensors")));
  }

  @Test
  void aTryStoppedBeforeRecordingItsDatasetStartsAfresh() throws IOException {
    Path run = prepared("half-started");
    Files.writeString(run.resolve("config.yaml"), "seed: 1\n"); // what a pod killed mid-start leaves
    CliRun train = CliRun.of("train", "--resume-or-start", "--out", run.toString());
    assertThat(train.code()).as(train.err()).isZero();
    assertThat(Files.readString(run.resolve("config.yaml"))).contains("seed: 7", "epochs: 3");
  }

  @Test
  void refusesAFolderWithoutARequestAndOtherFlags() {
    CliRun empty = CliRun.of("train", "--resume-or-start", "--out", temp.resolve("empty").toString());
    assertThat(empty.code()).isEqualTo(1);
    assertThat(empty.err()).contains("holds no prepared run (no request.json) and no run to resume");
    CliRun conflict = CliRun.of("train", "--resume-or-start", "--out", temp.resolve("empty").toString(),
        "--data", cohort.toString());
    assertThat(conflict.code()).isEqualTo(2);
    assertThat(conflict.err()).contains("--resume-or-start uses the run's prepared request.json");
  }

  @Test
  void preparingTwiceKeepsTheRequestAndRefusesAnother() throws IOException {
    Path run = prepared("twice");
    try (Storage folder = Storage.open(run.toString())) {
      PreparedRun.write(folder, config, DatasetLocation.folder(cohort)); // a retried request: the same, accepted
      TrainingConfig other = ConfigLoader.parse("seed: 8\n", Map.of());
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> PreparedRun.write(folder, other, DatasetLocation.folder(cohort)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already holds another run's request");
    }
  }

  private static Path prepared(String name) {
    Path run = temp.resolve(name);
    try (Storage folder = Storage.open(run.toString())) {
      PreparedRun.write(folder, config, DatasetLocation.folder(cohort));
    }
    return run;
  }

  private static TrainingListener stopAfterEpoch(int epoch) {
    return new TrainingListener() {
      private int done;

      @Override
      public void epoch(EpochRecord record) {
        done = record.epoch();
      }

      @Override
      public boolean stopRequested() {
        return done >= epoch;
      }
    };
  }
}
