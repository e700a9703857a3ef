package io.vocalis.ml.training;

import java.util.List;

/**
 * A model's metrics on one split: the loss and each feature's metrics; macro means are over the
 * features where a metric is defined.
 *
 * @param loss the masked mean loss over every rated entry (NaN when not computed)
 * @param features per feature, in the model's order
 */
public record SplitMetrics(double loss, List<FeatureMetrics> features) {
  /** Copies the list. */
  public SplitMetrics {
    features = List.copyOf(features);
  }

  /** Mean AUROC over features with both classes. */
  public double macroAuroc() {
    return Metrics.nanMean(features.stream().mapToDouble(FeatureMetrics::auroc).toArray());
  }

  /** Mean AUPRC over features with positives. */
  public double macroAuprc() {
    return Metrics.nanMean(features.stream().mapToDouble(FeatureMetrics::auprc).toArray());
  }

  /** Mean F1 over rated features. */
  public double macroF1() {
    return Metrics.nanMean(features.stream().mapToDouble(FeatureMetrics::f1).toArray());
  }

  /** Mean expected calibration error over rated features. */
  public double macroEce() {
    return Metrics.nanMean(features.stream().mapToDouble(f -> f.reliability().ece()).toArray());
  }

  /** Mean balanced accuracy over rated features. */
  public double macroBalancedAccuracy() {
    return Metrics.nanMean(features.stream().mapToDouble(FeatureMetrics::balancedAccuracy).toArray());
  }
}
