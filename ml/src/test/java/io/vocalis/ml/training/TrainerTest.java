package io.vocalis.ml.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import io.vocalis.core.storage.GcsStorage;
import io.vocalis.core.storage.Storage;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training engine end to end on a synthetic cohort (48 speakers x 4 recordings x 2 s) with
 * the fbank baseline: what a run folder holds, held-out quality, bit-for-bit determinism, and
 * resuming an interrupted run.
 */
class TrainerTest {
  @TempDir Path temp;

  @Test
  void learnsWhatTheFbankBaselineCanHear() throws IOException {
    Path run = temp.resolve("run");
    // the configuration docs/training.md measures (End-to-end figure)
    TrainingConfig config = ConfigLoader.load(Path.of("../docs/examples/fbank-cohort.yaml"),
        Map.of("encoder.cache", Cohorts.cache().toString()));
    TrainingResult result = Trainer.run(TrainingJob.start(Cohorts.small(), config), run.toString(),
        TrainingListener.NONE);

    for (String file : List.of("config.yaml", "run.json", "split.json", "curves.json", "metrics.json", "report.md",
        "checkpoints/latest.json", "checkpoints/epoch-0001/state.safetensors", RunLayout.checkpoint(
            result.history().size()) + "/state.json",
        "models/best/model.safetensors", "models/best/model.json", "models/final/model.json")) {
      assertThat(run.resolve(file)).as(file).isNotEmptyFile();
    }
    for (String plot : List.of("plots/loss.png", "plots/val_auroc.png")) {
      assertThat(Files.readAllBytes(run.resolve(plot))).startsWith(0x89, 'P', 'N', 'G');
    }
    assertThat(ConfigLoader.load(run.resolve("config.yaml"), Map.of())).isEqualTo(config);
    JsonNode split = Json.MAPPER.readTree(run.resolve("split.json").toFile());
    Set<String> seen = new HashSet<>();
    for (String s : List.of("train", "val", "test")) {
      split.at("/splits/" + s + "/speakers").forEach(n -> assertThat(seen.add(n.asText())).as("disjoint").isTrue());
    }
    assertThat(seen).hasSize(48);

    JsonNode metrics = Json.MAPPER.readTree(run.resolve("metrics.json").toFile());
    assertThat(metrics.get("epochs").asInt()).isEqualTo(result.history().size());
    assertThat(metrics.get("stopped_early").asBoolean()).isEqualTo(result.history().size() < 40);
    assertThat(metrics.get("best_epoch").asInt()).isEqualTo(result.bestEpoch()).isBetween(1, 40);
    double macro = metrics.at("/test/macro_auroc").asDouble();
    assertThat(macro).isEqualTo(result.test().macroAuroc());
    // Ceiling: the true severities reach AUROC 0.93-0.98 against the noisy ratings. Mean-pooled
    // log-mel frames carry the spectral features best (vowel formants for sound_distortions,
    // harmonics-to-noise for hoarse_harsh: 0.68-1.00 and 0.66-0.80 over seeds 1-5, see
    // docs/training.md) and the temporal ones (pauses, rate) less reliably, and a test split of
    // ~10 speakers is noisy: so the spectral pair must be clearly above chance and the macro
    // above 0.6 (this seed: 0.727).
    double spectral = (metrics.at("/test/features/sound_distortions/auroc").asDouble()
        + metrics.at("/test/features/hoarse_harsh/auroc").asDouble()) / 2;
    assertThat(spectral).isGreaterThan(0.7);
    assertThat(macro).isGreaterThan(0.6);
    System.out.printf("fbank end to end: test macro AUROC %.3f, sound_distortions + hoarse_harsh %.3f, %d epochs%n",
        macro, spectral, result.history().size());
    assertThat(Files.readString(run.resolve("report.md"))).contains("| **macro** |", "plots/loss.png");
  }

