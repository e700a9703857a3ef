package io.vocalis.ml.training;

import java.util.Locale;

/** The activation between the head's hidden layers. */
public enum HeadActivation {
  /** {@code max(x, 0)}. */
  RELU,
  /** Exact (erf) GELU. */
  GELU,
  /** Hyperbolic tangent. */
  TANH;

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
