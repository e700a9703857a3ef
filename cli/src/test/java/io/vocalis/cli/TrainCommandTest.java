package io.vocalis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vocalis.core.cohort.CohortGenerator;
import io.vocalis.core.cohort.CohortSpec;
import io.vocalis.core.dataset.Presence;
import io.vocalis.core.snapshot.SnapshotFilter;
import io.vocalis.core.snapshot.Snapshots;
import io.vocalis.core.storage.FileStorage;
import io.vocalis.core.storage.Storage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vocalis train}, {@code evaluate} and {@code predict} on a tiny synthetic cohort. */
class TrainCommandTest {
  @TempDir static Path temp;
  static Path cohort;

  @BeforeAll
  static void cohort() throws IOException {
    cohort = temp.resolve("cohort");
    new CohortGenerator(CohortSpec.builder().speakers(12).utterancesPerSpeaker(3).seconds(1).seed(3).build(), 2)
        .generate(cohort, false);
  }

  @Test
  void trainThenEvaluateAndPredict() throws IOException {
    Path config = temp.resolve("exp.yaml");
    Files.writeString(config, "head: {pooling: attention, hidden: [16]}\ntraining: {epochs: 5}\n");
    Path run = temp.resolve("run");
    CliRun train = CliRun.of("train", "--data", cohort.toString(), "--out", run.toString(), "--config", config.toString(),
        "--features", "slow_rate,hoarse_harsh", "--epochs", "2", "--seed", "5", "--set", "optimizer.head_lr=0.01");
    assertThat(train.code()).as(train.err()).isZero();
    assertThat(train.out()).startsWith("vocalis train: test macro AUROC ").contains("model of epoch");
    assertThat(train.err()).contains("training on cpu\n", "embeddings: 36/36", "epoch 2: train loss");
    String saved = Files.readString(run.resolve("config.yaml"));
    assertThat(saved).contains("seed: 5", "epochs: 2", "pooling: attention", "head_lr: 0.01", "- slow_rate");
    JsonNode metrics = new ObjectMapper().readTree(run.resolve("metrics.json").toFile());
    assertThat(metrics.at("/test/features/slow_rate").has("auroc")).isTrue();
    assertThat(metrics.at("/test/features").size()).isEqualTo(2);

    CliRun evaluate = CliRun.of("evaluate", "--run", run.toString(), "--data", cohort.toString());
    assertThat(evaluate.code()).as(evaluate.err()).isZero();
    assertThat(evaluate.out()).contains("| slow_rate | 36 |", "| **macro** |", "evaluations/cohort.json");
    assertThat(run.resolve("evaluations/cohort.json")).isNotEmptyFile();

    Path a = cohort.resolve("audio/spk001/spk001_u01.wav");
    Path b = cohort.resolve("audio/spk002/spk002_u02.wav");
    CliRun predict = CliRun.of("predict", "--run", run.toString(), a.toString(), b.toString());
    assertThat(predict.code()).as(predict.err()).isZero();
    String[] lines = predict.out().split("\\R");
    assertThat(lines[0]).isEqualTo("file,slow_rate,hoarse_harsh,present");
    assertThat(lines).hasSize(3);
    assertThat(lines[1]).startsWith(a + ",0.").matches(".*,\\d\\.\\d{4},\\d\\.\\d{4},[a-z_;]*");

    CliRun again = CliRun.of("train", "--data", cohort.toString(), "--out", run.toString());
    assertThat(again.code()).isEqualTo(1);
    assertThat(again.err()).contains("vocalis train: ", "already holds a run");
    CliRun resumed = CliRun.of("train", "--resume", "--out", run.toString());
    assertThat(resumed.code()).as(resumed.err()).isZero();
  }

