package io.vocalis.ml.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vocalis.core.audio.AudioPreprocessor;
import io.vocalis.core.batching.BucketBatcher;
import io.vocalis.core.dataset.Dataset;
import io.vocalis.core.dataset.DatasetOptions;
import io.vocalis.core.dataset.DatasetReader;
import io.vocalis.core.embeddings.EmbeddingDtype;
import io.vocalis.core.storage.Storage;
import io.vocalis.ml.encoders.BatchingEncoder;
import io.vocalis.ml.encoders.EncoderOptions;
import io.vocalis.ml.serving.ServingModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code head.calibration: platt} end to end on the 48-speaker cohort with the fbank baseline:
 * the fitted maps in the package and {@code metrics.json}, the test ECE and reliability bins
 * recomputed from {@code test_predictions.json}, the calibrated probabilities from {@code
 * predict} and from a served model, and a package without calibration loading as uncalibrated.
 */
class CalibratedTrainingTest {
  @TempDir static Path temp;
  private static Path run;
  private static TrainingResult result;

  @BeforeAll
  static void train() throws IOException {
    run = temp.resolve("platt");
    TrainingConfig config = ConfigLoader.parse("""
        seed: 42
        data: {split: {train: 0.6, val: 0.2, test: 0.2}}
        head: {calibration: platt}
        optimizer: {head_lr: 0.003}
        training: {epochs: 40, batch_size: 8}
        """, Map.of("encoder.cache", Cohorts.cache().toString()));
    result = Trainer.run(TrainingJob.start(Cohorts.small(), config), run.toString(), TrainingListener.NONE);
  }

  private static JsonNode json(String file) throws IOException {
    return Json.MAPPER.readTree(run.resolve(file).toFile());
  }

  @Test
  void metricsHoldEachFeaturesEceAndBinsAsTheTestPredictionsGiveThem() throws IOException {
    JsonNode metrics = json("metrics.json");
    JsonNode model = json("models/best/model.json");
    assertThat(metrics.at("/calibration/method").asText()).isEqualTo("platt");
    assertThat(model.at("/calibration/method").asText()).isEqualTo("platt");
    assertThat(model.at("/calibration/features").size()).as("fitted features").isPositive();
    model.at("/calibration/features").fields().forEachRemaining(e -> {
      assertThat(metrics.at("/calibration/features/" + e.getKey() + "/slope").asDouble())
          .isEqualTo(e.getValue().get("slope").asDouble()).isPositive();
      assertThat(metrics.at("/calibration/features/" + e.getKey() + "/intercept").asDouble())
          .isEqualTo(e.getValue().get("intercept").asDouble());
    });

    Dataset dataset = DatasetReader.read(Cohorts.small(), DatasetOptions.defaults()).orThrow();
    JsonNode predictions = json("test_predictions.json");
    List<String> features = new ArrayList<>();
    predictions.get("features").forEach(f -> features.add(f.asText()));
    Examples examples = Examples.of(dataset, features);
    double before = 0;
    double after = 0;
    for (int j = 0; j < features.size(); j++) {
      List<Double> p = new ArrayList<>();
      List<Boolean> y = new ArrayList<>();
      for (JsonNode r : predictions.get("recordings")) {
        int row = r.get("row").asInt();
        if (examples.rated(row, j)) {
          p.add((double) (float) r.get("probabilities").get(j).asDouble()); // written as floats
          y.add(examples.positive(row, j));
        }
      }
      boolean[] labels = new boolean[y.size()];
      for (int i = 0; i < labels.length; i++) {
        labels[i] = y.get(i);
      }
      Reliability expected = Reliability.of(p.stream().mapToDouble(Double::doubleValue).toArray(), labels);
      JsonNode c = metrics.at("/test/features/" + features.get(j) + "/calibration");
      assertThat(c.get("ece").asDouble()).isCloseTo(expected.ece(), within(1e-12));
      for (int k = 0; k < Reliability.BINS; k++) {
        assertThat(c.at("/reliability/count/" + k).asInt()).isEqualTo(expected.counts()[k]);
        assertThat(c.at("/reliability/edges/" + k).asDouble()).isEqualTo(k / 10.0, within(1e-15));
        JsonNode observed = c.at("/reliability/observed/" + k);
        if (expected.counts()[k] == 0) {
          assertThat(observed.isNull()).isTrue();
        } else {
          assertThat(observed.asDouble()).isCloseTo(expected.observed()[k], within(1e-12));
          assertThat(c.at("/reliability/mean_predicted/" + k).asDouble())
              .isCloseTo(expected.meanPredicted()[k], within(1e-12));
        }
      }
      before += metrics.at("/calibration/features/" + features.get(j) + "/test_ece_uncalibrated").asDouble();
      after += expected.ece();
    }
    assertThat(metrics.at("/test/macro_ece").asDouble()).isCloseTo(after / features.size(), within(1e-12));
    System.out.printf("platt on the fbank cohort (seed 42): test macro ECE %.4f uncalibrated, %.4f calibrated%n",
        before / features.size(), after / features.size());
    assertThat(Files.readString(run.resolve("report.md"))).contains("## Calibration (test)", "ECE uncalibrated",
        "plots/reliability.png");
    assertThat(Files.readAllBytes(run.resolve("plots/reliability.png"))).startsWith(0x89, 'P', 'N', 'G');
    // a monotone map: the ranking, and so AUROC, is the uncalibrated head's
    assertThat(metrics.at("/test/macro_auroc").asDouble()).isEqualTo(result.test().macroAuroc());
  }

