package io.vocalis.ml.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code training.refit}: validation chooses, then the head is trained again on training and
 * validation together. The refitted head is the head a plain run trains when its training split
 * holds both (the same seed, rows, statistics and epochs: equal weights); validation's choices
 * (calibration, thresholds, validation metrics, curves) are the first pass's; a run stopped in the
 * refit resumes to the same bytes.
 */
class RefitTest {
  private static final String CONFIG = """
      seed: 5
      data: {split: {method: metadata}}
      head: {hidden: [8], dropout: 0.2}
      training: {epochs: 4, batch_size: 16, early_stopping: 0, selection_smoothing: 2}
      """;
  private static final List<String> OUTPUTS = List.of("metrics.json", "curves.json", "test_predictions.json",
      "report.md", "models/best/model.safetensors", "models/final/model.safetensors", "models/final/model.json");

  @TempDir static Path temp;
  /** The small cohort with a split column: train, val, test by speaker. */
  private static Path threeWay;
  /** The same recordings with the validation speakers moved into train and the test speakers halved into val and test. */
  private static Path merged;
  private static int trainAndVal;

  @BeforeAll
  static void cohorts() throws IOException {
    List<String> lines = Files.readAllLines(Cohorts.small().resolve("metadata.csv"));
    List<String> a = new ArrayList<>(List.of(lines.get(0) + ",split"));
    List<String> b = new ArrayList<>(a);
    for (String line : lines.subList(1, lines.size())) {
      int speaker = Integer.parseInt(line.split(",")[1].replace("spk", ""));
      String split = speaker % 6 == 0 ? "test" : speaker % 6 == 1 ? "val" : "train";
      String mergedSplit = split.equals("test") ? (speaker % 12 == 0 ? "test" : "val") : "train";
      trainAndVal += split.equals("test") ? 0 : 1;
      a.add(line + "," + split);
      b.add(line + "," + mergedSplit);
    }
    threeWay = copy("three-way", a);
    merged = copy("merged", b);
  }

  private static Path copy(String name, List<String> metadata) throws IOException {
    Path dir = Files.createDirectories(temp.resolve(name));
    Files.write(dir.resolve("metadata.csv"), metadata);
    Path audio = Cohorts.small().resolve("audio");
    try (Stream<Path> files = Files.walk(audio)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Path target = dir.resolve("audio").resolve(audio.relativize(file));
        Files.createDirectories(target.getParent());
        Files.createLink(target, file);
      }
    }
    return dir;
  }

  private static TrainingConfig config(boolean refit) {
    return ConfigLoader.parse(CONFIG, Map.of("training.refit", Boolean.toString(refit),
        "encoder.cache", Cohorts.cache().toString()));
  }

  @Test
  void theRefittedHeadIsThePlainRunsOnTrainingAndValidationTogether() throws IOException {
    Path refitted = temp.resolve("refitted");
    Trainer.run(TrainingJob.start(threeWay, config(true)), refitted.toString(), TrainingListener.NONE);
    Path plain = temp.resolve("plain");
    Trainer.run(TrainingJob.start(threeWay, config(false)), plain.toString(), TrainingListener.NONE);
    Path union = temp.resolve("union");
    Trainer.run(TrainingJob.start(merged, config(false)), union.toString(), TrainingListener.NONE);

    Map<String, float[]> refit = ModelPackage.read(storage(refitted), "models/final").weights();
    Map<String, float[]> onUnion = ModelPackage.read(storage(union), "models/final").weights();
    Map<String, float[]> firstPass = ModelPackage.read(storage(plain), "models/final").weights();
    assertThat(refit.keySet()).isEqualTo(onUnion.keySet()).contains("normalize.mean", "output.weight");
    refit.forEach((name, w) -> assertThat(w).as(name).containsExactly(onUnion.get(name)));
    assertThat(refit.get("output.weight")).isNotEqualTo(firstPass.get("output.weight"));
    assertThat(refit.get("normalize.mean")).as("statistics of training and validation")
        .isNotEqualTo(firstPass.get("normalize.mean"));

    JsonNode metrics = Json.MAPPER.readTree(refitted.resolve("metrics.json").toFile());
    JsonNode plainMetrics = Json.MAPPER.readTree(plain.resolve("metrics.json").toFile());
    assertThat(metrics.at("/refit/recordings").asInt()).isEqualTo(trainAndVal);
    assertThat(metrics.at("/refit/epochs").asInt()).isEqualTo(4);
    assertThat(plainMetrics.has("refit")).isFalse();
    for (String chosen : List.of("/best_epoch", "/val", "/thresholds", "/final/val", "/final/thresholds")) {
      assertThat(metrics.at(chosen).isMissingNode()).as(chosen).isFalse();
      assertThat(metrics.at(chosen)).as(chosen).isEqualTo(plainMetrics.at(chosen));
    }
    assertThat(metrics.at("/test")).isNotEqualTo(plainMetrics.at("/test"));
    assertThat(Files.readString(refitted.resolve("curves.json"))).isEqualTo(Files.readString(plain.resolve("curves.json")));
    assertThat(Files.readString(refitted.resolve("report.md"))).contains("refitted (`training.refit`) on the"
        + " training and validation recordings together (" + trainAndVal + ") for 4 epochs");
  }

  @Test
  void aRunStoppedInTheRefitResumesToTheSameBytes() throws IOException {
    Path whole = temp.resolve("whole");
    Trainer.run(TrainingJob.start(threeWay, config(true)), whole.toString(), TrainingListener.NONE);
    Path parts = temp.resolve("parts");
    TrainingResult stopped = Trainer.run(TrainingJob.start(threeWay, config(true)), parts.toString(),
        new TrainingListener() {
          String task = "";

          @Override
          public void progress(String name, long done, long total) {
            task = name + " " + done;
          }

          @Override
          public boolean stopRequested() {
            return task.equals(Trainer.REFIT + " 2"); // in the refit's third epoch, after its first micro-batch
          }
        });
    assertThat(stopped.interrupted()).isTrue();
    assertThat(stopped.stop().epochsDone()).isEqualTo(4);
    assertThat(stopped.stop().checkpoint()).isEqualTo(RunLayout.checkpoint(4));
    assertThat(parts.resolve("metrics.json")).doesNotExist();
    TrainingResult resumed = Trainer.run(TrainingJob.resumeLatest(), parts.toString(), TrainingListener.NONE);
    assertThat(resumed.interrupted()).isFalse();
    for (String file : OUTPUTS) {
      assertThat(Files.readAllBytes(parts.resolve(file))).as(file).isEqualTo(Files.readAllBytes(whole.resolve(file)));
    }
  }

  @Test
  void onlyHeadOnlyRunsRefit() {
    assertThatThrownBy(() -> ConfigLoader.parse("training: {refit: true}\nfinetune: {lora: {rank: 4}}", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("config key training.refit: only head-only runs refit (finetune.freeze: all, no lora, no prompts);"
            + " this run trains through the encoder");
    assertThat(ConfigLoader.parse("training: {refit: true}", Map.of()).training().refit()).isTrue();
  }

  private static io.vocalis.core.storage.Storage storage(Path path) {
    return io.vocalis.core.storage.Storage.open(path.toString());
  }
}