  @Test
  void trainOnASnapshotOfStoredRecordingsThenResumeIt() throws IOException {
    Path store = temp.resolve("store");
    CliRun ingest = CliRun.of("ingest", cohort.toString(), "--out", store.toString());
    assertThat(ingest.code()).as(ingest.err()).isZero();
    String hash;
    try (Storage storage = new FileStorage(store)) {
      hash = new Snapshots(storage, Clock.systemUTC()).create(SnapshotFilter.all(), Presence.DEFAULT).hash();
    }
    Path run = temp.resolve("snapshot-run");
    CliRun train = CliRun.of("train", "--snapshot", hash, "--storage", store.toString(), "--out", run.toString(),
        "--epochs", "2", "--features", "slow_rate,hoarse_harsh");
    assertThat(train.code()).as(train.err()).isZero();
    assertThat(train.out()).startsWith("vocalis train: test macro AUROC ");
    JsonNode info = new ObjectMapper().readTree(run.resolve("run.json").toFile());
    assertThat(info.get("snapshot").asText()).isEqualTo(hash);
    assertThat(Files.readString(run.resolve("config.yaml"))).as("the storage is the embedding cache")
        .contains("cache: " + store);
    assertThat(Files.list(store.resolve("embeddings")).count()).isPositive();
    CliRun resumed = CliRun.of("train", "--resume", "--out", run.toString());
    assertThat(resumed.code()).as(resumed.err()).isZero();

    CliRun noStorage = CliRun.of("train", "--snapshot", hash, "--out", temp.resolve("z").toString());
    assertThat(noStorage.code()).isEqualTo(2);
    assertThat(noStorage.err()).contains("--snapshot HASH with --storage ROOT");
    CliRun unknown = CliRun.of("train", "--snapshot", "0".repeat(64), "--storage", store.toString(), "--out",
        temp.resolve("u").toString());
    assertThat(unknown.code()).isEqualTo(1);
    assertThat(unknown.err()).contains("no dataset snapshot " + "0".repeat(64));
  }

  @Test
  void foldsRunsACrossValidation() throws IOException {
    Path run = temp.resolve("cv");
    CliRun train = CliRun.of("train", "--data", cohort.toString(), "--out", run.toString(), "--folds", "3",
        "--epochs", "2", "--features", "slow_rate,hoarse_harsh");
    assertThat(train.code()).as(train.err()).isZero();
    assertThat(train.out()).startsWith("vocalis train: 3-fold cross-validation, out-of-fold macro AUROC ")
        .contains("95% CI", "per fold");
    assertThat(train.err()).contains("embeddings (fold 1/3): 36/36", "epoch 2: train loss")
        .doesNotContain("epoch 1/2 (fold");
    JsonNode cv = new ObjectMapper().readTree(run.resolve("metrics.json").toFile()).get("cv");
    assertThat(cv.get("folds").asInt()).isEqualTo(3);
    assertThat(cv.at("/macro_auroc/ci95").size()).isEqualTo(2);
    assertThat(cv.at("/oof/features/slow_rate").has("auroc")).isTrue();
    assertThat(Files.readString(run.resolve("config.yaml"))).contains("method: kfold", "folds: 3", "fold: 0");
    assertThat(Files.readString(run.resolve("folds/fold-2/config.yaml"))).contains("fold: 2");
  }

  @Test
  void userErrorsAreOneLine() {
    CliRun badKey = CliRun.of("train", "--data", cohort.toString(), "--out", temp.resolve("x").toString(),
        "--set", "head.poolng=max");
    assertThat(badKey.code()).isEqualTo(1);
    assertThat(badKey.errLines()).containsExactly(
        "vocalis train: config key head.poolng is unknown; keys of head are pooling, hidden, activation, dropout, normalize,"
        + " calibration");
    CliRun noData = CliRun.of("train", "--out", temp.resolve("y").toString());
    assertThat(noData.code()).isEqualTo(2);
    assertThat(noData.err()).contains("--data is required");
    CliRun conflict = CliRun.of("train", "--resume", "--out", temp.resolve("y").toString(), "--epochs", "3");
    assertThat(conflict.code()).isEqualTo(2);
    CliRun noRun = CliRun.of("predict", "--run", temp.resolve("none").toString(), "a.wav");
    assertThat(noRun.code()).isEqualTo(1);
    assertThat(noRun.err()).contains("holds no finished model");
  }
}
