package io.vocalis.ml.analysis;

import io.vocalis.core.embeddings.EmbeddingDtype;
import io.vocalis.core.embeddings.StateSelection;
import io.vocalis.core.snapshot.Snapshot;
import io.vocalis.ml.training.Embedding;
import io.vocalis.ml.training.EmbeddingCache;
import io.vocalis.ml.training.EncoderReference;
import io.vocalis.ml.training.LayerChoice;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A 2-D map of a snapshot's recordings: each one's cached embedding (the state its layer choice
 * reads; for {@code weighted} the last hidden state) mean-pooled over its frames, then the first
 * two principal components ({@link Pca}) of all of them. Recordings without a cache entry are left
 * out and counted.
 *
 * @param snapshot the snapshot's name
 * @param encoder the encoder reference the cache was read under
 * @param layer the layer choice
 * @param dimensions values per pooled embedding
 * @param missing snapshot recordings without a cached embedding
 * @param explainedVarianceRatio the share of the variance each axis explains
 * @param features the snapshot's features
 * @param points one per mapped recording, in the snapshot's order (by id)
 */
public record EmbeddingMap(String snapshot, String encoder, String layer, int dimensions, int missing,
    double[] explainedVarianceRatio, List<String> features, List<Point> points) {

  /**
   * One recording on the map.
   *
   * @param recordingId its content id
   * @param speakerId its speaker
   * @param split its fixed split, or null
   * @param x first principal component
   * @param y second principal component
   * @param labels its labels in the snapshot (present or not; unrated features absent)
   */
  public record Point(String recordingId, String speakerId, String split, double x, double y,
      Map<String, Boolean> labels) {}

  /** Copies the lists. */
  public EmbeddingMap {
    features = List.copyOf(features);
    points = List.copyOf(points);
  }

  /**
   * The map of {@code snapshot} from {@code cache}'s entries under {@code encoder}, {@code layer}
   * and {@code dtype}.
   *
   * @throws IllegalArgumentException when fewer than 2 of its recordings have a cached embedding
   */
  public static EmbeddingMap of(Snapshot snapshot, EmbeddingCache cache, EncoderReference encoder, LayerChoice layer,
      EmbeddingDtype dtype) {
    List<Snapshot.Recording> mapped = new ArrayList<>();
    List<double[]> pooled = new ArrayList<>();
    for (Snapshot.Recording r : snapshot.recordings()) {
      double[] vector = pooled(cache, r.id(), encoder, layer, dtype);
      if (vector != null) {
        mapped.add(r);
        pooled.add(vector);
      }
    }
    if (mapped.size() < 2) {
      throw new IllegalArgumentException("only " + mapped.size() + " of the " + snapshot.recordings().size()
          + " recordings of snapshot " + snapshot.hash() + " have an embedding cached under encoder "
          + encoder.model() + " (layer " + layer + "): a map needs 2 (embed-service fills the cache)");
    }
    Pca pca = Pca.fit(pooled.toArray(double[][]::new), 2);
    List<Point> points = new ArrayList<>();
    for (int i = 0; i < mapped.size(); i++) {
      Snapshot.Recording r = mapped.get(i);
      points.add(new Point(r.id(), r.speakerId(), r.split(), pca.projections()[i][0], pca.projections()[i][1],
          r.labels()));
    }
    return new EmbeddingMap(snapshot.hash(), encoder.model(), layer.toString(), pooled.get(0).length,
        snapshot.recordings().size() - mapped.size(), pca.explainedVarianceRatio(), snapshot.features(), points);
  }

  /**
   * The recording's pooled embedding: from the entry its layer choice reads (its last state), or,
   * for one hidden-state index, from an entry of every state (that state); null when neither is cached.
   */
  private static double[] pooled(EmbeddingCache cache, String id, EncoderReference encoder, LayerChoice layer,
      EmbeddingDtype dtype) {
    Optional<Embedding> own = cache.get(EmbeddingCache.key(id, encoder, Embedding.selectionOf(layer), dtype));
    if (own.isPresent()) {
      return mean(own.get(), own.get().states() - 1);
    }
    if (layer.kind() != LayerChoice.Kind.INDEX) {
      return null;
    }
    return cache.get(EmbeddingCache.key(id, encoder, StateSelection.all(), dtype))
        .filter(all -> layer.index() < all.states()).map(all -> mean(all, layer.index())).orElse(null);
  }

  /** The mean over frames of the embedding's state {@code state}. */
  static double[] mean(Embedding e, int state) {
    double[] mean = new double[e.hiddenSize()];
    int offset = state * e.frames() * e.hiddenSize();
    for (int f = 0; f < e.frames(); f++) {
      for (int j = 0; j < e.hiddenSize(); j++) {
        mean[j] += e.values()[offset + f * e.hiddenSize() + j];
      }
    }
    for (int j = 0; j < mean.length; j++) {
      mean[j] /= e.frames();
    }
    return mean;
  }
}
