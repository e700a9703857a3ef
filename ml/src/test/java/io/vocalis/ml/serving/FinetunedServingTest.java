package io.vocalis.ml.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.vocalis.core.audio.AudioPreprocessor;
import io.vocalis.core.audio.PreprocessedAudio;
import io.vocalis.core.batching.BucketBatcher;
import io.vocalis.core.batching.BucketBatcher.Priority;
import io.vocalis.core.cohort.CohortGenerator;
import io.vocalis.core.cohort.CohortSpec;
import io.vocalis.core.embeddings.EmbeddingDtype;
import io.vocalis.core.storage.Storage;
import io.vocalis.ml.encoders.BatchingEncoder;
import io.vocalis.ml.encoders.EncoderOptions;
import io.vocalis.ml.training.ConfigLoader;
import io.vocalis.ml.training.Embedding;
import io.vocalis.ml.training.EmbeddingCache;
import io.vocalis.ml.training.EncoderReference;
import io.vocalis.ml.training.ModelPackage;
import io.vocalis.ml.training.Predictor;
import io.vocalis.ml.training.RunLayout;
import io.vocalis.ml.training.Trainer;
import io.vocalis.ml.training.TrainingJob;
import io.vocalis.ml.training.TrainingListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A fine-tuned model (LoRA with dropout, an unfrozen layer and soft prompts on the tiny random
 * WavLM) served: equal to the CLI's predictor, alone and hammered from eight threads, and never
 * read from the embedding cache.
 */
class FinetunedServingTest {
  private static final Path WAVLM = Path.of("src/test/resources/encoders/wavlm-group").toAbsolutePath();
  private static final AudioPreprocessor PREPROCESSOR = AudioPreprocessor.builder().build();
  /** Two workers: the fine-tuned encoder is also called from two threads at once. */
  private static final BatchingEncoder.Batching BATCHING = new BatchingEncoder.Batching(
      BucketBatcher.DEFAULT_BUCKET_BOUNDS, 96, 16, Duration.ofMillis(20), 256, 2);

  private static Path root;
  private static List<Path> files;

  @BeforeAll
  static void train() throws IOException {
    root = Files.createTempDirectory("vocalis-tuned-serving-");
    Path cohort = root.resolve("cohort");
    new CohortGenerator(CohortSpec.builder().speakers(12).utterancesPerSpeaker(2).seconds(1).seed(5).build(), 2)
        .generate(cohort, false);
    Trainer.run(TrainingJob.start(cohort, ConfigLoader.parse("""
        seed: 4
        encoder: {layer: weighted}
        head: {pooling: attention, hidden: [8]}
        training: {epochs: 1, batch_size: 8}
        finetune: {freeze: layers, frozen_layers: 1, prompts: 2, lora: {rank: 2, alpha: 4, dropout: 0.2, targets: [q, v]}}
        optimizer: {encoder_lr: 1e-3, adapter_lr: 1e-2}
        """, Map.of("encoder.model", WAVLM.toString()))), root.resolve("run").toString(), TrainingListener.NONE);
    try (Stream<Path> list = Files.walk(cohort.resolve("audio"))) {
      files = list.filter(p -> p.toString().endsWith(".wav")).sorted().limit(6).toList();
    }
  }

  @AfterAll
  static void clean() throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
    }
  }

  @Test
  void equalsThePredictorAloneAndUnderEightThreadsAndNeverReadsTheCache() throws Exception {
    Storage run = Storage.open(root.resolve("run").toUri());
    ModelPackage pkg = ModelPackage.read(run, RunLayout.FINAL_MODEL);
    assertThat(pkg.finetune().active()).isTrue();
    List<Predictor.FilePrediction> expected;
    try (Predictor predictor = Predictor.open(run, "final", EncoderOptions.cpu())) {
      expected = predictor.predict(files, TrainingListener.NONE);
    }
    // an entry under the plain checkpoint's key: a fine-tuned model must not take it
    EmbeddingCache cache = new EmbeddingCache(Storage.open(root.resolve("cache").toUri()));
    PreprocessedAudio first = PREPROCESSOR.process(files.get(0));
    EncoderReference plain = EncoderReference.of(WAVLM.toString());
    try (ServingModel model = ServingModel.open(pkg, Map.of(), EncoderOptions.cpu(), BATCHING, cache,
        EmbeddingDtype.FLOAT32, "tuned", BatchingEncoder.Listener.NONE)) {
      assertThat(model.fineTuned()).isTrue();
      assertThatThrownBy(() -> model.cacheKey(first.contentId())).isInstanceOf(IllegalStateException.class);
      ServingModel.Result warm = model.predict(first.samples(), false);
      cache.put(EmbeddingCache.key(first.contentId(), plain, Embedding.selectionOf(pkg.layer()), EmbeddingDtype.FLOAT32),
          WAVLM.toString(), zeros(warm.frames(), 3, 32));

      List<ServingModel.Result> solo = new ArrayList<>();
      for (int i = 0; i < files.size(); i++) {
        PreprocessedAudio audio = PREPROCESSOR.process(files.get(i));
        ServingModel.Result r = model.start(audio.contentId(), audio::samples, Priority.LIVE).await(true);
        assertThat(r.cached()).isFalse();
        solo.add(r);
        for (String f : model.features()) {
          assertThat(r.probabilities().get(f)).as("%s of file %d", f, i)
              .isCloseTo(expected.get(i).probabilities().get(f), within(1e-5));
        }
        assertThat(r.explanation().weights()).containsExactly(expected.get(i).attention(), within(1e-5f));
      }
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<Future<List<ServingModel.Result>>> rounds = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int offset = t;
        rounds.add(pool.submit(() -> {
          List<ServingModel.Result> out = new ArrayList<>(Arrays.asList(new ServingModel.Result[files.size()]));
          for (int k = 0; k < 2 * files.size(); k++) {
            int i = (k + offset) % files.size();
            out.set(i, model.predict(PREPROCESSOR.process(files.get(i)).samples(), true));
          }
          return out;
        }));
      }
      for (Future<List<ServingModel.Result>> round : rounds) {
        List<ServingModel.Result> got = round.get();
        for (int i = 0; i < files.size(); i++) {
          for (String f : model.features()) {
            assertThat(got.get(i).probabilities().get(f)).isCloseTo(solo.get(i).probabilities().get(f), within(1e-5));
          }
          assertThat(got.get(i).explanation().weights()).containsExactly(solo.get(i).explanation().weights(),
              within(1e-5f));
        }
      }
      pool.shutdown();
    }
  }

  private static Embedding zeros(int frames, int states, int hidden) {
    return new Embedding(states, frames, hidden, new float[states * frames * hidden]);
  }
}
