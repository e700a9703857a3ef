package io.vocalis.ml.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Scores recordings with a head (no dropout, no gradients) and turns scores into metrics. */
final class Evaluator {
  private Evaluator() {}

  /**
   * P(present) for each of {@code rows} (in that order) and the masked loss over them.
   *
   * @param posWeight the training loss's positive weights (null for none)
   */
  static Scores score(ClassifierHead head, Inputs inputs, Examples examples, List<Integer> rows, int batchSize,
      NDManager work, NDArray posWeight) {
    int f = examples.features().size();
    float[][] probabilities = new float[rows.size()][];
    float[][] logits = new float[rows.size()][];
    double lossSum = 0;
    double rated = 0;
    for (int start = 0; start < rows.size(); start += batchSize) {
      List<Integer> chunk = rows.subList(start, Math.min(rows.size(), start + batchSize));
      try (NDManager scope = work.newSubManager()) {
        Inputs.States in = inputs.states(chunk, scope, false);
        Examples.Labels batch = examples.labels(chunk, scope);
        ClassifierHead.Output out = head.forward(in.states(), in.frames());
        float[] p = head.presentProbability(out.logits()).toFloatArray();
        float[] z = head.presentLogits(out.logits()).toFloatArray();
        for (int i = 0; i < chunk.size(); i++) {
          probabilities[start + i] = Arrays.copyOfRange(p, i * f, (i + 1) * f);
          logits[start + i] = Arrays.copyOfRange(z, i * f, (i + 1) * f);
        }
        double count = batch.rated().sum().getFloat();
        lossSum += head.loss(out.logits(), batch.targets(), batch.ratings(), batch.rated(), posWeight).getFloat()
            * count;
        rated += count;
      }
    }
    return new Scores(List.copyOf(rows), probabilities, logits, rated == 0 ? Double.NaN : lossSum / rated);
  }

  /** {@code method} fitted per feature on the rated entries of {@code val}; see {@link Calibration}. */
  static Calibration calibrate(CalibrationMethod method, Scores val, Examples examples, Consumer<String> warnings) {
    Map<String, Column> columns = new LinkedHashMap<>();
    for (int j = 0; j < examples.features().size(); j++) {
      columns.put(examples.features().get(j), column(val, examples, j));
    }
    return Calibration.fit(method, columns, warnings);
  }

  /** Each feature's reliability diagram of {@code scores} over its rated entries. */
  static Map<String, Reliability> reliabilities(Scores scores, Examples examples) {
    Map<String, Reliability> out = new LinkedHashMap<>();
    for (int j = 0; j < examples.features().size(); j++) {
      Column c = column(scores, examples, j);
      out.put(examples.features().get(j), Reliability.of(c.scores(), c.labels()));
    }
    return out;
  }

  /** Per feature, the F1-maximising threshold on {@code val}; 0.5 for a feature without positives. */
  static Map<String, Double> tuneThresholds(Scores val, Examples examples) {
    Map<String, Double> thresholds = new LinkedHashMap<>();
    for (int j = 0; j < examples.features().size(); j++) {
      Column c = column(val, examples, j);
      thresholds.put(examples.features().get(j), Metrics.tuneThreshold(c.scores(), c.labels(), 0.5));
    }
    return thresholds;
  }

  /** The metrics of {@code scores} at {@code thresholds} (per feature). */
  static SplitMetrics metrics(Scores scores, Examples examples, Map<String, Double> thresholds) {
    List<FeatureMetrics> features = new ArrayList<>();
    for (int j = 0; j < examples.features().size(); j++) {
      String name = examples.features().get(j);
      Column c = column(scores, examples, j);
      features.add(FeatureMetrics.of(name, c.scores(), c.labels(), thresholds.getOrDefault(name, 0.5)));
    }
    return new SplitMetrics(scores.loss(), features);
  }

  /** The rated entries of feature {@code j}: scores and labels. */
  static Column column(Scores scores, Examples examples, int j) {
    List<Double> s = new ArrayList<>();
    List<Double> z = new ArrayList<>();
    List<Boolean> l = new ArrayList<>();
    for (int i = 0; i < scores.rows().size(); i++) {
      int row = scores.rows().get(i);
      if (examples.rated(row, j)) {
        s.add((double) scores.probabilities()[i][j]);
        z.add((double) scores.logits()[i][j]);
        l.add(examples.positive(row, j));
      }
    }
    boolean[] la = new boolean[l.size()];
    for (int i = 0; i < la.length; i++) {
      la[i] = l.get(i);
    }
    return new Column(s.stream().mapToDouble(Double::doubleValue).toArray(), la,
        z.stream().mapToDouble(Double::doubleValue).toArray());
  }

  /** One feature's rated entries: P(present), whether it is present, and the present logit. */
  record Column(double[] scores, boolean[] labels, double[] logits) {}

  /**
   * Scores of some rows.
   *
   * @param rows dataset row indices
   * @param probabilities per row (same order), P(present) per feature
   * @param logits per row, the head's present logit per feature (uncalibrated)
   * @param loss masked mean loss over the rows' rated entries
   */
  record Scores(List<Integer> rows, float[][] probabilities, float[][] logits, double loss) {
    /** These scores with every probability mapped by {@code calibration} ({@code features} in output order). */
    Scores calibrated(Calibration calibration, List<String> features) {
      float[][] p = new float[probabilities.length][];
      for (int i = 0; i < p.length; i++) {
        p[i] = new float[features.size()];
        for (int j = 0; j < p[i].length; j++) {
          p[i][j] = calibration.probability(features.get(j), logits[i][j], probabilities[i][j]);
        }
      }
      return new Scores(rows, p, logits, loss);
    }
  }
}
