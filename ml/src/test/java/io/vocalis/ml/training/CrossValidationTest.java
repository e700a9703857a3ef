package io.vocalis.ml.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Speaker-grouped cross-validation end to end on the 48-speaker cohort with the fbank baseline:
 * folds that test every speaker once, the metrics.json contract recomputed from the folds' own
 * files (AUROC by counting pairs, not with {@link Metrics}), and a resumed cross-validation equal
 * to an uninterrupted one byte for byte.
 */
class CrossValidationTest {
  private static final List<String> FEATURES = List.of("hoarse_harsh", "slow_rate", "sound_distortions",
      "monopitch_monoloudness", "inappropriate_silences_or_prolonged_intervals");

  @TempDir Path temp;

  private static TrainingConfig config() {
    return ConfigLoader.parse("""
        seed: 7
        data: {split: {method: kfold, folds: 3}}
        optimizer: {head_lr: 0.003}
        training: {epochs: 10, batch_size: 16}
        """, Map.of("encoder.cache", Cohorts.cache().toString()));
  }

  @Test
  void poolsOutOfFoldPredictionsAndResumesExactly() throws IOException {
    Path run = temp.resolve("cv");
    TrainingResult result = Trainer.run(TrainingJob.start(Cohorts.small(), config()), run.toString(),
        TrainingListener.NONE);
    assertThat(result.cv()).isNotNull();
    JsonNode metrics = Json.MAPPER.readTree(run.resolve("metrics.json").toFile());
    JsonNode cv = metrics.get("cv");
    assertThat(cv.get("folds").asInt()).isEqualTo(3);

    // folds: speaker-disjoint tests that cover every speaker and recording once
    JsonNode split = Json.MAPPER.readTree(run.resolve("split.json").toFile());
    Set<String> tested = new HashSet<>();
    double[] foldAuroc = new double[3];
    Map<Integer, float[]> oof = new HashMap<>();
    Map<Integer, boolean[]> positive = new HashMap<>();
    Map<Integer, boolean[]> rated = new HashMap<>();
    for (int k = 1; k <= 3; k++) {
      Path fold = run.resolve("folds/fold-" + k);
      JsonNode foldSplit = Json.MAPPER.readTree(fold.resolve("split.json").toFile());
      List<String> speakers = new ArrayList<>();
      foldSplit.at("/splits/test/speakers").forEach(n -> speakers.add(n.asText()));
      List<String> declared = new ArrayList<>();
      split.at("/test_folds/" + (k - 1) + "/speakers").forEach(n -> declared.add(n.asText()));
      assertThat(speakers).isEqualTo(declared);
      speakers.forEach(s -> assertThat(tested.add(s)).as("speaker %s tested twice", s).isTrue());
      foldSplit.at("/splits/train/speakers").forEach(n -> assertThat(speakers).doesNotContain(n.asText()));
      foldSplit.at("/splits/val/speakers").forEach(n -> assertThat(speakers).doesNotContain(n.asText()));
      assertThat(foldSplit.at("/splits/val/recordings").asInt()).isPositive();
      foldAuroc[k - 1] = Json.MAPPER.readTree(fold.resolve("metrics.json").toFile()).at("/test/macro_auroc").asDouble();
      JsonNode predictions = Json.MAPPER.readTree(fold.resolve("test_predictions.json").toFile());
      for (JsonNode item : predictions.get("recordings")) {
        float[] p = new float[5];
        for (int j = 0; j < 5; j++) {
          p[j] = (float) item.get("probabilities").get(j).asDouble();
        }
        assertThat(oof.put(item.get("row").asInt(), p)).isNull();
      }
    }
    assertThat(tested).hasSize(48);
    assertThat(oof).hasSize(192);
    labels(positive, rated);

    // mean and sample sd of the folds' test macro AUROC
    double mean = (foldAuroc[0] + foldAuroc[1] + foldAuroc[2]) / 3;
    double variance = 0;
    for (double v : foldAuroc) {
      variance += (v - mean) * (v - mean) / 2;
    }
    assertThat(cv.at("/macro_auroc/mean").asDouble()).isCloseTo(mean, within(1e-12));
    assertThat(cv.at("/macro_auroc/sd").asDouble()).isCloseTo(Math.sqrt(variance), within(1e-12));
    assertThat(cv.at("/macro_auroc/sd").asDouble()).isPositive();

    // pooled out-of-fold AUROC per feature, by counting pairs
    double macro = 0;
    for (int j = 0; j < 5; j++) {
      double pairs = 0;
      double wins = 0;
      for (var a : oof.entrySet()) {
        for (var b : oof.entrySet()) {
          int ra = a.getKey();
          int rb = b.getKey();
          if (rated.get(ra)[j] && rated.get(rb)[j] && positive.get(ra)[j] && !positive.get(rb)[j]) {
            pairs++;
            float pa = a.getValue()[j];
            float pb = b.getValue()[j];
            wins += pa > pb ? 1 : pa == pb ? 0.5 : 0;
          }
        }
      }
      double auroc = wins / pairs;
      assertThat(cv.at("/oof/features/" + FEATURES.get(j) + "/auroc").asDouble()).as(FEATURES.get(j))
          .isCloseTo(auroc, within(1e-9));
      macro += auroc / 5;
    }
    double pooled = cv.at("/oof/macro_auroc").asDouble();
    assertThat(pooled).isCloseTo(macro, within(1e-9)).isGreaterThan(0.55);
    JsonNode ci = cv.at("/macro_auroc/ci95");
    assertThat(ci.size()).isEqualTo(2);
    assertThat(ci.get(0).asDouble()).isLessThan(pooled).isGreaterThan(pooled - 0.2);
    assertThat(ci.get(1).asDouble()).isGreaterThan(pooled).isLessThan(Math.min(1, pooled + 0.2));
    System.out.printf("3-fold CV, fbank: out-of-fold macro AUROC %.3f (95%% CI %.3f-%.3f), folds %.3f +- %.3f%n",
        pooled, ci.get(0).asDouble(), ci.get(1).asDouble(), mean, Math.sqrt(variance));
    assertThat(Files.readString(run.resolve("report.md"))).contains("Out-of-fold macro AUROC",
        "folds/fold-2/report.md", "plots/folds_val_auroc.png");
    assertThat(Files.readAllBytes(run.resolve("plots/folds_val_auroc.png"))).startsWith(0x89, 'P', 'N', 'G');

    // interrupted in fold 2 and resumed: the same bytes
    Path parts = temp.resolve("parts");
    TrainingListener stopInFoldTwo = new TrainingListener() {
      String task = "";

      @Override
      public void progress(String name, long done, long total) {
        task = name;
      }

      @Override
      public boolean stopRequested() {
        return task.equals("epoch 2/10 (fold 2/3)"); // after its first micro-batch
      }
    };
    assertThat(Trainer.run(TrainingJob.start(Cohorts.small(), config()), parts.toString(), stopInFoldTwo)
        .interrupted()).isTrue();
    assertThat(parts.resolve("folds/fold-1/metrics.json")).exists();
    assertThat(parts.resolve("folds/fold-2/checkpoints/epoch-0001")).exists();
    assertThat(parts.resolve("folds/fold-2/checkpoints/epoch-0001-batch-000001/state.json")).exists();
    assertThat(parts.resolve("folds/fold-2/metrics.json")).doesNotExist();
    Trainer.run(TrainingJob.resumeLatest(), parts.toString(), TrainingListener.NONE);
    for (String file : List.of("metrics.json", "report.md", "split.json", "folds/fold-2/metrics.json",
        "folds/fold-3/models/best/model.safetensors")) {
      assertThat(Files.readAllBytes(parts.resolve(file))).as(file).isEqualTo(Files.readAllBytes(run.resolve(file)));
    }
  }

  /** Labels of the cohort at the default threshold (present = rating > 1), from metadata.csv. */
  private static void labels(Map<Integer, boolean[]> positive, Map<Integer, boolean[]> rated) throws IOException {
    List<String> lines = Files.readAllLines(Cohorts.small().resolve("metadata.csv"));
    List<String> header = List.of(lines.get(0).split(",", -1));
    for (int i = 1; i < lines.size(); i++) {
      String[] cells = lines.get(i).split(",", -1);
      boolean[] p = new boolean[5];
      boolean[] r = new boolean[5];
      for (int j = 0; j < 5; j++) {
        String cell = cells[header.indexOf(FEATURES.get(j))];
        r[j] = !cell.isBlank();
        p[j] = r[j] && Double.parseDouble(cell) > 1.0;
      }
      positive.put(i - 1, p);
      rated.put(i - 1, r);
    }
  }
}