  @Test
  void sameSeedSameBitsAndAResumedRunEqualsAnUninterruptedOne() throws IOException {
    // dropout, accumulation, clipping, a warm-up + cosine schedule and attention pooling all in play
    TrainingConfig config = ConfigLoader.parse("""
        seed: 7
        head: {pooling: attention, hidden: [32], dropout: 0.3}
        schedule: {type: cosine, warmup_steps: 3}
        training: {epochs: 4, batch_size: 8, accumulation: 2, clip_norm: 0.5}
        """, Map.of("encoder.cache", temp.resolve("cache").toString())); // its own: other tests share Cohorts.cache()
    Path whole = temp.resolve("whole");
    Trainer.run(TrainingJob.start(Cohorts.small(), config), whole.toString(), TrainingListener.NONE);

    Path parts = temp.resolve("parts");
    TrainingResult first = Trainer.run(TrainingJob.start(Cohorts.small(), config), parts.toString(),
        new TrainingListener() {
          @Override
          public boolean stopRequested() {
            return true;
          }
        });
    // asked after every micro-batch: the first one (of an accumulation of 2) is where it stops
    assertThat(first.interrupted()).isTrue();
    assertThat(first.history()).isEmpty();
    assertThat(first.stop().epochsDone()).isZero();
    assertThat(first.stop().microBatchesDone()).isEqualTo(1);
    assertThat(first.stop().checkpoint()).isEqualTo("checkpoints/epoch-0000-batch-000001");
    assertThat(parts.resolve("metrics.json")).doesNotExist();
    TrainingResult second = Trainer.run(TrainingJob.resumeLatest(), parts.toString(), new TrainingListener() {
      int epochs;

      @Override
      public void epoch(EpochRecord r) {
        epochs++;
      }

      @Override
      public boolean stopRequested() {
        return epochs == 1;
      }
    });
    assertThat(second.interrupted()).isTrue();
    assertThat(second.stop().epochsDone()).isEqualTo(1);
    assertThat(second.stop().microBatchesDone()).isEqualTo(1);
    TrainingResult third = Trainer.run(TrainingJob.resumeLatest(), parts.toString(), TrainingListener.NONE);
    assertThat(third.interrupted()).isFalse();
    assertThat(third.history()).hasSize(4);

    for (String file : List.of("metrics.json", "curves.json", "split.json", "config.yaml",
        "models/best/model.safetensors", "models/best/model.json", "models/final/model.safetensors",
        "checkpoints/epoch-0001/state.safetensors", "checkpoints/epoch-0004/state.safetensors",
        "checkpoints/epoch-0004/state.json")) {
      assertThat(Files.readAllBytes(parts.resolve(file))).as(file).isEqualTo(Files.readAllBytes(whole.resolve(file)));
    }

    Path other = temp.resolve("other-seed");
    Trainer.run(TrainingJob.start(Cohorts.small(), config.withSeed(8)), other.toString(), TrainingListener.NONE);
    assertThat(Files.readAllBytes(other.resolve("split.json"))).isNotEqualTo(Files.readAllBytes(whole.resolve("split.json")));
    assertThat(Files.readAllBytes(other.resolve("models/final/model.safetensors")))
        .isNotEqualTo(Files.readAllBytes(whole.resolve("models/final/model.safetensors")));
    try (Stream<Path> cached = Files.walk(temp.resolve("cache"))) {
      assertThat(cached.filter(p -> p.toString().endsWith(".safetensors")).count())
          .as("one cached embedding per recording and layer choice").isEqualTo(192);
    }
  }

  @Test
  void checkpointsAndModelsGoToGcsAndAResumeThereEndsAsOnDisk() throws IOException {
    TrainingConfig config = ConfigLoader.parse("training: {epochs: 3}\nhead: {pooling: stats}",
        Map.of());
    Path local = temp.resolve("local");
    Trainer.run(TrainingJob.start(Cohorts.tiny(), config), local.toString(), TrainingListener.NONE);
    // GcsStorage over google-cloud-nio's in-memory FAKE of GCS (no emulator runs here)
    try (Storage gcs = new GcsStorage(LocalStorageHelper.getOptions().getService(), URI.create("gs://runs/exp1"))) {
      TrainingResult first = Trainer.run(TrainingJob.start(Cohorts.tiny(), config), gcs, new TrainingListener() {
        @Override
        public boolean stopRequested() {
          return true;
        }
      });
      assertThat(first.interrupted()).isTrue();
      String midEpoch = first.stop().checkpoint();
      assertThat(gcs.stat(midEpoch + "/state.safetensors")).isPresent();
      Trainer.run(TrainingJob.resumeLatest(), gcs, TrainingListener.NONE);
      assertThat(gcs.list(midEpoch)).as("the mid-epoch checkpoint, superseded").isEmpty();
      for (String file : List.of("metrics.json", "models/best/model.safetensors", "models/final/model.safetensors",
          "checkpoints/epoch-0003/state.safetensors", "plots/loss.png")) {
        assertThat(gcs.readAllBytes(file)).as(file).isEqualTo(Files.readAllBytes(local.resolve(file)));
      }
    }
  }

