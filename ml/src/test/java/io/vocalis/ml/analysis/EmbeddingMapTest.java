package io.vocalis.ml.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.vocalis.core.embeddings.EmbeddingDtype;
import io.vocalis.core.embeddings.StateSelection;
import io.vocalis.core.snapshot.Snapshot;
import io.vocalis.core.snapshot.SnapshotFilter;
import io.vocalis.core.storage.FileStorage;
import io.vocalis.core.storage.Storage;
import io.vocalis.ml.training.Embedding;
import io.vocalis.ml.training.EmbeddingCache;
import io.vocalis.ml.training.EncoderReference;
import io.vocalis.ml.training.LayerChoice;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link EmbeddingMap}: cached states mean-pooled per recording, then {@link Pca}. */
class EmbeddingMapTest {
  private static final EncoderReference FBANK = new EncoderReference("fbank", "fbank");

  @TempDir Path root;

  private static String id(int i) {
    return String.format("%064x", i + 1);
  }

  private static Snapshot.Recording recording(int i) {
    return new Snapshot.Recording(id(i), "file:///r/" + i + ".wav", 1, Map.of("slow_rate", (double) (i % 3)),
        Map.of("slow_rate", i % 3 > 1), "spk" + i / 2, null, null);
  }

  /** Two frames per recording of 3 states x 4 values; the states differ so that the wrong one would show. */
  private static Embedding embedding(int i) {
    float[] v = new float[3 * 2 * 4];
    for (int s = 0; s < 3; s++) {
      for (int f = 0; f < 2; f++) {
        for (int j = 0; j < 4; j++) {
          v[(s * 2 + f) * 4 + j] = (float) (Math.sin(i * 1.7 + j * (s + 1)) * (s + 1) + f * 0.25 * j);
        }
      }
    }
    return new Embedding(3, 2, 4, v);
  }

  @Test
  void mapsTheMeanOfEachRecordingsStateByPca() {
    try (Storage storage = new FileStorage(root)) {
      EmbeddingCache cache = new EmbeddingCache(storage);
      List<Snapshot.Recording> recordings = new ArrayList<>();
      List<double[]> expected = new ArrayList<>();
      for (int i = 0; i < 7; i++) {
        recordings.add(recording(i));
        if (i == 3) {
          continue; // not embedded yet
        }
        Embedding e = embedding(i);
        cache.put(EmbeddingCache.key(id(i), FBANK, StateSelection.all(), EmbeddingDtype.FLOAT32), "fbank", e);
        double[] mean = new double[4];
        for (int j = 0; j < 4; j++) {
          mean[j] = ((double) e.values()[(2 * 2) * 4 + j] + e.values()[(2 * 2 + 1) * 4 + j]) / 2; // state 2, frames 0, 1
        }
        expected.add(mean);
      }
      Snapshot snapshot = new Snapshot("a".repeat(64), Instant.EPOCH, SnapshotFilter.all(), 1.0, List.of("slow_rate"),
          recordings);
      EmbeddingMap map = EmbeddingMap.of(snapshot, cache, FBANK, LayerChoice.weighted(), EmbeddingDtype.FLOAT32);
      assertThat(map.missing()).isEqualTo(1);
      assertThat(map.dimensions()).isEqualTo(4);
      assertThat(map.points()).extracting(EmbeddingMap.Point::recordingId)
          .containsExactly(id(0), id(1), id(2), id(4), id(5), id(6));
      Pca pca = Pca.fit(expected.toArray(double[][]::new), 2);
      for (int i = 0; i < 6; i++) {
        assertThat(map.points().get(i).x()).isCloseTo(pca.projections()[i][0], within(1e-6));
        assertThat(map.points().get(i).y()).isCloseTo(pca.projections()[i][1], within(1e-6));
      }
      assertThat(map.points().get(3).labels()).isEqualTo(Map.of("slow_rate", false));
      assertThat(map.points().get(4).labels()).isEqualTo(Map.of("slow_rate", true)); // recording 5: rated 2
      assertThat(map.explainedVarianceRatio()).containsExactly(pca.explainedVarianceRatio(), within(1e-9));

      // one hidden-state index is read out of the entry of every state
      EmbeddingMap first = EmbeddingMap.of(snapshot, cache, FBANK, LayerChoice.index(0), EmbeddingDtype.FLOAT32);
      assertThat(first.points()).hasSize(6);
      assertThat(first.points().get(0).x()).isNotCloseTo(map.points().get(0).x(), within(1e-3));

      assertThatThrownBy(() -> EmbeddingMap.of(snapshot, cache, FBANK, LayerChoice.last(), EmbeddingDtype.FLOAT32))
          .hasMessageContaining("only 0 of the 7 recordings of snapshot " + "a".repeat(64));
    }
  }
}