  @Test
  void predictAndServingReturnTheCalibratedProbabilitiesAndAnOldPackageLoadsUncalibrated() throws Exception {
    JsonNode predictions = json("test_predictions.json");
    JsonNode first = predictions.get("recordings").get(0);
    Path wav = Cohorts.small().resolve(first.get("file").asText());
    ModelPackage calibrated;
    Predictor.FilePrediction p;
    try (Storage storage = Storage.open(run.toString());
        Predictor predictor = Predictor.open(storage, "best", EncoderOptions.cpu(),
            new EmbeddingCache(Storage.open(Cohorts.cache().toString())))) {
      calibrated = predictor.model();
      p = predictor.predict(List.of(wav), TrainingListener.NONE).get(0);
    }
    List<String> features = calibrated.head().features();
    for (int j = 0; j < features.size(); j++) {
      assertThat(p.probabilities().get(features.get(j))).isCloseTo(first.get("probabilities").get(j).asDouble(),
          within(1e-6));
    }

    // the same package without its "calibration" (as written before it existed): the head's sigmoid
    Path old = temp.resolve("old");
    try (Storage storage = Storage.open(run.toString()); Storage copy = Storage.open(old.toString())) {
      ObjectNode description = (ObjectNode) Json.parse(storage.readAllBytes(RunLayout.BEST_MODEL + "/model.json"),
          "model.json");
      description.remove("calibration");
      copy.write(RunLayout.BEST_MODEL + "/model.json", io.vocalis.core.storage.WriteCondition.overwrite(),
          Json.bytes(description));
      copy.write(RunLayout.BEST_MODEL + "/model.safetensors", io.vocalis.core.storage.WriteCondition.overwrite(),
          storage.readAllBytes(RunLayout.BEST_MODEL + "/model.safetensors"));
    }
    Predictor.FilePrediction raw;
    try (Storage storage = Storage.open(old.toString());
        Predictor predictor = Predictor.open(storage, "best", EncoderOptions.cpu(),
            new EmbeddingCache(Storage.open(Cohorts.cache().toString())))) {
      assertThat(predictor.model().calibration()).isEqualTo(Calibration.NONE);
      raw = predictor.predict(List.of(wav), TrainingListener.NONE).get(0);
    }
    int changed = 0;
    for (String f : features) {
      Calibration.Scaling s = calibrated.calibration().features().get(f);
      double z = Math.log(raw.probabilities().get(f) / (1 - raw.probabilities().get(f)));
      double expected = s == null ? raw.probabilities().get(f) : 1 / (1 + Math.exp(-(s.slope() * z + s.intercept())));
      assertThat(p.probabilities().get(f)).isCloseTo(expected, within(1e-5));
      changed += Math.abs(p.probabilities().get(f) - raw.probabilities().get(f)) > 1e-3 ? 1 : 0;
    }
    assertThat(changed).as("features whose probability calibration moved").isPositive();

    float[] samples = AudioPreprocessor.builder().build().process(wav).samples();
    try (ServingModel served = ServingModel.open(calibrated, Map.of(), EncoderOptions.cpu(),
        new BatchingEncoder.Batching(BucketBatcher.DEFAULT_BUCKET_BOUNDS, 96, 16, Duration.ofMillis(20), 256),
        null, EmbeddingDtype.FLOAT32, "calibrated", BatchingEncoder.Listener.NONE)) {
      ServingModel.Result r = served.predict(samples, false);
      for (String f : features) {
        assertThat(r.probabilities().get(f)).isCloseTo(p.probabilities().get(f), within(1e-6));
        assertThat(r.present().get(f)).isEqualTo(r.probabilities().get(f) >= calibrated.thresholds().get(f));
      }
    }
  }
}
