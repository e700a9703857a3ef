package io.vocalis.ml.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.vocalis.core.cohort.CohortGenerator;
import io.vocalis.core.cohort.CohortSpec;
import io.vocalis.core.storage.Storage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A head-only run holds at most {@code encoder.cache_memory_mb} of embeddings whatever the dataset
 * size, reading the rest from the cache batch by batch, and computes the same numbers as with
 * every embedding in memory.
 */
class BoundedEmbeddingsTest {
  @TempDir Path temp;

  @Test
  void aRunOverMoreEmbeddingsThanItsBudgetHoldsNoMoreThanTheBudgetAndTrainsTheSame() throws IOException {
    Path cohort = temp.resolve("cohort");
    // 64 recordings x 1.5 s: about 48 KB of fbank frames each, 3 MiB in all
    new CohortGenerator(CohortSpec.builder().speakers(16).utterancesPerSpeaker(4).seconds(1.5).seed(9).build(), 2)
        .generate(cohort, false);
    String cache = temp.resolve("cache").toString();
    String yaml = "training: {epochs: 2, batch_size: 8}\nhead: {hidden: [8]}";
    List<CachedEmbeddings> seen = new ArrayList<>();
    Trainer.Seams seams = new Trainer.Seams(false, g -> {}, seen::add);

    try (Storage bounded = Storage.open(temp.resolve("bounded").toString());
        Storage unbounded = Storage.open(temp.resolve("unbounded").toString())) {
      Trainer.run(TrainingJob.start(cohort, ConfigLoader.parse(yaml, Map.of("encoder.cache", cache,
          "encoder.cache_memory_mb", "1"))), bounded, TrainingListener.NONE, seams);
      Trainer.run(TrainingJob.start(cohort, ConfigLoader.parse(yaml, Map.of("encoder.cache", cache))), unbounded,
          TrainingListener.NONE, seams);

      CachedEmbeddings small = seen.get(0);
      CachedEmbeddings large = seen.get(1);
      int rows = 64;
      long all = 0;
      for (int row = 0; row < rows; row++) {
        all += 4L * small.frames(row) * small.states() * small.hiddenSize();
      }
      assertThat(all).as("the dataset's embeddings exceed the budget").isGreaterThan(2 * small.budgetBytes());
      assertThat(small.peakBytesHeld()).as("bytes held at once").isLessThanOrEqualTo(small.budgetBytes())
          .isLessThan(all / 2);
      // evicted embeddings are read again by the normalization pass, each epoch and each evaluation
      assertThat(small.loads()).as("embeddings read from the cache").isGreaterThan(2L * rows);
      assertThat(large.peakBytesHeld()).as("a budget above the dataset keeps all of it").isEqualTo(all);
      assertThat(large.loads()).isEqualTo(rows);
      for (String file : List.of(RunLayout.METRICS, RunLayout.CURVES, "models/best/model.safetensors",
          RunLayout.TEST_PREDICTIONS, RunLayout.TEST_CURVES)) {
        assertThat(bounded.readAllBytes(file)).as(file).isEqualTo(unbounded.readAllBytes(file));
      }
    }
  }
}
