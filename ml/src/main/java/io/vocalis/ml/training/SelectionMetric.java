package io.vocalis.ml.training;

import java.util.Locale;

/** The validation metric that picks the best epoch, drives early stopping and the plateau schedule. */
public enum SelectionMetric {
  /** Macro-averaged AUROC on the validation split (higher is better). */
  VAL_MACRO_AUROC(true),
  /** Macro-averaged AUPRC on the validation split (higher is better). */
  VAL_MACRO_AUPRC(true),
  /** Validation loss (lower is better). */
  VAL_LOSS(false);

  private final boolean higherIsBetter;

  SelectionMetric(boolean higherIsBetter) {
    this.higherIsBetter = higherIsBetter;
  }

  /** Whether {@code candidate} beats {@code best}; a NaN never does, anything beats a NaN best. */
  public boolean improves(double candidate, double best) {
    if (Double.isNaN(candidate)) {
      return false;
    }
    if (Double.isNaN(best)) {
      return true;
    }
    return higherIsBetter ? candidate > best : candidate < best;
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
