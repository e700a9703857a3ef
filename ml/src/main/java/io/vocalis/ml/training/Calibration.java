package io.vocalis.ml.training;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Post-hoc calibration of P(present), one monotone map per feature fitted on the validation split
 * after training: {@code p = sigmoid(slope * z + intercept)} on the head's present logit {@code z}
 * (for CORAL the logit of the present step). Temperature scaling fixes the intercept at 0
 * ({@code slope = 1 / T}); Platt scaling fits both.
 *
 * <p>Fitting minimises the cross-entropy against Platt's (1999) smoothed targets, {@code (N+ + 1) /
 * (N+ + 2)} for positives and {@code 1 / (N- + 2)} for negatives, as scikit-learn's sigmoid
 * calibration does, so that separable validation scores still give finite parameters; by Newton's
 * method from the identity (slope 1, intercept 0), step halving until the loss does not rise, to
 * a gradient below 1e-12 per recording. The result is deterministic. A feature keeps the identity
 * (and the fit says why) when its validation entries lack a class, its logits cannot identify the
 * parameters, or the fitted slope is not positive: a calibration never reverses the ranking, so
 * AUROC and AUPRC do not change.
 *
 * @param method how it was fitted
 * @param features the fitted map per feature; a feature not here keeps the head's probability
 */
public record Calibration(CalibrationMethod method, Map<String, Scaling> features) {
  /** No calibration: what packages written before calibration existed mean. */
  public static final Calibration NONE = new Calibration(CalibrationMethod.NONE, Map.of());

  private static final int MAX_ITERATIONS = 100;

  /** Copies the map. */
  public Calibration {
    features = Map.copyOf(features);
  }

  /**
   * One feature's map {@code sigmoid(slope * z + intercept)}.
   *
   * @param slope 1 / temperature; positive
   * @param intercept 0 for temperature scaling
   */
  public record Scaling(double slope, double intercept) {}

  /**
   * The calibrated P(present) of {@code feature} from its logit; {@code raw} (the head's sigmoid of
   * it, returned unchanged) for a feature without a fitted map.
   */
  public float probability(String feature, float logit, float raw) {
    Scaling s = features.get(feature);
    return s == null ? raw : (float) sigmoid(s.slope() * logit + s.intercept());
  }

  /**
   * Fits {@code method} for each feature on its validation {@code columns} (logits and labels);
   * {@code warnings} hears which features keep the identity and why.
   */
  static Calibration fit(CalibrationMethod method, Map<String, Evaluator.Column> columns, Consumer<String> warnings) {
    if (method == CalibrationMethod.NONE) {
      return NONE;
    }
    Map<String, Scaling> fitted = new LinkedHashMap<>();
    columns.forEach((feature, c) -> {
      String problem = problem(method, c.logits(), c.labels());
      Scaling s = problem == null ? fit(method, c.logits(), c.labels()) : null;
      if (s != null && !(s.slope() > 0)) {
        problem = "the fitted slope is " + s.slope() + " (validation ranks negatives above positives)";
      }
      if (problem != null) {
        warnings.accept("head.calibration " + method + ": " + feature + " keeps its uncalibrated probabilities: "
            + problem);
      } else {
        fitted.put(feature, s);
      }
    });
    return new Calibration(method, fitted);
  }

  private static String problem(CalibrationMethod method, double[] z, boolean[] labels) {
    int positives = 0;
    for (boolean l : labels) {
      positives += l ? 1 : 0;
    }
    if (positives == 0 || positives == labels.length) {
      return "its " + labels.length + " rated validation recordings have " + (positives == 0 ? "no positive" : "no negative");
    }
    boolean varied = false;
    boolean nonzero = false;
    for (double v : z) {
      varied |= v != z[0];
      nonzero |= v != 0;
    }
    if (method == CalibrationMethod.PLATT ? !varied : !nonzero) {
      return "its validation logits are all " + z[0];
    }
    return null;
  }

  /**
   * The minimiser of the cross-entropy of {@code sigmoid(slope * z + intercept)} against Platt's
   * targets for {@code labels} (intercept 0 for temperature scaling). Both classes must be present.
   */
  static Scaling fit(CalibrationMethod method, double[] z, boolean[] labels) {
    boolean intercept = method == CalibrationMethod.PLATT;
    int positives = 0;
    for (boolean l : labels) {
      positives += l ? 1 : 0;
    }
    int negatives = labels.length - positives;
    double[] t = new double[labels.length];
    for (int i = 0; i < t.length; i++) {
      t[i] = labels[i] ? (positives + 1.0) / (positives + 2.0) : 1.0 / (negatives + 2.0);
    }
    double a = 1;
    double b = 0;
    double loss = loss(z, t, a, b);
    for (int iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
      double ga = 0;
      double gb = 0;
      double haa = 0;
      double hab = 0;
      double hbb = 0;
      for (int i = 0; i < z.length; i++) {
        double p = sigmoid(a * z[i] + b);
        double r = p - t[i];
        double w = p * (1 - p);
        ga += r * z[i];
        gb += r;
        haa += w * z[i] * z[i];
        hab += w * z[i];
        hbb += w;
      }
      if (Math.max(Math.abs(ga), intercept ? Math.abs(gb) : 0) < 1e-12 * z.length) {
        break;
      }
      double da;
      double db;
      if (intercept) {
        double det = haa * hbb - hab * hab;
        if (!(det > 0)) {
          break;
        }
        da = (hbb * ga - hab * gb) / det;
        db = (haa * gb - hab * ga) / det;
      } else {
        if (!(haa > 0)) {
          break;
        }
        da = ga / haa;
        db = 0;
      }
      double step = 1;
      double next = loss(z, t, a - da, b - db);
      while (next > loss && step > 1e-10) {
        step /= 2;
        next = loss(z, t, a - step * da, b - step * db);
      }
      if (next > loss) {
        break;
      }
      a -= step * da;
      b -= step * db;
      loss = next;
    }
    return new Scaling(a, b);
  }

  /** The summed cross-entropy against soft targets {@code t}, computed without overflow. */
  private static double loss(double[] z, double[] t, double a, double b) {
    double sum = 0;
    for (int i = 0; i < z.length; i++) {
      double s = a * z[i] + b;
      sum += t[i] * softplus(-s) + (1 - t[i]) * softplus(s);
    }
    return sum;
  }

  private static double softplus(double x) {
    return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
  }

  private static double sigmoid(double x) {
    return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
  }
}
