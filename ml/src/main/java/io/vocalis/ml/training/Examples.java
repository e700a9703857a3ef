package io.vocalis.ml.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.vocalis.core.dataset.Dataset;
import io.vocalis.core.dataset.DatasetRow;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;

/**
 * The recordings of a run as the head sees them: embeddings, and per feature the binary target,
 * the rating and whether it was rated at all (unrated entries are masked out of losses and
 * metrics, never counted as negatives).
 */
final class Examples {
  private final List<String> features;
  private final List<Embedding> embeddings;
  private final float[][] targets;
  private final float[][] ratings;
  private final float[][] rated;

  private Examples(List<String> features, List<Embedding> embeddings, float[][] targets, float[][] ratings,
      float[][] rated) {
    this.features = List.copyOf(features);
    this.embeddings = List.copyOf(embeddings);
    this.targets = targets;
    this.ratings = ratings;
    this.rated = rated;
  }

  /** The rows of {@code dataset} with their embeddings (same order), labelled at its threshold. */
  static Examples of(Dataset dataset, List<String> features, List<Embedding> embeddings) {
    int n = dataset.rows().size();
    int f = features.size();
    float[][] targets = new float[n][f];
    float[][] ratings = new float[n][f];
    float[][] rated = new float[n][f];
    for (int i = 0; i < n; i++) {
      DatasetRow row = dataset.rows().get(i);
      for (int j = 0; j < f; j++) {
        OptionalDouble rating = row.rating(features.get(j));
        if (rating.isPresent()) {
          rated[i][j] = 1;
          ratings[i][j] = (float) rating.getAsDouble();
          targets[i][j] = rating.getAsDouble() > dataset.threshold() ? 1 : 0;
        }
      }
    }
    return new Examples(features, embeddings, targets, ratings, rated);
  }

  List<String> features() {
    return features;
  }

  Embedding embedding(int row) {
    return embeddings.get(row);
  }

  /** Whether {@code feature} (index) is rated in {@code row}. */
  boolean rated(int row, int feature) {
    return rated[row][feature] != 0;
  }

  /** Whether {@code feature} (index) is present in {@code row}; false when unrated. */
  boolean positive(int row, int feature) {
    return targets[row][feature] != 0;
  }

  /** The recordings of {@code rows} as arrays in {@code manager}, padded to the longest. */
  Batch batch(List<Integer> rows, NDManager manager) {
    Embedding first = embeddings.get(rows.get(0));
    int states = first.states();
    int hidden = first.hiddenSize();
    int longest = rows.stream().mapToInt(r -> embeddings.get(r).frames()).max().orElseThrow();
    int b = rows.size();
    int f = features.size();
    float[] values = new float[b * states * longest * hidden];
    float[] mask = new float[b * longest];
    float[] t = new float[b * f];
    float[] r = new float[b * f];
    float[] m = new float[b * f];
    for (int i = 0; i < b; i++) {
      int row = rows.get(i);
      Embedding e = embeddings.get(row);
      int frameValues = e.frames() * hidden;
      for (int s = 0; s < states; s++) {
        System.arraycopy(e.values(), s * frameValues, values, (i * states + s) * longest * hidden, frameValues);
      }
      Arrays.fill(mask, i * longest, i * longest + e.frames(), 1f);
      System.arraycopy(targets[row], 0, t, i * f, f);
      System.arraycopy(ratings[row], 0, r, i * f, f);
      System.arraycopy(rated[row], 0, m, i * f, f);
    }
    Shape labels = new Shape(b, f);
    return new Batch(manager.create(values, new Shape(b, states, longest, hidden)),
        manager.create(mask, new Shape(b, longest)), manager.create(t, labels), manager.create(r, labels),
        manager.create(m, labels));
  }

  /**
   * A batch.
   *
   * @param states (batch, states, time, hidden)
   * @param frames (batch, time) valid-frame mask
   * @param targets (batch, features) present = 1
   * @param ratings (batch, features)
   * @param rated (batch, features) rated = 1
   */
  record Batch(NDArray states, NDArray frames, NDArray targets, NDArray ratings, NDArray rated) {}
}
