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
import io.vocalis.ml.encoders.FbankEncoder;
import io.vocalis.ml.training.ConfigLoader;
import io.vocalis.ml.training.Embedding;
import io.vocalis.ml.training.EmbeddingCache;
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
 * A served model against the CLI's predictor, alone and hammered from many threads, with the
 * cache, and its explanations checked by leaving frames out by hand.
 */
class ServingModelTest {
  private static final AudioPreprocessor PREPROCESSOR = AudioPreprocessor.builder().build();
  /** Two workers: the encoder is also called from two threads at once. */
  private static final BatchingEncoder.Batching BATCHING = new BatchingEncoder.Batching(
      BucketBatcher.DEFAULT_BUCKET_BOUNDS, 96, 16, Duration.ofMillis(20), 256, 2);

  private static Path root;
  private static Path cohort;
  private static List<Path> files;

  @BeforeAll
  static void train() throws IOException {
    root = Files.createTempDirectory("vocalis-serving-");
    cohort = root.resolve("cohort");
    new CohortGenerator(CohortSpec.builder().speakers(12).utterancesPerSpeaker(2).seconds(1).seed(5).build(), 2)
        .generate(cohort, false);
    for (String pooling : List.of("mean", "attention", "max")) {
      Trainer.run(TrainingJob.start(cohort, ConfigLoader.parse("""
          seed: 3
          head: {pooling: %s, hidden: [16]}
          training: {epochs: 2, batch_size: 8}
          """.formatted(pooling), Map.of())), root.resolve("run-" + pooling).toString(), TrainingListener.NONE);
    }
    try (Stream<Path> list = Files.walk(cohort.resolve("audio"))) {
      files = list.filter(p -> p.toString().endsWith(".wav")).sorted().limit(12).toList();
    }
  }

