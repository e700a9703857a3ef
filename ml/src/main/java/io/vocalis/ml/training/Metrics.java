package io.vocalis.ml.training;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Binary classification metrics on scores (higher = more likely present), computed as
 * scikit-learn computes them: {@code roc_auc_score}, {@code average_precision_score}, {@code
 * f1_score} and {@code balanced_accuracy_score} on {@code score >= threshold}. Ties count half
 * (AUROC) or as one operating point (AUPRC). A metric that is undefined for the labels (AUROC
 * with one class only, AUPRC without positives) is NaN.
 */
public final class Metrics {
  private Metrics() {}

  /** Area under the ROC curve: the probability that a positive outscores a negative, ties half. */
  public static double auroc(double[] scores, boolean[] labels) {
    check(scores, labels);
    int n = scores.length;
    Integer[] order = sortedAscending(scores);
    double[] ranks = new double[n];
    for (int i = 0; i < n; ) {
      int j = i;
      while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) {
        j++;
      }
      double midrank = (i + j) / 2.0 + 1;
      for (int k = i; k <= j; k++) {
        ranks[order[k]] = midrank;
      }
      i = j + 1;
    }
    long positives = 0;
    double rankSum = 0;
    for (int i = 0; i < n; i++) {
      if (labels[i]) {
        positives++;
        rankSum += ranks[i];
      }
    }
    long negatives = n - positives;
    if (positives == 0 || negatives == 0) {
      return Double.NaN;
    }
    return (rankSum - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
  }

  /**
   * Average precision: the sum over distinct thresholds, highest first, of precision times the
   * recall gained; NaN without positives.
   */
  public static double averagePrecision(double[] scores, boolean[] labels) {
    check(scores, labels);
    int n = scores.length;
    long positives = IntStream.range(0, n).filter(i -> labels[i]).count();
    if (positives == 0) {
      return Double.NaN;
    }
    Integer[] order = sortedAscending(scores);
    double ap = 0;
    long tp = 0;
    long predicted = 0;
    double previousRecall = 0;
    for (int i = n - 1; i >= 0; ) {
      int j = i;
      while (j - 1 >= 0 && scores[order[j - 1]] == scores[order[i]]) {
        j--;
      }
      for (int k = j; k <= i; k++) {
        predicted++;
        if (labels[order[k]]) {
          tp++;
        }
      }
      double recall = (double) tp / positives;
      ap += (recall - previousRecall) * ((double) tp / predicted);
      previousRecall = recall;
      i = j - 1;
    }
    return ap;
  }

  /** F1 of the positive class for {@code score >= threshold}; 0 when it has no true positive. */
  public static double f1(double[] scores, boolean[] labels, double threshold) {
    long[] c = confusion(scores, labels, threshold);
    long tp = c[0];
    long fp = c[1];
    long fn = c[2];
    return tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
  }

  /**
   * Mean of sensitivity and specificity for {@code score >= threshold}; with one class only, that
   * class's recall.
   */
  public static double balancedAccuracy(double[] scores, boolean[] labels, double threshold) {
    long[] c = confusion(scores, labels, threshold);
    long tp = c[0];
    long fp = c[1];
    long fn = c[2];
    long tn = c[3];
    boolean hasPositives = tp + fn > 0;
    boolean hasNegatives = tn + fp > 0;
    if (!hasPositives && !hasNegatives) {
      return Double.NaN;
    }
    double sensitivity = hasPositives ? (double) tp / (tp + fn) : 0;
    double specificity = hasNegatives ? (double) tn / (tn + fp) : 0;
    return hasPositives && hasNegatives ? (sensitivity + specificity) / 2
        : hasPositives ? sensitivity : specificity;
  }

  /**
   * The threshold that maximises F1 on these (validation) scores: one of the scores, the highest
   * among equally good ones; {@code fallback} when there is no positive.
   */
  public static double tuneThreshold(double[] scores, boolean[] labels, double fallback) {
    check(scores, labels);
    if (IntStream.range(0, scores.length).noneMatch(i -> labels[i])) {
      return fallback;
    }
    double[] candidates = Arrays.stream(scores).distinct().sorted().toArray();
    double best = fallback;
    double bestF1 = -1;
    for (int i = candidates.length - 1; i >= 0; i--) {
      double f1 = f1(scores, labels, candidates[i]);
      if (f1 > bestF1) {
        bestF1 = f1;
        best = candidates[i];
      }
    }
    return best;
  }

  /**
   * Points of a curve over the distinct thresholds, highest first, after a starting point whose
   * threshold is +Infinity (nothing predicted present).
   *
   * @param x false-positive rate (ROC) or recall (precision–recall)
   * @param y true-positive rate (ROC) or precision (precision–recall)
   * @param thresholds the threshold of each point: present when {@code score >= threshold}
   */
  public record Curve(double[] x, double[] y, double[] thresholds) {}

  /**
   * The ROC curve, as scikit-learn's {@code roc_curve} without dropping collinear points: from
   * (0, 0) to (1, 1); its trapezoidal area is {@link #auroc}. Null with one class only.
   */
  public static Curve roc(double[] scores, boolean[] labels) {
    return curve(scores, labels, true);
  }

  /**
   * The precision–recall curve: from recall 0, precision 1 to recall 1; the step sum of its
   * precisions over the recall gained is {@link #averagePrecision}. Null without positives.
   */
  public static Curve precisionRecall(double[] scores, boolean[] labels) {
    return curve(scores, labels, false);
  }

  private static Curve curve(double[] scores, boolean[] labels, boolean roc) {
    check(scores, labels);
    int n = scores.length;
    long positives = IntStream.range(0, n).filter(i -> labels[i]).count();
    long negatives = n - positives;
    if (positives == 0 || (roc && negatives == 0)) {
      return null;
    }
    double[] distinct = Arrays.stream(scores).distinct().sorted().toArray();
    int points = distinct.length + 1;
    double[] x = new double[points];
    double[] y = new double[points];
    double[] thresholds = new double[points];
    x[0] = 0;
    y[0] = roc ? 0 : 1;
    thresholds[0] = Double.POSITIVE_INFINITY;
    for (int k = 1; k < points; k++) {
      double threshold = distinct[distinct.length - k];
      long[] c = confusion(scores, labels, threshold);
      double recall = (double) c[0] / positives;
      x[k] = roc ? (double) c[1] / negatives : recall;
      y[k] = roc ? recall : (double) c[0] / (c[0] + c[1]);
      thresholds[k] = threshold;
    }
    return new Curve(x, y, thresholds);
  }

  /** {tp, fp, fn, tn} for {@code score >= threshold}. */
  public static long[] confusion(double[] scores, boolean[] labels, double threshold) {
    check(scores, labels);
    long[] c = new long[4];
    for (int i = 0; i < scores.length; i++) {
      boolean predicted = scores[i] >= threshold;
      c[labels[i] ? (predicted ? 0 : 2) : (predicted ? 1 : 3)]++;
    }
    return c;
  }

  /** The mean of the finite values; NaN when there is none. */
  public static double nanMean(double... values) {
    return Arrays.stream(values).filter(Double::isFinite).average().orElse(Double.NaN);
  }

  private static Integer[] sortedAscending(double[] scores) {
    Integer[] order = new Integer[scores.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingDouble(i -> scores[i]));
    return order;
  }

  private static void check(double[] scores, boolean[] labels) {
    if (scores.length != labels.length) {
      throw new IllegalArgumentException(scores.length + " scores but " + labels.length + " labels");
    }
    for (double s : scores) {
      if (Double.isNaN(s)) {
        throw new IllegalArgumentException("a score is NaN");
      }
    }
  }
}
