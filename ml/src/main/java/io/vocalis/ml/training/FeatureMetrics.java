package io.vocalis.ml.training;

/**
 * A feature's metrics on one split; NaN where undefined (e.g. AUROC without positives).
 *
 * @param feature the feature
 * @param rated recordings where it was rated (the others are not counted)
 * @param positives rated recordings where it is present
 * @param auroc area under the ROC curve
 * @param auprc average precision
 * @param f1 F1 at {@code threshold}
 * @param balancedAccuracy balanced accuracy at {@code threshold}
 * @param threshold the decision threshold on P(present), tuned for F1 on validation
 * @param reliability the reliability diagram of P(present) and its expected calibration error
 */
public record FeatureMetrics(String feature, int rated, int positives, double auroc, double auprc, double f1,
    double balancedAccuracy, double threshold, Reliability reliability) {

  /** The metrics of {@code scores} (P(present)) against {@code labels} at {@code threshold}. */
  public static FeatureMetrics of(String feature, double[] scores, boolean[] labels, double threshold) {
    int positives = 0;
    for (boolean l : labels) {
      positives += l ? 1 : 0;
    }
    boolean any = scores.length > 0;
    return new FeatureMetrics(feature, scores.length, positives, Metrics.auroc(scores, labels),
        Metrics.averagePrecision(scores, labels), any ? Metrics.f1(scores, labels, threshold) : Double.NaN,
        any ? Metrics.balancedAccuracy(scores, labels, threshold) : Double.NaN, threshold,
        Reliability.of(scores, labels));
  }
}