  @AfterAll
  static void clean() throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
    }
  }

  private static ModelPackage pkg(String pooling) {
    return ModelPackage.read(Storage.open(root.resolve("run-" + pooling).toUri()), RunLayout.BEST_MODEL);
  }

  private static ServingModel open(String pooling, EmbeddingCache cache) {
    return ServingModel.open(pkg(pooling), Map.of(), EncoderOptions.cpu(), BATCHING, cache, EmbeddingDtype.FLOAT32,
        "test", BatchingEncoder.Listener.NONE);
  }

  private static float[] samples(Path file) throws IOException {
    return PREPROCESSOR.process(file).samples();
  }

  @Test
  void equalsTheCliPredictorAloneAndUnderEightThreads() throws Exception {
    List<Predictor.FilePrediction> expected;
    try (Predictor predictor = Predictor.open(Storage.open(root.resolve("run-attention").toUri()), "best",
        EncoderOptions.cpu())) {
      expected = predictor.predict(files, TrainingListener.NONE);
    }
    try (ServingModel model = open("attention", null)) {
      List<ServingModel.Result> solo = new ArrayList<>();
      for (int i = 0; i < files.size(); i++) {
        ServingModel.Result r = model.predict(samples(files.get(i)), true);
        solo.add(r);
        for (String f : model.features()) {
          assertThat(r.probabilities().get(f)).isCloseTo(expected.get(i).probabilities().get(f), within(1e-6));
          assertThat(r.present().get(f)).isEqualTo(r.probabilities().get(f) >= model.thresholds().get(f));
        }
        assertThat(r.explanation().weights()).hasSize(r.frames()).containsExactly(expected.get(i).attention(),
            within(1e-6f));
        assertThat(r.frames()).isEqualTo(FbankEncoder.frames(16_000));
        assertThat(r.explanation().frameSeconds()).isEqualTo(0.01);
      }
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<Future<List<ServingModel.Result>>> rounds = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int offset = t;
        rounds.add(pool.submit(() -> {
          List<ServingModel.Result> out = new ArrayList<>(Arrays.asList(new ServingModel.Result[files.size()]));
          for (int k = 0; k < 3 * files.size(); k++) {
            int i = (k + offset) % files.size();
            out.set(i, model.predict(samples(files.get(i)), true));
          }
          return out;
        }));
      }
      for (Future<List<ServingModel.Result>> round : rounds) {
        List<ServingModel.Result> got = round.get();
        for (int i = 0; i < files.size(); i++) {
          assertThat(got.get(i).probabilities()).isEqualTo(solo.get(i).probabilities());
          assertThat(got.get(i).explanation().weights()).isEqualTo(solo.get(i).explanation().weights());
        }
      }
      pool.shutdown();
    }
  }

  @Test
  void readsTheCacheAndExplainsMeanAndMaxPoolingByLeavingEachFrameOut() throws Exception {
    PreprocessedAudio audio = PREPROCESSOR.process(files.get(0));
    Embedding full;
    try (FbankEncoder fbank = new FbankEncoder(EncoderOptions.cpu())) {
      full = Embedding.of(fbank.encode(List.of(audio.samples()), false).get(0),
          io.vocalis.core.embeddings.StateSelection.last());
    }
    for (String pooling : List.of("mean", "max")) {
      EmbeddingCache cache = new EmbeddingCache(Storage.open(root.resolve("cache-" + pooling).toUri()));
      try (ServingModel model = open(pooling, cache)) {
        ServingModel.Result computed = model.start(audio.contentId(), audio::samples, Priority.LIVE).await(true);
        assertThat(computed.cached()).isFalse();
        cache.put(model.cacheKey(audio.contentId()), "fbank", full);
        ServingModel.Result cached = model.start(audio.contentId(), () -> {
          throw new AssertionError("a cached recording needs no audio");
        }, Priority.LIVE).await(true);
        assertThat(cached.cached()).isTrue();
        assertThat(cached.probabilities()).isEqualTo(computed.probabilities());
        float[] weights = computed.explanation().weights();
        assertThat(weights).hasSize(full.frames());
        for (int t : new int[] {0, 17, full.frames() - 1}) {
          String id = "%064x".formatted(1000 + t);
          cache.put(model.cacheKey(id), "fbank", without(full, t));
          ServingModel.Result left = model.start(id, () -> null, Priority.LIVE).await(false);
          double contribution = model.features().stream().mapToDouble(
              f -> logit(computed.probabilities().get(f)) - logit(left.probabilities().get(f))).average().orElseThrow();
          assertThat((double) weights[t]).as("%s pooling, frame %d", pooling, t).isCloseTo(contribution, within(2e-4));
        }
        assertThat(weights).as("some frame matters").satisfies(w -> assertThat(max(w)).isGreaterThan(1e-6f));
      }
    }
  }

  @Test
  void refusesARecordingTooShortForTheEncoderAndAPackageWithUnknownThresholds() throws Exception {
    try (ServingModel model = open("mean", null)) {
      assertThatThrownBy(() -> model.predict(new float[100], false))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fbank needs at least 400");
      assertThat(model.predict(samples(files.get(1)), false).probabilities()).hasSize(5);
    }
    assertThatThrownBy(() -> ServingModel.open(pkg("mean"), Map.of("hoarse_harsh", 0.4, "tempo", 0.5),
        EncoderOptions.cpu(), BATCHING, null, EmbeddingDtype.FLOAT32, "test", BatchingEncoder.Listener.NONE))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no threshold for the model's feature");
  }

  @Test
  void aCancelledRecordingNeverReachesTheEncoder() throws Exception {
    List<Integer> batchSizes = new java.util.concurrent.CopyOnWriteArrayList<>();
    BatchingEncoder.Batching slow = new BatchingEncoder.Batching(BucketBatcher.DEFAULT_BUCKET_BOUNDS, 96, 16,
        Duration.ofMillis(400), 256);
    try (ServingModel model = ServingModel.open(pkg("mean"), Map.of(), EncoderOptions.cpu(), slow, null,
        EmbeddingDtype.FLOAT32, "cancel", (batch, elapsed) -> batchSizes.add(batch.size()))) {
      float[] kept = samples(files.get(0));
      float[] given = samples(files.get(1));
      ServingModel.Result alone = model.predict(kept, false);
      // the listener hears of a batch on the encoder's thread just after its results complete
      awaitBatches(batchSizes, 1);
      batchSizes.clear();
      ServingModel.Pending first = model.start("kept", () -> kept, BucketBatcher.Priority.LIVE);
      ServingModel.Pending second = model.start("given-up", () -> given, BucketBatcher.Priority.LIVE);
      assertThat(model.pendingItems()).isEqualTo(2);
      second.cancel();
      assertThat(model.pendingItems()).as("left the queue at once").isEqualTo(1);
      assertThatThrownBy(() -> second.await(false)).isInstanceOf(java.util.concurrent.CancellationException.class);
      assertThat(first.await(false).probabilities()).isEqualTo(alone.probabilities());
      awaitBatches(batchSizes, 1);
      Thread.sleep(450); // longer than the batch wait: a batch of the cancelled one would have come by now
      assertThat(batchSizes).as("one batch, of the recording still wanted").containsExactly(1);
    }
  }

  /** Waits (5 s at most) until the listener has heard of {@code count} batches. */
  private static void awaitBatches(List<Integer> batchSizes, int count) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (batchSizes.size() < count && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(batchSizes).as("batches heard of").hasSize(count);
  }

  @Test
  void closeFreesTheModelOnce() {
    ServingModel model = open("mean", null);
    model.close();
    model.close();
    assertThat(model.isClosed()).isTrue();
  }

  private static Embedding without(Embedding e, int frame) {
    float[] values = new float[(e.frames() - 1) * e.hiddenSize()];
    int d = e.hiddenSize();
    System.arraycopy(e.values(), 0, values, 0, frame * d);
    System.arraycopy(e.values(), (frame + 1) * d, values, frame * d, (e.frames() - frame - 1) * d);
    return new Embedding(1, e.frames() - 1, d, values);
  }

  private static double logit(double p) {
    return Math.log(p / (1 - p));
  }

  private static float max(float[] w) {
    float m = 0;
    for (float v : w) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }
}
