package io.vocalis.ml.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.vocalis.core.dataset.Dataset;
import io.vocalis.core.dataset.DatasetRow;
import io.vocalis.ml.OwnedArrays;
import java.util.List;
import java.util.OptionalDouble;

/**
 * The labels of a dataset's recordings: per feature the binary target, the rating and whether it
 * was rated at all (unrated entries are masked out of losses and metrics, never counted as
 * negatives).
 */
final class Examples {
  private final List<String> features;
  private final float[][] targets;
  private final float[][] ratings;
  private final float[][] rated;

  private Examples(List<String> features, float[][] targets, float[][] ratings, float[][] rated) {
    this.features = List.copyOf(features);
    this.targets = targets;
    this.ratings = ratings;
    this.rated = rated;
  }

  /** The rows of {@code dataset}, labelled by its {@link Dataset#presence() presence} rule. */
  static Examples of(Dataset dataset, List<String> features) {
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
          targets[i][j] = dataset.presence().present(rating.getAsDouble()) ? 1 : 0;
        }
      }
    }
    return new Examples(features, targets, ratings, rated);
  }

  List<String> features() {
    return features;
  }

  /** Whether {@code feature} (index) is rated in {@code row}. */
  boolean rated(int row, int feature) {
    return rated[row][feature] != 0;
  }

  /** Whether {@code feature} (index) is present in {@code row}; false when unrated. */
  boolean positive(int row, int feature) {
    return targets[row][feature] != 0;
  }

  /** The labels of {@code rows} as arrays in {@code manager}. */
  Labels labels(List<Integer> rows, NDManager manager) {
    int b = rows.size();
    int f = features.size();
    float[] t = new float[b * f];
    float[] r = new float[b * f];
    float[] m = new float[b * f];
    for (int i = 0; i < b; i++) {
      int row = rows.get(i);
      System.arraycopy(targets[row], 0, t, i * f, f);
      System.arraycopy(ratings[row], 0, r, i * f, f);
      System.arraycopy(rated[row], 0, m, i * f, f);
    }
    Shape shape = new Shape(b, f);
    return new Labels(OwnedArrays.of(manager, t, shape), OwnedArrays.of(manager, r, shape), OwnedArrays.of(manager, m, shape));
  }

  /**
   * A batch's labels.
   *
   * @param targets (batch, features) present = 1
   * @param ratings (batch, features)
   * @param rated (batch, features) rated = 1
   */
  record Labels(NDArray targets, NDArray ratings, NDArray rated) {}
}
