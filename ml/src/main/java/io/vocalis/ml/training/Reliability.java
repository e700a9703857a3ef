package io.vocalis.ml.training;

import java.util.Arrays;

/**
 * A reliability diagram of P(present) against the labels and its expected calibration error:
 * {@link #BINS} equal-width bins on [0, 1] with the edges {@code k / BINS}, binned as
 * scikit-learn's {@code calibration_curve(strategy="uniform")} bins (a probability goes to the bin
 * whose upper edge it does not exceed: bins are (lower, upper], the first [0, upper]). ECE is the
 * count-weighted mean over non-empty bins of |observed frequency − mean predicted probability|.
 *
 * @param edges the {@code BINS + 1} bin edges, 0 to 1
 * @param counts recordings per bin
 * @param meanPredicted mean P(present) per bin; NaN for an empty bin
 * @param observed fraction present per bin; NaN for an empty bin
 * @param ece expected calibration error; NaN without recordings
 */
public record Reliability(double[] edges, int[] counts, double[] meanPredicted, double[] observed, double ece) {
  /** Bins of every reliability diagram. */
  public static final int BINS = 10;

  /**
   * The diagram of {@code probabilities} (each in [0, 1]) against {@code labels}.
   *
   * @throws IllegalArgumentException for a probability outside [0, 1] or NaN, or unequal lengths
   */
  public static Reliability of(double[] probabilities, boolean[] labels) {
    if (probabilities.length != labels.length) {
      throw new IllegalArgumentException(probabilities.length + " probabilities but " + labels.length + " labels");
    }
    double[] edges = new double[BINS + 1];
    for (int k = 0; k < BINS; k++) {
      edges[k] = k * (1.0 / BINS); // as numpy.linspace(0, 1, BINS + 1)
    }
    edges[BINS] = 1;
    int[] counts = new int[BINS];
    double[] predicted = new double[BINS];
    double[] present = new double[BINS];
    for (int i = 0; i < probabilities.length; i++) {
      double p = probabilities[i];
      if (!(p >= 0 && p <= 1)) {
        throw new IllegalArgumentException("a probability is outside [0, 1]: " + p);
      }
      int bin = 0;
      while (bin < BINS - 1 && p > edges[bin + 1]) {
        bin++;
      }
      counts[bin]++;
      predicted[bin] += p;
      present[bin] += labels[i] ? 1 : 0;
    }
    double ece = 0;
    for (int k = 0; k < BINS; k++) {
      if (counts[k] == 0) {
        predicted[k] = Double.NaN;
        present[k] = Double.NaN;
      } else {
        predicted[k] /= counts[k];
        present[k] /= counts[k];
        ece += (double) counts[k] / probabilities.length * Math.abs(present[k] - predicted[k]);
      }
    }
    return new Reliability(edges, counts, predicted, present, probabilities.length == 0 ? Double.NaN : ece);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Reliability r && Arrays.equals(edges, r.edges) && Arrays.equals(counts, r.counts)
        && Arrays.equals(meanPredicted, r.meanPredicted) && Arrays.equals(observed, r.observed)
        && Double.compare(ece, r.ece) == 0;
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(counts) + Double.hashCode(ece);
  }

  @Override
  public String toString() {
    return "Reliability[counts=" + Arrays.toString(counts) + ", ece=" + ece + "]";
  }
}
