package io.vocalis.ml.training;

import java.util.Locale;

/** How a run calibrates P(present) after training ({@code head.calibration}); see {@link Calibration}. */
public enum CalibrationMethod {
  /** The head's sigmoid as it is. */
  NONE,
  /** One temperature per feature: {@code sigmoid(z / T)}. */
  TEMPERATURE,
  /** Platt scaling per feature: {@code sigmoid(a z + b)}. */
  PLATT;

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
