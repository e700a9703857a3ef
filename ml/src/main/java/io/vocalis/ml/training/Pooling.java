package io.vocalis.ml.training;

import java.util.Locale;

/** How a recording's frames become one vector; every kind ignores padded frames. */
public enum Pooling {
  /** The mean of the valid frames. */
  MEAN,
  /** The per-dimension maximum over the valid frames. */
  MAX,
  /** A softmax over valid frames of their dot product with a learned query; the weighted sum. */
  ATTENTION,
  /**
   * Statistics pooling (as x-vectors): the mean and the standard deviation of the valid frames,
   * concatenated (twice the width).
   */
  STATS;

  /** Values per recording after pooling {@code inputSize} values per frame. */
  public int outputSize(int inputSize) {
    return this == STATS ? 2 * inputSize : inputSize;
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
