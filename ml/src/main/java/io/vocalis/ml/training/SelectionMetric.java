package io.vocalis.ml.training;

import java.util.List;
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
    return improves(candidate, best, 0);
  }

  /** Whether {@code candidate} beats {@code best} by more than {@code minDelta} (NaN as above). */
  public boolean improves(double candidate, double best, double minDelta) {
    if (Double.isNaN(candidate)) {
      return false;
    }
    if (Double.isNaN(best)) {
      return true;
    }
    return higherIsBetter ? candidate > best + minDelta : candidate < best - minDelta;
  }

  /**
   * The mean of the metric over the last {@code window} of {@code epochs} (NaN values left out;
   * NaN when all are, or when fewer than {@code window} epochs are done): what model selection
   * compares when it is smoothed.
   */
  public double smoothed(List<EpochRecord> epochs, int window) {
    if (epochs.size() < window) {
      return Double.NaN;
    }
    double sum = 0;
    int n = 0;
    for (int i = Math.max(0, epochs.size() - window); i < epochs.size(); i++) {
      double v = epochs.get(i).metric(this);
      if (!Double.isNaN(v)) {
        sum += v;
        n++;
      }
    }
    return n == 0 ? Double.NaN : sum / n;
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