  @Test
  void aTinyCheckpointWithAWeightedLayerMixAndTheOrdinalLoss() throws IOException {
    // random weights: this checks the path (checkpoint encoder, all hidden states cached, learned
    // layer mix, CORAL over ratings 0..4), not quality
    String wavlm = Path.of("src/test/resources/encoders/wavlm-group").toAbsolutePath().toString();
    TrainingConfig config = ConfigLoader.parse("""
        encoder: {layer: weighted, batch_size: 16}
        loss: {type: coral}
        training: {epochs: 2}
        """, Map.of("encoder.model", wavlm));
    Path run = temp.resolve("wavlm");
    TrainingResult result = Trainer.run(TrainingJob.start(Cohorts.tiny(), config), run.toString(),
        TrainingListener.NONE);
    assertThat(result.test().features()).hasSize(5);
    JsonNode model = Json.MAPPER.readTree(run.resolve("models/best/model.json").toFile());
    assertThat(model.at("/encoder/id").asText()).startsWith("sha256:");
    assertThat(model.at("/encoder/layer").asText()).isEqualTo("weighted");
    assertThat(model.at("/head/states").asInt()).isEqualTo(3);
    // metrics.json carries the learned mix: the softmax of the selected model's layer_weights
    JsonNode mix = Json.MAPPER.readTree(run.resolve("metrics.json").toFile()).get("layer_mix");
    float[] logits;
    try (Storage runFolder = Storage.open(run.toString())) {
      logits = ModelPackage.read(runFolder, "models/best").weights().get("layer_weights");
    }
    assertThat(logits).hasSize(3);
    double sum = 0;
    for (float l : logits) {
      sum += Math.exp(l);
    }
    assertThat(mix).hasSize(3);
    for (int i = 0; i < 3; i++) {
      assertThat(mix.get(i).asDouble()).isCloseTo(Math.exp(logits[i]) / sum, org.assertj.core.api.Assertions.within(1e-6));
    }
    assertThat(logits[0]).as("the mix was learned, not left at its start").isNotEqualTo(0f);
    assertThat(model.at("/head/input_size").asInt()).isEqualTo(32);
    assertThat(model.at("/head/levels").asInt()).isEqualTo(5);
    assertThat(model.at("/head/present_step").asInt()).isEqualTo(1);
    try (Storage storage = Storage.open(run.toString());
        Predictor predictor = Predictor.open(storage, "best", io.vocalis.ml.encoders.EncoderOptions.cpu())) {
      Path wav = Cohorts.tiny().resolve("audio/spk001/spk001_u01.wav");
      Predictor.FilePrediction p = predictor.predict(List.of(wav), TrainingListener.NONE).get(0);
      assertThat(p.probabilities()).hasSize(5).allSatisfy((f, v) -> assertThat(v).isBetween(0.0, 1.0));
    }
  }

  @Test
  void aThreadOtherThanTheOneThatStartedTheEngineTrainsTheSame() throws Exception {
    // PyTorch's grad mode is per thread and on by default: a service trains on a worker thread
    ai.djl.engine.Engine.getInstance();
    TrainingConfig config = ConfigLoader.parse("training: {epochs: 2, batch_size: 8}",
        Map.of("encoder.cache", Cohorts.cache().toString()));
    Path here = temp.resolve("here");
    Trainer.run(TrainingJob.start(Cohorts.tiny(), config), here.toString(), TrainingListener.NONE);
    Path there = temp.resolve("there");
    Throwable[] failure = new Throwable[1];
    Thread worker = new Thread(() -> {
      try {
        Trainer.run(TrainingJob.start(Cohorts.tiny(), config), there.toString(), TrainingListener.NONE);
      } catch (Throwable t) {
        failure[0] = t;
      }
    });
    worker.start();
    worker.join();
    assertThat(failure[0]).isNull();
    assertThat(Files.readAllBytes(there.resolve("models/final/model.safetensors")))
        .isEqualTo(Files.readAllBytes(here.resolve("models/final/model.safetensors")));
  }

  @Test
  void runFoldersAreNotOverwrittenAndResumeNeedsARun() throws IOException {
    TrainingConfig config = ConfigLoader.parse("training: {epochs: 1}", Map.of("encoder.cache", Cohorts.cache().toString()));
    Path run = temp.resolve("run");
    Trainer.run(TrainingJob.start(Cohorts.small(), config), run.toString(), TrainingListener.NONE);
    assertThatThrownBy(() -> Trainer.run(TrainingJob.start(Cohorts.small(), config), run.toString(),
        TrainingListener.NONE)).hasMessageContaining("already holds a run (config.yaml)");
    assertThatThrownBy(() -> Trainer.run(TrainingJob.resumeLatest(), temp.resolve("none").toString(), TrainingListener.NONE))
        .hasMessageContaining("holds no run to resume");
    TrainingConfig unknown = ConfigLoader.parse("data: {features: [slow_rate, loudness]}", Map.of());
    assertThatThrownBy(() -> Trainer.run(TrainingJob.start(Cohorts.small(), unknown), temp.resolve("x").toString(),
        TrainingListener.NONE)).hasMessageStartingWith("data.features: the dataset has no feature loudness; it has");
  }
}
