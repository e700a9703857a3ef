package io.vocalis.ml.training;

import java.util.Locale;

/** How a recording's frames become one vector; every kind ignores padded frames. */
public enum Pooling {
  /** The mean of the valid frames. */
  MEAN,
  /** The per-dimension maximum over the valid frames. */
  MAX,
  /** A softmax over valid frames of their dot product with a learned query; the weighted sum. */
  ATTENTION;

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
